"""Logging with the standard library: readable lines by default, JSON lines when asked.

Every module logs through ``logging.getLogger(__name__)``; only the entry points (the CLI and the
server) call ``configure``. Operators read what happened without a debugger: start, builds, each
write (who, what, store version), recovery of an interrupted write, replaced query workers,
index rebuilds and reloads, load failures.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Literal, TextIO

LogFormat = Literal["text", "json"]

#: Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept in JSON.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO", fmt: LogFormat = "text", stream: TextIO | None = None) -> None:
    """Send the project's log records to standard error (or ``stream``), once per process."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    logger = logging.getLogger("wissensgraph")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
