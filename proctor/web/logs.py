"""Structured logs: one JSON object per line, for the operator's log pipeline."""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
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


class _Deferred(logging.handlers.QueueHandler):
    """Hands records to the writer thread as they are: QueueHandler.prepare would format them here."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def configure_logging(*, json_lines: bool) -> None:
    """Send the `proctor` loggers to stderr, as JSON lines unless asked otherwise. Idempotent.

    Records are formatted and written by a thread of their own: the request log line (one per request) cost
    the event loop a tenth of a page's time (benchmarks/web.py). The thread drains the queue at exit."""
    logger = logging.getLogger("proctor")
    if any(getattr(h, "_proctor", False) for h in logger.handlers):
        return
    stream = logging.StreamHandler()
    stream.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = _Deferred(records)
    handler._proctor = True  # type: ignore[attr-defined]
    listener = logging.handlers.QueueListener(records, stream)
    listener.start()
    atexit.register(listener.stop)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
