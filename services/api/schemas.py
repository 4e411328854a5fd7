"""Response models of the read API: what `GET /articles`, `/articles/{id}` and `/entities` return.

Consumes the dicts produced by `services.api.queries`; produces the JSON (and the OpenAPI schema) clients see.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["pending", "enriched", "failed"]


class Mention(BaseModel):
    """One entity mention in the article's text."""

    text: str = Field(description="Surface text as it appears in the article.", examples=["Tehran"])
    label: str = Field(description="Entity label (GPE, NORP, ORG, PERSON, LOC, ...).", examples=["GPE"])
    start: int = Field(description="Character offset of the mention's first character in `text`.", examples=[41])
    end: int = Field(description="Character offset one past the mention's last character.", examples=[47])
    name: str = Field(description="Canonical name of the entity.", examples=["Tehran"])
    country: str | None = Field(
        None, description="ISO 3166-1 alpha-3 code of the entity's country, when resolved.", examples=["IRN"]
    )


class ArticleSummary(BaseModel):
    """An article in a list: everything but the body text and the mentions."""

    id: str = Field(description="Article id.", examples=["5b0d7c2e-8d7a-5f4e-9a0b-2b1f0c3d4e5f"])
    revision: str = Field(description="SHA-256 of the normalised title and text of the stored revision.")
    url: str | None = Field(None, description="URL as submitted.", examples=["https://example.org/a"])
    title: str = Field(description="Headline.", examples=["Army chief visits Tehran"])
    source: str | None = Field(None, description="Publisher or feed name.", examples=["Example Times"])
    language: str | None = Field(None, description="ISO 639-1 language code.", examples=["en"])
    published_at: datetime | None = Field(None, description="Publication time given by the submitter (UTC).")
    received_at: datetime = Field(description="When ingest accepted this revision (UTC).")
    status: Status = Field(
        description="`pending` until the enrichment of this revision is stored, then `enriched`; `failed` when "
        "processing gave up (see `error`).",
    )
    enriched_at: datetime | None = Field(None, description="When this revision's enrichment was produced (UTC).")
    score: float | None = Field(
        None, description="Full-text relevance (`ts_rank`) when the list was searched with `q`, else null."
    )


class Article(BaseModel):
    """One article, latest revision, with its entity mentions."""

    id: str = Field(description="Article id.", examples=["5b0d7c2e-8d7a-5f4e-9a0b-2b1f0c3d4e5f"])
    revision: str = Field(description="SHA-256 of the normalised title and text of the stored revision.")
    url: str | None = Field(None, description="URL as submitted.", examples=["https://example.org/a?utm_source=x"])
    canonical_url: str | None = Field(None, description="Canonical URL the id derives from, if any.")
    title: str = Field(description="Headline.", examples=["Army chief visits Tehran"])
    text: str = Field(description="Body text; mention offsets refer to it.")
    source: str | None = Field(None, description="Publisher or feed name.", examples=["Example Times"])
    language: str | None = Field(None, description="ISO 639-1 language code.", examples=["en"])
    published_at: datetime | None = Field(None, description="Publication time given by the submitter (UTC).")
    received_at: datetime = Field(description="When ingest accepted this revision (UTC).")
    status: Status = Field(description="`pending`, `enriched` or `failed`.")
    error: str | None = Field(None, description="Why processing failed, when `status` is `failed`.")
    enriched_at: datetime | None = Field(None, description="When this revision's enrichment was produced (UTC).")
    model: str | None = Field(None, description="NLP pipeline that produced the enrichment.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Submitter metadata, verbatim.")
    entities: list[Mention] = Field(description="Entity mentions of this revision, in text order.")


class ArticlePage(BaseModel):
    """A page of articles."""

    items: list[ArticleSummary] = Field(description="Articles on this page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next page; null on the last page."
    )


class EntityCount(BaseModel):
    """A canonical entity and how many articles mention it."""

    name: str = Field(description="Canonical name.", examples=["Iran"])
    label: str = Field(description="Entity label.", examples=["GPE"])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code, when resolved.", examples=["IRN"])
    articles: int = Field(description="Number of distinct articles mentioning it (within the date filters).")


class EntityPage(BaseModel):
    """A page of entities, most mentioned first."""

    items: list[EntityCount] = Field(description="Entities on this page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next page; null on the last page."
    )


class Ready(BaseModel):
    """Readiness."""

    status: str = Field(description="`ready`.", examples=["ready"])
