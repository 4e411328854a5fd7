"""Logging set-up: readable lines on a terminal, one JSON object per line in containers.

Records may carry `article_id` and `correlation_id` (pass them in `extra=`) so one article can be followed
through every service's log.
"""

import logging
import sys
from typing import Any

import orjson

_CONTEXT_FIELDS = ("article_id", "correlation_id", "count", "service")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object with the context fields that are set."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                payload[field] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload).decode()


class TextFormatter(logging.Formatter):
    """Formats a record as a terminal line, with the context fields appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(
            f"{field}={getattr(record, field)}"
            for field in _CONTEXT_FIELDS
            if getattr(record, field, None) is not None
        )
        return f"{line} {extras}" if extras else line


def setup_logging(service: str, level: str = "INFO", json: bool = False) -> None:
    """Configure the root logger once for a service process."""
    handler = logging.StreamHandler(sys.stderr)
    if json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(f"%(asctime)s {service:<6} %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log is noise at INFO under load; errors still reach the root handler.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # FastStream installs its own coloured handler on import; its records go through ours instead.
    import faststream  # noqa: F401  (imported for that side effect to happen before we undo it)

    for name in ("faststream", "faststream.access", "faststream.app"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
