"""The flow of a submission: intake, queue, workers (embedded threads, or other machines through Redis)."""
