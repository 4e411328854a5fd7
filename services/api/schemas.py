"""Response models of the read API: what `GET /articles`, `/articles/{id}`, `/entities`, `/events`,
`/events/{id}` and `/places` return.

Consumes the dicts produced by `services.api.queries`; produces the JSON (and the OpenAPI schema) clients see.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.messages import ArticleFocus

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
    places: list["ArticlePlace"] = Field(
        default_factory=list, description="Place mentions of this revision resolved to gazetteer entries, text order."
    )
    events: list["ArticleEvent"] = Field(
        default_factory=list, description="Event mentions of this revision, in text order, with their canonical event."
    )
    tone: float | None = Field(
        None, description="GDELT-style tone (positive minus negative word share, -100..100); null until enriched.",
        examples=[-1.8],
    )
    focus: ArticleFocus | None = Field(None, description="The countries and cities the article is mainly about.")


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


class ArticlePlace(BaseModel):
    """One place mention in an article, resolved to a gazetteer entry."""

    text: str = Field(description="Surface text as it appears in the article.", examples=["Tehran"])
    start: int = Field(description="Character offset of the mention's first character in `text`.", examples=[33])
    end: int = Field(description="Character offset one past the mention's last character.", examples=[39])
    place_id: str = Field(
        description="Place key: `gn:<GeoNames id>`, or `rg:<kind>:<name>` for regions without one.",
        examples=["gn:112931"],
    )
    name: str = Field(description="Gazetteer name.", examples=["Tehran"])
    geonameid: int | None = Field(None, description="GeoNames id, when the entry has one.", examples=[112931])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code of the place's country.", examples=["IRN"])
    admin1: str | None = Field(None, description="First-level division code, where known.", examples=["TX"])
    lat: float = Field(description="Latitude (WGS84).", examples=[35.69439])
    lon: float = Field(description="Longitude (WGS84).", examples=[51.42151])
    kind: str = Field(description="country, admin1, city, region, continent, water or facility.", examples=["city"])
    population: int | None = Field(None, description="Population, where the gazetteer knows it.")
    confidence: float = Field(description="How sure the resolver was of this reading (0-1).", examples=[0.93])


class EventActor(BaseModel):
    """One side of an event as a sentence names it."""

    code: str | None = Field(None, description="CAMEO actor code.", examples=["PAKMIL"])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code of the actor's country.", examples=["PAK"])
    text: str | None = Field(None, description="The phrase naming the actor.", examples=["The Pakistani Army Chief"])
    start: int | None = Field(None, description="Character offset of the phrase in the article text.")
    end: int | None = Field(None, description="Character offset one past the phrase.")


class EventLocation(BaseModel):
    """Where an event happened."""

    name: str | None = Field(None, description="Place name (gazetteer name when resolved).", examples=["Tehran"])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code of the place's country.", examples=["IRN"])
    geonameid: int | None = Field(None, description="GeoNames id, when resolved to one.", examples=[112931])
    lat: float | None = Field(None, description="Latitude (WGS84), when resolved.", examples=[35.69439])
    lon: float | None = Field(None, description="Longitude (WGS84), when resolved.", examples=[51.42151])


class ArticleEvent(BaseModel):
    """One event mention in an article: the sentence's actors and trigger, and the canonical event's codes."""

    event_id: str = Field(description="Id of the canonical event (`GET /events/{id}`).", examples=["3f9a0c1b2d4e5f60"])
    day: date = Field(description="Day of the canonical event (UTC).", examples=["2024-05-01"])
    code: str = Field(description="CAMEO event code.", examples=["042"])
    name: str = Field(description="CAMEO name of the code.", examples=["Make a visit"])
    root_code: str = Field(description="Two-digit CAMEO root code.", examples=["04"])
    quad_class: int = Field(description="1 verbal coop., 2 material coop., 3 verbal conflict, 4 material conflict.")
    goldstein: float = Field(description="Goldstein score of the code (-10..10).", examples=[1.9])
    source: EventActor | None = Field(None, description="Who acted, as this sentence names them.")
    target: EventActor | None = Field(None, description="Who was acted upon, as this sentence names them.")
    trigger: str = Field(description="The word that triggered the event.", examples=["visited"])
    trigger_start: int = Field(description="Character offset of the trigger in the article text.")
    trigger_end: int = Field(description="Character offset one past the trigger.")
    sentence_index: int = Field(description="Index of the sentence in the article (0-based).")
    sentence_start: int = Field(description="Character offset of the sentence in the article text.")
    sentence_end: int = Field(description="Character offset one past the sentence.")
    location_text: str | None = Field(None, description="The place as the sentence names it.", examples=["Tehran"])
    location_start: int | None = Field(None, description="Character offset of that place mention.")
    location_end: int | None = Field(None, description="Character offset one past that place mention.")
    location: EventLocation | None = Field(None, description="Where the canonical event happened, when known.")
    confidence: float = Field(description="Extractor's confidence that the coding is right (0-1).", examples=[0.9])
    hypothetical: bool = Field(description="The sentence only says the event may, could or is planned to happen.")
    tone: float | None = Field(None, description="Tone of the sentence (else of the article), -100..100.")


class Event(BaseModel):
    """A canonical event: one (day, source actor, target actor, action, place), however many articles report it."""

    id: str = Field(description="Deterministic id: a hash of the event's key.", examples=["3f9a0c1b2d4e5f60"])
    day: date = Field(description="Day the event happened (UTC): the sentence's date, else the article's.")
    source_code: str | None = Field(None, description="CAMEO code of the source actor.", examples=["PAKMIL"])
    source_country: str | None = Field(None, description="ISO alpha-3 country of the source actor.", examples=["PAK"])
    target_code: str | None = Field(None, description="CAMEO code of the target actor.", examples=["IRN"])
    target_country: str | None = Field(None, description="ISO alpha-3 country of the target actor.", examples=["IRN"])
    code: str = Field(description="CAMEO event code.", examples=["042"])
    name: str = Field(description="CAMEO name of the code.", examples=["Make a visit"])
    root_code: str = Field(description="Two-digit CAMEO root code.", examples=["04"])
    quad_class: int = Field(description="1 verbal coop., 2 material coop., 3 verbal conflict, 4 material conflict.")
    goldstein: float = Field(description="Goldstein score of the code (-10..10).", examples=[1.9])
    location: EventLocation | None = Field(None, description="Where it happened, when the articles say.")
    num_mentions: int = Field(description="Number of sentences reporting it, over all articles.", examples=[3])
    num_articles: int = Field(description="Number of distinct articles reporting it.", examples=[2])
    num_sources: int = Field(
        description="Number of distinct sources (publishers) reporting it; an article without a source counts as "
        "its own.", examples=[2],
    )
    avg_tone: float | None = Field(None, description="Average tone of its mentions (-100..100).", examples=[1.25])
    first_seen: datetime | None = Field(None, description="Date of the earliest article reporting it (UTC).")
    last_seen: datetime | None = Field(None, description="Date of the latest article reporting it (UTC).")
    distance_km: float | None = Field(
        None, description="Great-circle distance from the `near` point in km, when the list was filtered by `near`."
    )


class EventPage(BaseModel):
    """A page of canonical events, newest day first."""

    items: list[Event] = Field(description="Events on this page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next page; null on the last page."
    )


class EventMention(BaseModel):
    """One report of a canonical event: a sentence of an article."""

    article_id: str = Field(description="Id of the reporting article.")
    article_title: str = Field(description="Headline of the reporting article.", examples=["Army chief visits Tehran"])
    article_url: str | None = Field(None, description="URL of the reporting article.")
    article_source: str | None = Field(None, description="Publisher of the reporting article.")
    article_date: datetime = Field(description="The article's publication time, else arrival time (UTC).")
    sentence_index: int = Field(description="Index of the sentence in the article (0-based).")
    sentence_start: int = Field(description="Character offset of the sentence in the article text.")
    sentence_end: int = Field(description="Character offset one past the sentence.")
    sentence: str = Field(
        description="The sentence itself, cut from the article text.",
        examples=["The Pakistani Army Chief visited Tehran on Monday."],
    )
    trigger: str = Field(description="The word that triggered the event.", examples=["visited"])
    trigger_start: int = Field(description="Character offset of the trigger in the article text.")
    trigger_end: int = Field(description="Character offset one past the trigger.")
    source: EventActor | None = Field(None, description="Who acted, as this sentence names them.")
    target: EventActor | None = Field(None, description="Who was acted upon, as this sentence names them.")
    location_text: str | None = Field(None, description="The place as the sentence names it.")
    confidence: float = Field(description="Extractor's confidence that the coding is right (0-1).")
    hypothetical: bool = Field(description="The sentence only says the event may, could or is planned to happen.")
    tone: float | None = Field(None, description="Tone of the sentence (else of the article), -100..100.")


class EventDetail(Event):
    """A canonical event with its mentions."""

    mentions: list[EventMention] = Field(
        description="Its reports, oldest article first (at most 500; `num_mentions` counts them all)."
    )


class PlaceCount(BaseModel):
    """A place and how many articles mention it."""

    id: str = Field(description="Place key: `gn:<GeoNames id>` or `rg:<kind>:<name>`.", examples=["gn:112931"])
    name: str = Field(description="Gazetteer name.", examples=["Tehran"])
    kind: str = Field(description="country, admin1, city, region, continent, water or facility.", examples=["city"])
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 code of the place's country.", examples=["IRN"])
    admin1: str | None = Field(None, description="First-level division code, where known.")
    geonameid: int | None = Field(None, description="GeoNames id, when the entry has one.", examples=[112931])
    lat: float = Field(description="Latitude (WGS84).", examples=[35.69439])
    lon: float = Field(description="Longitude (WGS84).", examples=[51.42151])
    population: int | None = Field(None, description="Population, where the gazetteer knows it.")
    articles: int = Field(description="Number of distinct articles mentioning it (within the date filters).")
    mentions: int = Field(description="Number of times those articles mention it.")


class PlacePage(BaseModel):
    """A page of places, most mentioned first."""

    items: list[PlaceCount] = Field(description="Places on this page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next page; null on the last page."
    )


Article.model_rebuild()
