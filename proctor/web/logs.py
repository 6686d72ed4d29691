"""Structured logs: one JSON object per line, for the operator's log pipeline."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

# LogRecord attributes that are plumbing, not data; anything else passed in `extra=` is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`LEVEL logger: message key=value ...`, the same fields as the JSON lines, for a developer's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = "".join(f" {k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        line = f"{record.levelname} {record.name}: {record.getMessage()}{fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(*, json_lines: bool) -> None:
    """Send the `proctor` loggers to stderr, as JSON lines unless asked otherwise. Idempotent."""
    logger = logging.getLogger("proctor")
    if any(getattr(h, "_proctor", False) for h in logger.handlers):
        return
    # Written by the thread that logs: a writer thread of its own was tried, and the hand-over per record
    # cost the event loop more than the formatting it took away (benchmarks/web.py).
    handler = logging.StreamHandler()
    handler._proctor = True  # type: ignore[attr-defined]
    # Every request logs a line, and neither formatter prints where the call was made or the thread and process
    # names, so they are not gathered (the logging HOWTO's "Optimization"): 5-9 µs of a line's 38-50 µs
    # inside a served page (docs/performance.md).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
