"""What interviewers read about candidates: results tables, quiz columns, effort and similarity."""
