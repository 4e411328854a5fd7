"""Small helpers for assembling the read API's SQL safely: bind-parameter collection, LIKE escaping, UTC dates.

Consumed by `services.api.queries` and `services.api.event_queries`; produces `$n` placeholders and values.
"""

from datetime import UTC, datetime
from typing import Any


def utc(value: datetime | None) -> datetime | None:
    # A date without an offset is taken as UTC, as everywhere in the API.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE, with the pattern characters in `text` matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Params:
    """Collects bind parameters and hands out their `$n` placeholders."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"
