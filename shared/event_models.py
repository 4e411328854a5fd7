"""Event records: who did what to whom, where and when, as extracted from one sentence.

Produced by `services.nlp.events.extract_events` (a pure function over a parsed spaCy Doc) and carried inside
enrichment messages; consumed by the store (canonical events and their mentions) and the API. Actor and event
codes follow CAMEO: an actor is an ISO 3166-1 alpha-3 country plus an optional role ("PAKMIL"), or an
international organisation ("IGOUNO"); "---" stands for an unknown country.
"""

from pydantic import BaseModel, ConfigDict, Field


class Actor(BaseModel):
    """One side of an event, coded from the noun phrase that names it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str = Field(
        description="CAMEO actor code: country alpha-3 (or '---' when unknown, or an IGO code) plus role.",
        examples=["PAKMIL", "IRNGOV", "USA", "IGOUNO", "---REB"],
    )
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3 code of the actor's country; null for IGOs and unknowns.",
        examples=["PAK"],
    )
    role: str | None = Field(
        default=None,
        description="CAMEO role code (GOV, MIL, LEG, JUD, OPP, REB, BUS, MED, CVL, COP, ...).",
        examples=["MIL"],
    )
    text: str = Field(
        description="Surface text of the noun phrase naming the actor.", examples=["the Pakistani Army Chief"]
    )
    start: int = Field(ge=0, description="Character offset of the phrase's first character in the article.")
    end: int = Field(ge=0, description="Character offset one past the phrase's last character.")


class EventRecord(BaseModel):
    """One event mention: source actor → action (CAMEO code) → target actor, in one sentence of one article."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    source: Actor | None = Field(default=None, description="Who acted; null when the sentence does not say.")
    target: Actor | None = Field(default=None, description="Who was acted upon; null when the sentence does not say.")
    code: str = Field(description="CAMEO event code.", examples=["042", "0871", "190"])
    name: str = Field(description="CAMEO name of the event code.", examples=["Make a visit"])
    root_code: str = Field(description="Two-digit CAMEO root code (the event's family).", examples=["04"])
    quad_class: int = Field(
        ge=1,
        le=4,
        description="1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.",
        examples=[1],
    )
    goldstein: float = Field(ge=-10, le=10, description="Goldstein score of the code, -10..10.", examples=[1.9])
    trigger: str = Field(description="The word that triggered the event.", examples=["visited"])
    trigger_start: int = Field(ge=0, description="Character offset of the trigger in the article.")
    trigger_end: int = Field(ge=0, description="Character offset one past the trigger.")
    sentence_index: int = Field(ge=0, description="Index of the sentence in the article (0-based).")
    sentence_start: int = Field(ge=0, description="Character offset of the sentence in the article.")
    sentence_end: int = Field(ge=0, description="Character offset one past the sentence.")
    negated: bool = Field(default=False, description="The sentence says the event did not happen ('did not attack').")
    hypothetical: bool = Field(
        default=False,
        description="The event is only possible, planned or conditional ('could attack', 'plans to visit').",
    )
    confidence: float = Field(ge=0, le=1, description="Heuristic confidence that the coding is right.", examples=[0.9])
    date: str | None = Field(
        default=None,
        description="ISO date of the event: the article's publication date unless the sentence names another.",
        examples=["2024-05-02"],
    )
    location_text: str | None = Field(
        default=None, description="Place named as where it happened.", examples=["Tehran"]
    )
    location_country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-3 country of that place.", examples=["IRN"]
    )
    location_start: int | None = Field(default=None, description="Character offset of the place mention.")
    location_end: int | None = Field(default=None, description="Character offset one past the place mention.")
    geonames_id: int | None = Field(default=None, description="GeoNames id of the place, filled by the geocoder.")
    tone: float | None = Field(
        default=None, ge=-100, le=100, description="GDELT-style tone of the sentence the event is told in."
    )
    lat: float | None = Field(default=None, description="Latitude of the place, filled by the geocoder.")
    lon: float | None = Field(default=None, description="Longitude of the place, filled by the geocoder.")
