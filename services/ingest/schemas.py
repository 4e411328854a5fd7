"""The ingest API's request and response bodies."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

# C0 control characters other than tab, newline and carriage return: PostgreSQL cannot store NUL at all, and
# the others are never meaningful in news text. Removed (not rejected) so a scraped article still goes through.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s")
_HTTP_URL = re.compile(r"^https?://[^/\s?#]+", re.IGNORECASE)

NO_CONTROLS = "no_controls"
"""Validation context key: true when the caller knows no string of the input holds a control character (see
`json_has_no_controls`), so the validators need not look for them."""


def json_has_no_controls(body: bytes) -> bool:
    """Whether no string parsed from this JSON text can hold a control character.

    JSON forbids raw C0 control characters inside strings (orjson refuses them), so one can only come from an
    escape -- `\\u00XX` (which covers U+007F as `\\u007f`), `\\b` or `\\f` -- or be a raw DEL byte, which JSON
    allows. Without any of those byte sequences there is none. (An escaped backslash followed by `b` or `f`
    matches too, which only costs the slow path.)
    """
    return b"\x7f" not in body and b"\\u00" not in body and b"\\b" not in body and b"\\f" not in body


def strip_controls(value: Any) -> Any:
    """Remove control characters from every string in a JSON-like value."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {strip_controls(k): strip_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_controls(v) for v in value]
    return value


class ArticleIn(BaseModel):
    """An article as a client submits it."""

    model_config = ConfigDict(extra="forbid", str_max_length=2_000_000)

    title: str = Field(min_length=1, max_length=1000, description="Headline.", examples=["Army chief visits Tehran"])
    text: str = Field(min_length=1, description="Body text, plain (paragraphs separated by blank lines).")
    url: str | None = Field(
        None, max_length=4096, description="Absolute http(s) URL of the article; it determines the article id.",
        examples=["https://example.org/news/2024/army-chief-visits-tehran"],
    )
    source: str | None = Field(None, max_length=300, description="Publisher or feed name.", examples=["Example Times"])
    published_at: datetime | None = Field(
        None, description="Publication time, ISO 8601; without a zone it is taken as UTC.",
        examples=["2024-05-02T09:30:00Z"],
    )
    language: str | None = Field(
        None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$", description="ISO 639-1 language code, if known.",
        examples=["en"],
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Free-form JSON object kept with the article verbatim."
    )

    @field_validator("title", "text", "source", "metadata", mode="before")
    @classmethod
    def _no_controls(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and info.context.get(NO_CONTROLS):
            return value
        return strip_controls(value)

    @field_validator("title", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain non-whitespace characters")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _HTTP_URL.match(value) or _SPACE.search(value):
            raise ValueError("must be an absolute http:// or https:// URL without spaces")
        return value

    @field_validator("published_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Accepted(BaseModel):
    """Outcome for one submitted article."""

    id: str = Field(description="Article id (deterministic; query it at the API's `/articles/{id}`).")
    revision: str = Field(description="Content revision (SHA-256 of normalised title and text).")
    status: Literal["accepted", "duplicate"] = Field(
        description="`accepted`: queued for processing; `duplicate`: this revision was already accepted."
    )
    duplicate: bool = Field(description="True when this exact revision had already been accepted.")
    canonical_url: str | None = Field(None, description="The URL the id was derived from, if any.")


class BatchItem(BaseModel):
    """Outcome for one entry of a batch."""

    index: int = Field(description="Zero-based position of the entry in the request.")
    status: Literal["accepted", "duplicate", "invalid"] = Field(description="What happened to this entry.")
    id: str | None = Field(None, description="Article id, unless the entry was invalid.")
    revision: str | None = Field(None, description="Content revision, unless the entry was invalid.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Why an invalid entry was refused: `[{field, message, type}]`."
    )


class BatchResult(BaseModel):
    """Per-entry outcomes of a batch, in request order, with totals."""

    accepted: int = Field(description="Entries queued for processing.")
    duplicates: int = Field(description="Entries whose revision had already been accepted.")
    invalid: int = Field(description="Entries refused; see their `errors`.")
    items: list[BatchItem] = Field(description="One result per entry, in request order.")


class DeadLetter(BaseModel):
    """A message that kept failing."""

    id: str = Field(description="Id of the dead letter on `articles.dead` (what replay takes).")
    stream: str = Field(description="Stream the original message was on.")
    group: str = Field(description="Consumer group that failed on it.")
    entry_id: str = Field(description="Id of the original entry.")
    error: str = Field(description="The last error.")
    delivery_count: int = Field(description="Deliveries before it was given up.")
    article_id: str | None = Field(None, description="Article concerned, when known.")
    occurred_at: datetime = Field(description="When it was dead-lettered.")


class DeadLetterList(BaseModel):
    """Dead letters, oldest first."""

    items: list[DeadLetter] = Field(description="The dead letters.")


class ReplayRequest(BaseModel):
    """Which dead letters to replay."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}-[0-9]{1,20}$")]] = Field(
        default_factory=list, max_length=10000, description="Dead-letter ids to replay (stream entry ids).",
        examples=[["1732810000000-0"]],
    )
    all: bool = Field(False, description="Replay every dead letter.")

    @field_validator("ids")
    @classmethod
    def _stream_ids(cls, ids: list[str]) -> list[str]:
        # Both halves of a stream id are unsigned 64-bit numbers; Redis rejects anything larger.
        for entry_id in ids:
            if any(int(part) >= 2**64 for part in entry_id.split("-")):
                raise ValueError(f"{entry_id!r} is not a stream entry id")
        return ids


class ReplayResult(BaseModel):
    """What a replay did."""

    replayed: list[str] = Field(description="Dead-letter ids replayed (and removed).")
    not_found: list[str] = Field(description="Requested ids that were not on `articles.dead`.")
