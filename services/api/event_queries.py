"""The read API's SQL for events and places: plain async functions over an asyncpg connection.

Consumes the tables the store writes (`events`, `event_mentions`, `places`, `article_places`, `articles`);
produces plain dicts (and, for the export, a server-side cursor's rows). As in `services.api.queries`, every
user-supplied value travels as a bind parameter; the SQL text is assembled only from constant fragments.
"""

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from services.api.sql import Params, like_pattern, utc

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), for great-circle distances."""

_KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class Near:
    """A circle on the globe: centre in decimal degrees, radius in km."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True)
class EventFilters:
    """Filters of `GET /events` and `/events/export`; `None` means "not filtered". Codes are upper-case."""

    source: str | None = None
    target: str | None = None
    actor: str | None = None
    country: str | None = None
    code: str | None = None
    root_code: str | None = None
    quad_class: int | None = None
    since: date | None = None
    until: date | None = None
    near: Near | None = None

    def scope(self) -> dict[str, Any]:
        """The filters as JSON-able values, for the cursor's query fingerprint."""
        return {
            "source": self.source, "target": self.target, "actor": self.actor, "country": self.country,
            "code": self.code, "root_code": self.root_code, "quad_class": self.quad_class,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "near": [self.near.lat, self.near.lon, self.near.km] if self.near else None,
        }


@dataclass(frozen=True)
class PlaceFilters:
    """Filters of `GET /places`; `None` means "not filtered"."""

    country: str | None = None
    kind: str | None = None
    q: str | None = None
    since: Any = None
    until: Any = None


def _distance_sql(p: Params, near: Near) -> str:
    # Haversine; least(1, ...) because rounding can push the argument of asin just past 1 for antipodes.
    lat, lon = p(near.lat), p(near.lon)
    return (
        f"(2 * {EARTH_RADIUS_KM} * asin(least(1, sqrt("
        f"power(sin(radians(e.lat - {lat}::float8) / 2), 2) "
        f"+ cos(radians({lat}::float8)) * cos(radians(e.lat)) * power(sin(radians(e.lon - {lon}::float8) / 2), 2)"
        f"))))"
    )


def _event_where(p: Params, f: EventFilters) -> tuple[list[str], str]:
    """WHERE conditions for `f`, and the SQL of the distance column (NULL without `near`)."""
    where: list[str] = []
    # Codes were validated as letters, digits and '-', none of which LIKE treats specially.
    if f.source is not None:
        where.append(f"e.source_code LIKE {p(f.source + '%')}")
    if f.target is not None:
        where.append(f"e.target_code LIKE {p(f.target + '%')}")
    if f.actor is not None:
        prefix = p(f.actor + "%")
        where.append(f"(e.source_code LIKE {prefix} OR e.target_code LIKE {prefix})")
    if f.country is not None:
        c = p(f.country)
        where.append(f"(e.source_country = {c} OR e.target_country = {c} OR e.place_country = {c})")
    if f.code is not None:
        where.append(f"e.code LIKE {p(f.code + '%')}")
    if f.root_code is not None:
        where.append(f"e.root_code = {p(f.root_code)}")
    if f.quad_class is not None:
        where.append(f"e.quad_class = {p(f.quad_class)}")
    if f.since is not None:
        where.append(f"e.day >= {p(f.since)}")
    if f.until is not None:
        where.append(f"e.day < {p(f.until)}")
    distance = "NULL::float8"
    if f.near is not None:
        # A latitude band the (lat, lon) index can range-scan, a longitude band where it is well defined (not
        # near a pole, not across the antimeridian), then the exact distance.
        dlat = f.near.km / _KM_PER_DEGREE_LAT
        where.append(f"e.lat BETWEEN {p(f.near.lat - dlat)} AND {p(f.near.lat + dlat)}")
        cos_lat = math.cos(math.radians(f.near.lat))
        if abs(f.near.lat) + dlat < 89 and cos_lat > 0:
            dlon = dlat / cos_lat
            if f.near.lon - dlon >= -180 and f.near.lon + dlon <= 180:
                where.append(f"e.lon BETWEEN {p(f.near.lon - dlon)} AND {p(f.near.lon + dlon)}")
        distance = _distance_sql(p, f.near)
        where.append(f"{distance} <= {p(f.near.km)}")
    return where, distance


_EVENT_COLUMNS = """
e.id, e.day, nullif(e.source_code, '') AS source_code, e.source_country, nullif(e.target_code, '') AS target_code,
e.target_country, e.code, e.name, e.root_code, e.quad_class, e.goldstein, e.place_key, e.place_name,
e.place_country, e.geonameid, e.lat, e.lon, e.num_mentions, e.num_articles, e.num_sources, e.avg_tone,
e.first_seen, e.last_seen
"""


def _location(row: dict[str, Any]) -> dict[str, Any] | None:
    if not row.pop("place_key"):
        for key in ("place_name", "place_country", "geonameid", "lat", "lon"):
            row.pop(key)
        return None
    return {
        "name": row.pop("place_name"), "country": row.pop("place_country"), "geonameid": row.pop("geonameid"),
        "lat": row.pop("lat"), "lon": row.pop("lon"),
    }


def _event(row: asyncpg.Record) -> dict[str, Any]:
    event = dict(row)
    event["location"] = _location(event)
    return event


async def list_events(
    conn: asyncpg.Connection, filters: EventFilters, limit: int, after: list[Any] | None = None
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """A page of canonical events, newest day first, ties by id (descending); key `[day, id]`."""
    p = Params()
    where, distance = _event_where(p, filters)
    if after is not None:
        where.append(f"(e.day, e.id) < ({p(date.fromisoformat(str(after[0])))}, {p(str(after[1]))})")
    sql = f"SELECT {_EVENT_COLUMNS}, {distance} AS distance_km FROM events AS e"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY e.day DESC, e.id DESC LIMIT {p(limit + 1)}"
    rows = [_event(r) for r in await conn.fetch(sql, *p.values)]
    page, more = rows[:limit], len(rows) > limit
    next_key = [page[-1]["day"].isoformat(), page[-1]["id"]] if more else None
    return page, next_key


_EVENT_MENTIONS = """
SELECT em.article_id, a.title AS article_title, coalesce(a.url, a.canonical_url) AS article_url,
       a.source AS article_source, a.dated_at AS article_date,
       em.sentence_index, em.sentence_start, em.sentence_end,
       -- Offsets are code points, as PostgreSQL's substr counts them in a UTF-8 database.
       substr(a.text, em.sentence_start + 1, em.sentence_end - em.sentence_start) AS sentence,
       em.trigger, em.trigger_start, em.trigger_end,
       em.source_code, em.source_text, em.source_start, em.source_end,
       em.target_code, em.target_text, em.target_start, em.target_end,
       em.location_text, em.confidence, em.hypothetical, em.tone
FROM event_mentions AS em
JOIN articles AS a ON a.id = em.article_id AND a.revision = em.revision
WHERE em.event_id = $1
ORDER BY a.dated_at, em.article_id, em.sentence_index, em.trigger_start
LIMIT $2
"""


def _actor(row: dict[str, Any], side: str, country: str | None = None) -> dict[str, Any] | None:
    """Pop `<side>_code/_text/_start/_end` from `row` into an actor object (None when the sentence has none)."""
    code, text = row.pop(f"{side}_code"), row.pop(f"{side}_text")
    start, end = row.pop(f"{side}_start"), row.pop(f"{side}_end")
    if code is None and text is None:
        return None
    return {"code": code, "country": country, "text": text, "start": start, "end": end}


async def get_event(conn: asyncpg.Connection, event_id: str, max_mentions: int) -> dict[str, Any] | None:
    """One canonical event with (at most `max_mentions` of) its mentions, oldest article first."""
    row = await conn.fetchrow(f"SELECT {_EVENT_COLUMNS}, NULL::float8 AS distance_km FROM events AS e WHERE e.id = $1",
                              event_id)
    if row is None:
        return None
    event = _event(row)
    mentions = []
    for r in await conn.fetch(_EVENT_MENTIONS, event_id, max_mentions):
        m = dict(r)
        m["source"] = _actor(m, "source", event["source_country"])
        m["target"] = _actor(m, "target", event["target_country"])
        mentions.append(m)
    event["mentions"] = mentions
    return event


_ARTICLE_EVENTS = """
SELECT em.event_id, e.day, e.code, e.name, e.root_code, e.quad_class, e.goldstein,
       e.source_country, e.target_country,
       em.source_code, em.source_text, em.source_start, em.source_end,
       em.target_code, em.target_text, em.target_start, em.target_end,
       em.trigger, em.trigger_start, em.trigger_end, em.sentence_index, em.sentence_start, em.sentence_end,
       em.location_text, em.location_start, em.location_end, em.confidence, em.hypothetical, em.tone,
       e.place_key, e.place_name, e.place_country, e.geonameid, e.lat, e.lon
FROM event_mentions AS em JOIN events AS e ON e.id = em.event_id
WHERE em.article_id = $1 AND em.revision = $2
ORDER BY em.sentence_index, em.trigger_start, em.event_id
"""

_ARTICLE_PLACES = """
SELECT ap.text, ap.start_char AS start, ap.end_char AS "end", ap.confidence, p.id AS place_id, p.name,
       p.geonameid, p.country, p.admin1, p.lat, p.lon, p.kind, p.population
FROM article_places AS ap JOIN places AS p ON p.id = ap.place_id
WHERE ap.article_id = $1 AND ap.revision = $2
ORDER BY ap.start_char, ap.end_char, p.id
"""


async def article_events(conn: asyncpg.Connection, article_id: str, revision: str) -> list[dict[str, Any]]:
    """The event mentions of one article revision in text order, each with its canonical event's codes."""
    out = []
    for r in await conn.fetch(_ARTICLE_EVENTS, article_id, revision):
        m = dict(r)
        m["source"] = _actor(m, "source", m.pop("source_country"))
        m["target"] = _actor(m, "target", m.pop("target_country"))
        m["location"] = _location(m)
        out.append(m)
    return out


async def article_places(conn: asyncpg.Connection, article_id: str, revision: str) -> list[dict[str, Any]]:
    """The place mentions of one article revision in text order, with their gazetteer entries."""
    return [dict(r) for r in await conn.fetch(_ARTICLE_PLACES, article_id, revision)]


async def top_places(
    conn: asyncpg.Connection, filters: PlaceFilters, limit: int, after: list[Any] | None = None
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """Places by the number of distinct articles mentioning them (current revisions only), most first, ties by
    name then id; key `[-articles, name, id]`. Dates filter the articles counted.

    Without dates the store's exact counts (`places.articles`, `places.mentions`) are read in index order; with
    dates the mentions of the articles in the range (found by date) are aggregated.
    """
    p = Params()
    where: list[str] = []
    if filters.country is not None:
        where.append(f"p.country = {p(filters.country)}")
    if filters.kind is not None:
        where.append(f"p.kind = {p(filters.kind)}")
    if filters.q is not None:
        where.append(f"p.name ILIKE {p(like_pattern(filters.q))}")
    columns = "p.id, p.name, p.kind, p.country, p.admin1, p.geonameid, p.lat, p.lon, p.population"
    if filters.since is None and filters.until is None:
        where.append("p.articles > 0")
        if after is not None:
            where.append(f"(-p.articles, p.name, p.id) > ({p(int(after[0]))}, {p(str(after[1]))}, {p(str(after[2]))})")
        sql = (
            f"SELECT {columns}, p.articles, p.mentions FROM places AS p WHERE " + " AND ".join(where)
            + f" ORDER BY -p.articles, p.name, p.id LIMIT {p(limit + 1)}"
        )
    else:
        dated: list[str] = []
        if filters.since is not None:
            dated.append(f"a.dated_at >= {p(utc(filters.since))}")
        if filters.until is not None:
            dated.append(f"a.dated_at < {p(utc(filters.until))}")
        if after is not None:
            where.append(
                f"(-c.articles, p.name, p.id) > "
                f"({p(int(after[0]))}::bigint, {p(str(after[1]))}, {p(str(after[2]))})"
            )
        sql = (
            f"SELECT {columns}, c.articles, c.mentions "
            "FROM (SELECT ap.place_id, count(DISTINCT ap.article_id) AS articles, count(*) AS mentions "
            "      FROM articles AS a "
            "      JOIN article_places AS ap ON ap.article_id = a.id AND ap.revision = a.revision "
            "      WHERE " + " AND ".join(dated) + " GROUP BY ap.place_id) AS c "
            "JOIN places AS p ON p.id = c.place_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY c.articles DESC, p.name, p.id LIMIT {p(limit + 1)}"
    rows = [dict(r) for r in await conn.fetch(sql, *p.values)]
    page, more = rows[:limit], len(rows) > limit
    next_key = [-page[-1]["articles"], page[-1]["name"], page[-1]["id"]] if more else None
    return page, next_key


EXPORT_COLUMNS = (
    "GlobalEventID", "Day", "Actor1Code", "Actor1CountryCode", "Actor2Code", "Actor2CountryCode", "EventCode",
    "EventRootCode", "QuadClass", "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_Lat", "ActionGeo_Long", "SOURCEURL",
)
"""Columns of `GET /events/export`, named as in GDELT 2.0's event table (a subset of it)."""


def export_query(filters: EventFilters, limit: int) -> tuple[str, list[Any]]:
    """SQL and arguments of the export: the `/events` filters and order, GDELT-named columns, at most `limit`."""
    p = Params()
    where, _ = _event_where(p, filters)
    # SOURCEURL is the URL of the first article (by date, then id) that reported the event, as in GDELT.
    sql = (
        'SELECT e.id AS "GlobalEventID", to_char(e.day, \'YYYYMMDD\') AS "Day", '
        "nullif(e.source_code, '') AS \"Actor1Code\", e.source_country AS \"Actor1CountryCode\", "
        "nullif(e.target_code, '') AS \"Actor2Code\", e.target_country AS \"Actor2CountryCode\", "
        'e.code AS "EventCode", e.root_code AS "EventRootCode", e.quad_class AS "QuadClass", '
        'e.goldstein AS "GoldsteinScale", e.num_mentions AS "NumMentions", e.num_sources AS "NumSources", '
        'e.num_articles AS "NumArticles", e.avg_tone AS "AvgTone", e.place_name AS "ActionGeo_FullName", '
        'e.place_country AS "ActionGeo_CountryCode", e.lat AS "ActionGeo_Lat", e.lon AS "ActionGeo_Long", '
        "(SELECT coalesce(a.url, a.canonical_url) FROM event_mentions AS em "
        " JOIN articles AS a ON a.id = em.article_id AND a.revision = em.revision "
        ' WHERE em.event_id = e.id ORDER BY a.dated_at, a.id LIMIT 1) AS "SOURCEURL" '
        "FROM events AS e"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY e.day DESC, e.id DESC LIMIT {p(limit)}"
    return sql, p.values
