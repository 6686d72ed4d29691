"""The flow of a submission: intake, queue, worker, supervisor (docs/architecture.md maps each step)."""
