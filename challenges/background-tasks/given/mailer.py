"""The mailer. Given, read-only: the grader runs this exact file, whatever you submit under the same name."""

import time

OUTBOX: list[str] = []


def send_welcome(email: str) -> None:
    """Send the welcome mail: it takes 0.2 s, then the address is added to OUTBOX."""
    time.sleep(0.2)
    OUTBOX.append(email)
