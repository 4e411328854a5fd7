"""From one article's enrichment to canonical rows: places keyed across articles, events keyed GDELT-style.

Consumes the `places` and `events` of an `ArticleEnriched` plus the article's dates; produces plain tuples ready
for the set-based SQL of `services.store.repository`. Pure functions, no I/O.

A canonical event is "the same day, source actor, target actor, action and place": two articles reporting the
same visit produce the same key, hence the same event id, and each adds a mention to it. The id is a hash of
the key, so it is the same on every replay and in every database.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from shared.event_models import EventRecord
from shared.place_models import PlaceMention

_EVENT_ID_VERSION = "v1"
"""Bump if the key's parts or their rendering change: ids of the old scheme must not collide with new ones."""


def place_id(place: PlaceMention) -> str:
    """Key of a gazetteer entry: `gn:<geonameid>`, or `rg:<kind>:<name>` for our own regions table (no id)."""
    if place.geonameid is not None:
        return f"gn:{place.geonameid}"
    return f"rg:{place.kind}:{place.name}"


@dataclass(frozen=True)
class EventPlace:
    """Where an event happened, as stored on the canonical event."""

    key: str
    name: str | None
    country: str | None
    geonameid: int | None
    lat: float | None
    lon: float | None


NO_PLACE = EventPlace("", None, None, None, None, None)


def event_place(event: EventRecord, places: list[PlaceMention]) -> EventPlace:
    """The place of `event`: the article's resolved place mention at the event's location offsets when there is
    one (same rule as the NLP's geocoder), else what the event itself carries, else no place.

    Preferring the place mention makes the key the gazetteer entry's, so "Tehran" and "the Iranian capital"
    resolved to the same entry meet; a location the geocoder could not resolve is keyed by its lower-cased text
    and country, which is the best a store can do without a gazetteer.
    """
    if event.location_start is not None:
        for place in places:
            if place.start <= event.location_start < place.end:
                return EventPlace(place_id(place), place.name, place.country, place.geonameid, place.lat, place.lon)
    if event.geonames_id is not None:
        for place in places:
            if place.geonameid == event.geonames_id:
                return EventPlace(place_id(place), place.name, place.country, place.geonameid, place.lat, place.lon)
        return EventPlace(f"gn:{event.geonames_id}", event.location_text, event.location_country,
                          event.geonames_id, event.lat, event.lon)
    if event.location_text:
        key = f"tx:{event.location_text.strip().lower()}:{event.location_country or ''}"
        return EventPlace(key, event.location_text, event.location_country, None, event.lat, event.lon)
    return NO_PLACE


def _utc_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def event_day(event: EventRecord, published_at: datetime | None, received_at: datetime) -> date:
    """The event's day: the date the sentence gives (the NLP's `date`), else the article's publication day, else
    the day the article arrived -- all in UTC. An unparseable `date` falls back rather than failing the batch."""
    if event.date:
        try:
            return date.fromisoformat(event.date[:10])
        except ValueError:
            pass
    return _utc_day(published_at if published_at is not None else received_at)


def event_id(day: date, source_code: str, target_code: str, code: str, place_key: str) -> str:
    """Deterministic id of the canonical event with this key (64 bits of SHA-256, hex)."""
    key = "\x1f".join((_EVENT_ID_VERSION, day.isoformat(), source_code, target_code, code, place_key))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def is_storable(event: EventRecord) -> bool:
    """Whether an event may become a canonical event: negated ones never do (the NLP drops them by default; this
    guards against a producer that keeps them), and spans running backwards are a producer bug."""
    return (
        not event.negated
        and event.sentence_end >= event.sentence_start
        and event.trigger_end >= event.trigger_start
    )
