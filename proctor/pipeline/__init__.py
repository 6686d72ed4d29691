"""The flow of one submission: intake → queue → worker → supervisor → result, and what keeps it clean
(the deadline sweep, the janitor). docs/architecture.md maps each step to its module."""
