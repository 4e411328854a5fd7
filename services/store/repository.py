"""Persistence of articles and their enrichments: plain async functions over an asyncpg connection.

Consumes batches of `ArticleSubmitted` and `ArticleEnriched` messages; produces rows in `articles`, `entities`,
`article_entities`, `places`, `article_places`, `events`, `event_mentions` (and `waiting_enrichments`, see
below). Every function handles a whole batch in one transaction with set-based SQL (`unnest` of column arrays),
so a batch costs a handful of round trips however many messages it holds.

Delivery is at-least-once and the two streams are consumed independently, so every write is keyed to make a
replay change nothing, and ordering is decided by the data, not by arrival:
- an article row holds its latest revision: a newer one (later `received_at`, then greater revision on a tie)
  replaces it and resets it to `pending`; the same revision again, or an older one arriving late, changes nothing;
- an enrichment applies only to the revision it was computed from; of two enrichments of one revision the one
  that occurred last wins, and replaying it is a no-op;
- an article's entity, place and event mentions are exactly those of the enrichment applied to its stored
  revision: applying one replaces them, storing a new revision deletes them. Canonical events (one per day,
  actors, action and place; see `services.store.canonical`) carry counts of their mentions, articles and sources,
  recomputed in the same transaction for every event whose mentions changed, and an event left with no mention
  is deleted. Entities and places likewise carry the number of articles (and, for places, mentions) of current
  revisions mentioning them, recomputed for every entity or place whose mentions changed.
"""

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
import orjson

from services.store.canonical import event_day, event_id, event_place, is_storable, place_id
from shared.messages import ArticleEnriched, ArticleSubmitted, MessageDeadLettered

log = logging.getLogger(__name__)

WAITING_TTL = timedelta(days=7)
"""How long an enrichment waits for its article revision before it is dropped (see `save_enriched`)."""

_LOCK_ARTICLES = """
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest($1::text[]) AS id ORDER BY k) AS keys
"""

_UPSERT_ARTICLES = """
INSERT INTO articles AS a (id, revision, content_hash, url, canonical_url, title, text, source, language,
                           published_at, received_at, metadata)
SELECT id, revision, content_hash, url, canonical_url, title, text, source, language,
       published_at, received_at, metadata::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[])
     AS m(id, revision, content_hash, url, canonical_url, title, text, source, language,
          published_at, received_at, metadata)
ON CONFLICT (id) DO UPDATE SET
    revision = EXCLUDED.revision, content_hash = EXCLUDED.content_hash, url = EXCLUDED.url,
    canonical_url = EXCLUDED.canonical_url, title = EXCLUDED.title, text = EXCLUDED.text,
    source = EXCLUDED.source, language = EXCLUDED.language, published_at = EXCLUDED.published_at,
    received_at = EXCLUDED.received_at, metadata = EXCLUDED.metadata,
    status = 'pending', error = NULL, enriched_at = NULL, model = NULL, warnings = '{}', tone = NULL,
    focus = NULL, updated_at = now()
-- The same revision again (a replay, or a re-post after ingest forgot it) changes nothing; an older revision
-- arriving late never overwrites a newer one.
WHERE a.revision <> EXCLUDED.revision
  AND (EXCLUDED.received_at, EXCLUDED.revision) > (a.received_at, a.revision)
RETURNING a.id
"""

_DELETE_STALE_MENTIONS = """
DELETE FROM article_entities AS ae USING articles AS a
WHERE a.id = ANY($1::text[]) AND ae.article_id = a.id AND ae.revision <> a.revision
RETURNING ae.entity_id
"""

_DELETE_STALE_PLACES = """
DELETE FROM article_places AS ap USING articles AS a
WHERE a.id = ANY($1::text[]) AND ap.article_id = a.id AND ap.revision <> a.revision
RETURNING ap.place_id
"""

_DELETE_STALE_EVENT_MENTIONS = """
DELETE FROM event_mentions AS em USING articles AS a
WHERE a.id = ANY($1::text[]) AND em.article_id = a.id AND em.revision <> a.revision
RETURNING em.event_id
"""

_TAKE_WAITING = """
DELETE FROM waiting_enrichments AS w USING articles AS a
WHERE a.id = ANY($1::text[]) AND w.article_id = a.id AND w.revision = a.revision
RETURNING w.payload
"""

_CURRENT_REVISIONS = "SELECT id, revision FROM articles WHERE id = ANY($1::text[])"

_MARK_ENRICHED = """
UPDATE articles AS a SET
    status = 'enriched', error = NULL, enriched_at = e.occurred_at, model = e.model,
    language = coalesce(a.language, e.language),
    warnings = ARRAY(SELECT jsonb_array_elements_text(e.warnings::jsonb)),
    tone = e.tone, focus = e.focus::jsonb,
    updated_at = now()
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[])
     AS e(id, revision, occurred_at, model, language, warnings, tone, focus)
WHERE a.id = e.id AND a.revision = e.revision
  -- A replay (same occurred_at) or an enrichment older than the applied one changes nothing.
  AND (a.enriched_at IS NULL OR e.occurred_at > a.enriched_at)
RETURNING a.id, a.published_at, a.received_at
"""

_DELETE_MENTIONS = "DELETE FROM article_entities WHERE article_id = ANY($1::text[]) RETURNING entity_id"

# Row locks on every entity whose mentions a transaction changes, in id order, held to commit: the same
# protocol as `_LOCK_EVENTS` (see there), for `entities.articles`. Taken before the upsert for the entities that
# already exist (found by id, or by name and label), so that two batches lock their common entities in one order.
_LOCK_ENTITIES = """
SELECT e.id FROM entities AS e
WHERE e.id IN (
    SELECT unnest($1::bigint[])
    UNION
    SELECT x.id FROM unnest($2::text[], $3::text[]) AS t(name, label)
    JOIN entities AS x ON x.name = t.name AND x.label = t.label
)
ORDER BY e.id FOR UPDATE
"""

_LOCK_ENTITY_IDS = "SELECT id FROM entities WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE"

# Every mention row is of its article's current revision (a new revision deletes the old one's mentions, and an
# enrichment is applied only to the stored revision, both with the article locked), so the count needs no join
# to `articles` and is an index-only scan of article_entities_entity_idx.
_COUNT_ENTITIES = """
UPDATE entities AS e SET articles = c.articles
FROM unnest($1::bigint[]) AS k(id)
CROSS JOIN LATERAL (
    SELECT count(DISTINCT ae.article_id)::int AS articles FROM article_entities AS ae WHERE ae.entity_id = k.id
) AS c
WHERE e.id = k.id AND e.articles <> c.articles
"""

# Sorted so that two batches upserting overlapping entities lock them in the same order (no deadlock); an
# entity first seen without a country gets one as soon as an enrichment resolves it.
_UPSERT_ENTITIES = """
INSERT INTO entities (name, label, country)
SELECT DISTINCT ON (name, label) name, label, country
FROM unnest($1::text[], $2::text[], $3::text[]) AS t(name, label, country)
ORDER BY name, label, country NULLS LAST
ON CONFLICT (name, label) DO UPDATE SET country = EXCLUDED.country
WHERE entities.country IS NULL AND EXCLUDED.country IS NOT NULL
"""

_INSERT_MENTIONS = """
INSERT INTO article_entities (article_id, revision, entity_id, start_char, end_char, text)
SELECT m.article_id, m.revision, e.id, m.start_char, m.end_char, m.text
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[])
     AS m(article_id, revision, name, label, start_char, end_char, text)
JOIN entities AS e ON e.name = m.name AND e.label = m.label
ON CONFLICT DO NOTHING
RETURNING entity_id
"""

_DELETE_PLACE_MENTIONS = "DELETE FROM article_places WHERE article_id = ANY($1::text[]) RETURNING place_id"

# As `_LOCK_ENTITIES`, for `places.articles` and `places.mentions`; place ids are known before the upsert.
_LOCK_PLACES = "SELECT id FROM places WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"

_COUNT_PLACES = """
UPDATE places AS p SET articles = c.articles, mentions = c.mentions
FROM unnest($1::text[]) AS k(id)
CROSS JOIN LATERAL (
    SELECT count(DISTINCT ap.article_id)::int AS articles, count(*)::int AS mentions
    FROM article_places AS ap WHERE ap.place_id = k.id
) AS c
WHERE p.id = k.id AND (p.articles, p.mentions) <> (c.articles, c.mentions)
"""

# Sorted by id (lock order, as for entities). A replay of the same gazetteer entry writes nothing; a corrected
# entry (a newer gazetteer) replaces the old values.
_UPSERT_PLACES = """
INSERT INTO places AS p (id, geonameid, name, kind, country, admin1, lat, lon, population)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                     $8::float8[], $9::bigint[])
ORDER BY 1
ON CONFLICT (id) DO UPDATE SET
    geonameid = EXCLUDED.geonameid, name = EXCLUDED.name, kind = EXCLUDED.kind, country = EXCLUDED.country,
    admin1 = EXCLUDED.admin1, lat = EXCLUDED.lat, lon = EXCLUDED.lon, population = EXCLUDED.population
WHERE (p.geonameid, p.name, p.kind, p.country, p.admin1, p.lat, p.lon, p.population)
      IS DISTINCT FROM (EXCLUDED.geonameid, EXCLUDED.name, EXCLUDED.kind, EXCLUDED.country, EXCLUDED.admin1,
                        EXCLUDED.lat, EXCLUDED.lon, EXCLUDED.population)
"""

_INSERT_PLACE_MENTIONS = """
INSERT INTO article_places (article_id, revision, place_id, start_char, end_char, text, confidence)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::float8[])
ON CONFLICT DO NOTHING
"""

_DELETE_EVENT_MENTIONS = "DELETE FROM event_mentions WHERE article_id = ANY($1::text[]) RETURNING event_id"

# Row locks on every canonical event whose mentions a transaction changes, taken in id order (no deadlock
# between two batches) and held to commit. Why: the counts are recomputed from the mentions by a statement
# that runs after the lock is granted, so under READ COMMITTED it sees every mention committed by whoever held
# the lock before -- the last transaction to touch an event always writes counts that include everyone's.
_LOCK_EVENTS = "SELECT id FROM events WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"

# DO UPDATE rather than DO NOTHING: it also locks an event another transaction inserted meanwhile, and fills
# in what an earlier report could not resolve (a place's coordinates, an actor's country).
_UPSERT_EVENTS = """
INSERT INTO events AS e (id, day, source_code, target_code, code, place_key, source_country, target_country, name,
                         root_code, quad_class, goldstein, place_name, place_country, geonameid, lat, lon)
SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::int2[], $12::float8[], $13::text[], $14::text[],
                     $15::int[], $16::float8[], $17::float8[])
ORDER BY 1
ON CONFLICT (id) DO UPDATE SET
    source_country = coalesce(e.source_country, EXCLUDED.source_country),
    target_country = coalesce(e.target_country, EXCLUDED.target_country),
    place_name = coalesce(e.place_name, EXCLUDED.place_name),
    place_country = coalesce(e.place_country, EXCLUDED.place_country),
    geonameid = coalesce(e.geonameid, EXCLUDED.geonameid),
    lat = coalesce(e.lat, EXCLUDED.lat),
    lon = coalesce(e.lon, EXCLUDED.lon)
"""

_INSERT_EVENT_MENTIONS = """
INSERT INTO event_mentions (event_id, article_id, revision, sentence_index, sentence_start, sentence_end, trigger,
                            trigger_start, trigger_end, source_code, source_text, source_start, source_end,
                            target_code, target_text, target_start, target_end, location_text, location_start,
                            location_end, confidence, negated, hypothetical, tone)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::int[],
                     $9::int[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[], $15::text[],
                     $16::int[], $17::int[], $18::text[], $19::int[], $20::int[], $21::float8[], $22::bool[],
                     $23::bool[], $24::float8[])
ON CONFLICT DO NOTHING
"""

# An event no article reports any more (its only report was revised) is not an event.
_DELETE_UNREPORTED_EVENTS = """
DELETE FROM events AS e
WHERE e.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM event_mentions AS em WHERE em.event_id = e.id)
"""

# Sources are distinct publishers; an article without one counts as its own source, since nothing says two
# unnamed ones are the same outlet.
_COUNT_EVENTS = """
UPDATE events AS e SET
    num_mentions = c.mentions, num_articles = c.articles, num_sources = c.sources, avg_tone = c.avg_tone,
    first_seen = c.first_seen, last_seen = c.last_seen
FROM unnest($1::text[]) AS k(id)
CROSS JOIN LATERAL (
    SELECT count(*) AS mentions, count(DISTINCT em.article_id) AS articles,
           count(DISTINCT coalesce(a.source, 'article:' || a.id)) AS sources,
           round(avg(em.tone)::numeric, 3)::float8 AS avg_tone,
           min(a.dated_at) AS first_seen, max(a.dated_at) AS last_seen
    FROM event_mentions AS em JOIN articles AS a ON a.id = em.article_id
    WHERE em.event_id = k.id
) AS c
WHERE e.id = k.id
  AND (e.num_mentions, e.num_articles, e.num_sources, e.avg_tone, e.first_seen, e.last_seen)
      IS DISTINCT FROM (c.mentions, c.articles, c.sources, c.avg_tone, c.first_seen, c.last_seen)
"""

_PARK = """
INSERT INTO waiting_enrichments (article_id, revision, occurred_at, payload)
SELECT article_id, revision, occurred_at, payload::jsonb
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS w(article_id, revision, occurred_at, payload)
ON CONFLICT (article_id, revision) DO UPDATE SET
    occurred_at = EXCLUDED.occurred_at, payload = EXCLUDED.payload, parked_at = now()
WHERE EXCLUDED.occurred_at > waiting_enrichments.occurred_at
"""

_PRUNE_WAITING = "DELETE FROM waiting_enrichments WHERE parked_at < now() - $1::interval"


def _clean(value: Any) -> Any:
    """Replace NUL characters, which PostgreSQL text and jsonb cannot hold, keeping every character offset.

    Ingest already strips control characters; this guards the store against any other producer, since a
    value PostgreSQL refuses would fail its whole batch on every redelivery.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def content_hash(title: str, text: str) -> str:
    """SHA-256 (hex) of the title and text exactly as stored."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


async def _lock_articles(conn: asyncpg.Connection, ids: Sequence[str]) -> None:
    # Serialises the two streams' transactions per article: without it an enrichment could find no article,
    # decide to wait, and commit while a concurrent transaction inserts the article and looks for waiting
    # enrichments before that commit is visible -- and the enrichment would wait forever. Keys are taken in
    # sorted order so two batches never deadlock on them.
    await conn.execute(_LOCK_ARTICLES, list(ids))


def _latest_submissions(messages: Sequence[ArticleSubmitted]) -> list[ArticleSubmitted]:
    # One row per article per statement: ON CONFLICT DO UPDATE cannot touch a row twice in one command.
    latest: dict[str, ArticleSubmitted] = {}
    for m in messages:
        seen = latest.get(m.article_id)
        if seen is None or (m.received_at, m.revision) > (seen.received_at, seen.revision):
            latest[m.article_id] = m
    return list(latest.values())


def _latest_enrichments(messages: Sequence[ArticleEnriched]) -> list[ArticleEnriched]:
    latest: dict[tuple[str, str], ArticleEnriched] = {}
    for m in messages:
        key = (m.article_id, m.revision)
        seen = latest.get(key)
        if seen is None or m.occurred_at > seen.occurred_at:
            latest[key] = m
    return list(latest.values())


async def save_submitted(conn: asyncpg.Connection, messages: Sequence[ArticleSubmitted]) -> list[str]:
    """Store submitted articles as `pending`; returns the ids whose row was inserted or replaced.

    Enrichments that arrived before the revision now stored are applied in the same transaction.
    """
    if not messages:
        return []
    batch = _latest_submissions(messages)
    ids = [m.article_id for m in batch]
    titles = [_clean(m.title) for m in batch]
    texts = [_clean(m.text) for m in batch]
    async with conn.transaction():
        await _lock_articles(conn, ids)
        rows = await conn.fetch(
            _UPSERT_ARTICLES,
            ids,
            [m.revision for m in batch],
            [content_hash(t, x) for t, x in zip(titles, texts, strict=True)],
            [_clean(m.url) for m in batch],
            [_clean(m.canonical_url) for m in batch],
            titles,
            texts,
            [_clean(m.source) for m in batch],
            [_clean(m.language) for m in batch],
            [m.published_at for m in batch],
            [m.received_at for m in batch],
            [orjson.dumps(_clean(m.metadata)).decode() for m in batch],
        )
        changed = [r["id"] for r in rows]
        if changed:
            stale_entities = await conn.fetch(_DELETE_STALE_MENTIONS, changed)
            await _refresh_entities(conn, {r["entity_id"] for r in stale_entities})
            stale_places = await conn.fetch(_DELETE_STALE_PLACES, changed)
            await _refresh_places(conn, {r["place_id"] for r in stale_places})
            stale = await conn.fetch(_DELETE_STALE_EVENT_MENTIONS, changed)
            await _refresh_events(conn, {r["event_id"] for r in stale})
            waiting = await conn.fetch(_TAKE_WAITING, changed)
            if waiting:
                await _apply(conn, [ArticleEnriched.model_validate_json(r["payload"]) for r in waiting])
    return changed


async def save_enriched(
    conn: asyncpg.Connection, messages: Sequence[ArticleEnriched], waiting_ttl: timedelta = WAITING_TTL
) -> list[str]:
    """Apply enrichments to the article revisions they were computed from; returns the ids marked `enriched`.

    An enrichment whose revision is not the stored one is kept in `waiting_enrichments` rather than dropped
    or retried through the stream. Why: the two streams are consumed independently, so the enrichment of a
    new revision can be processed before that revision's `articles.submitted` message. Inserting a
    placeholder article instead would leave a row without title or text, and a late *older* submission could
    not be told apart from the missing one; raising to have the stream redeliver would hold the whole batch
    back, and FastStream on Redis never redelivers without a reclaimer. Waiting in the database is
    transactional: `save_submitted` applies it in the transaction that stores the revision. An enrichment of a
    superseded revision waits too (nothing says which of two revisions is older), and is dropped after
    `waiting_ttl`.
    """
    if not messages:
        return []
    batch = _latest_enrichments(messages)
    ids = sorted({m.article_id for m in batch})
    async with conn.transaction():
        await _lock_articles(conn, ids)
        current = {r["id"]: r["revision"] for r in await conn.fetch(_CURRENT_REVISIONS, ids)}
        ready = [m for m in batch if current.get(m.article_id) == m.revision]
        waiting = [m for m in batch if current.get(m.article_id) != m.revision]
        applied = await _apply(conn, ready)
        if waiting:
            await conn.execute(
                _PARK,
                [m.article_id for m in waiting],
                [m.revision for m in waiting],
                [m.occurred_at for m in waiting],
                [orjson.dumps(_clean(m.model_dump(mode="json"))).decode() for m in waiting],
            )
            log.info("%d enrichment(s) wait for their article revision", len(waiting), extra={"count": len(waiting)})
        await conn.execute(_PRUNE_WAITING, waiting_ttl)
    return applied


async def _apply(conn: asyncpg.Connection, enrichments: Sequence[ArticleEnriched]) -> list[str]:
    """Mark articles enriched and replace their mentions; only for enrichments of the stored revision that are
    newer than the one applied. Runs inside the caller's transaction, with the articles locked."""
    if not enrichments:
        return []
    rows = await conn.fetch(
        _MARK_ENRICHED,
        [m.article_id for m in enrichments],
        [m.revision for m in enrichments],
        [m.occurred_at for m in enrichments],
        [m.model for m in enrichments],
        [m.language for m in enrichments],
        [orjson.dumps(_clean(m.warnings)).decode() for m in enrichments],
        [m.tone for m in enrichments],
        [orjson.dumps(_clean(m.focus.model_dump(mode="json"))).decode() if m.focus else None for m in enrichments],
    )
    applied = {r["id"] for r in rows}
    if not applied:
        return []
    dates = {r["id"]: (r["published_at"], r["received_at"]) for r in rows}
    # Replace, not merge: the mentions of a revision are exactly those of its latest enrichment.
    old = {r["entity_id"] for r in await conn.fetch(_DELETE_MENTIONS, list(applied))}
    mentions = [
        (m.article_id, m.revision, _clean(e.name), _clean(e.label), e.start, e.end, _clean(e.text), e.country)
        for m in enrichments
        if m.article_id in applied
        for e in m.entities
        # A span running backwards is a producer bug; skipping it keeps the rest of the batch storable.
        if e.end >= e.start
    ]
    touched = old
    if mentions:
        cols = list(zip(*mentions, strict=True))
        await conn.execute(_LOCK_ENTITIES, sorted(old), list(cols[2]), list(cols[3]))
        await conn.execute(_UPSERT_ENTITIES, list(cols[2]), list(cols[3]), list(cols[7]))
        inserted = await conn.fetch(_INSERT_MENTIONS, *(list(c) for c in cols[:7]))
        touched = old | {r["entity_id"] for r in inserted}
    await _refresh_entities(conn, touched)
    done = [m for m in enrichments if m.article_id in applied]
    await _replace_places(conn, done)
    await _replace_events(conn, done, dates)
    return sorted(applied)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as column lists for `unnest`; `width` empty columns when there are no rows."""
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


async def _replace_places(conn: asyncpg.Connection, enrichments: Sequence[ArticleEnriched]) -> None:
    """Replace the place mentions of these articles with those of their enrichments (upserting the places), and
    bring the counts of every place that gained or lost a mention up to date."""
    old = {r["place_id"] for r in await conn.fetch(_DELETE_PLACE_MENTIONS, [m.article_id for m in enrichments])}
    places: dict[str, tuple[Any, ...]] = {}
    mentions: list[tuple[Any, ...]] = []
    for m in enrichments:
        for p in m.places:
            if p.end < p.start:  # producer bug; keep the rest of the batch storable
                continue
            key = _clean(place_id(p))
            places[key] = (key, p.geonameid, _clean(p.name), _clean(p.kind), _clean(p.country), _clean(p.admin1),
                           p.lat, p.lon, p.population)
            mentions.append((m.article_id, m.revision, key, p.start, p.end, _clean(p.text), p.confidence))
    if mentions:
        await conn.execute(_LOCK_PLACES, sorted(old | set(places)))
        await conn.execute(_UPSERT_PLACES, *_columns(sorted(places.values()), 9))
        await conn.execute(_INSERT_PLACE_MENTIONS, *_columns(mentions, 7))
    await _refresh_places(conn, old | set(places))


async def _replace_events(
    conn: asyncpg.Connection, enrichments: Sequence[ArticleEnriched],
    dates: dict[str, tuple[Any, Any]],
) -> None:
    """Replace the event mentions of these articles with those of their enrichments, upserting the canonical
    events they report, and bring the counts of every event that gained or lost a mention up to date."""
    old = {r["event_id"] for r in await conn.fetch(_DELETE_EVENT_MENTIONS, [m.article_id for m in enrichments])}
    events: dict[str, tuple[Any, ...]] = {}
    mentions: list[tuple[Any, ...]] = []
    for m in enrichments:
        published_at, received_at = dates[m.article_id]
        for e in m.events:
            if not is_storable(e):
                continue
            day = event_day(e, published_at, received_at)
            place = event_place(e, m.places)
            source_code = _clean(e.source.code) if e.source else ""
            target_code = _clean(e.target.code) if e.target else ""
            code = _clean(e.code)
            key = event_id(day, source_code, target_code, code, _clean(place.key))
            events.setdefault(key, (
                key, day, source_code, target_code, code, _clean(place.key),
                e.source.country if e.source else None, e.target.country if e.target else None,
                _clean(e.name), _clean(e.root_code), e.quad_class, e.goldstein,
                _clean(place.name), place.country, place.geonameid, place.lat, place.lon,
            ))
            mentions.append((
                key, m.article_id, m.revision, e.sentence_index, e.sentence_start, e.sentence_end,
                _clean(e.trigger), e.trigger_start, e.trigger_end,
                source_code or None, _clean(e.source.text) if e.source else None,
                e.source.start if e.source else None, e.source.end if e.source else None,
                target_code or None, _clean(e.target.text) if e.target else None,
                e.target.start if e.target else None, e.target.end if e.target else None,
                _clean(e.location_text), e.location_start, e.location_end,
                e.confidence, e.negated, e.hypothetical, e.tone if e.tone is not None else m.tone,
            ))
    touched = old | set(events)
    if not touched:
        return
    await conn.execute(_LOCK_EVENTS, sorted(touched))
    if events:
        await conn.execute(_UPSERT_EVENTS, *_columns(sorted(events.values()), 17))
        await conn.execute(_INSERT_EVENT_MENTIONS, *_columns(mentions, 24))
    await _refresh_events(conn, touched)


async def _refresh_events(conn: asyncpg.Connection, ids: set[str]) -> None:
    """Recompute the counts of these events from their mentions, and delete those left with none.

    Must run after this transaction's mention changes, with the events locked (`_LOCK_EVENTS`, taken again
    here for the callers that only deleted mentions): see the comment on `_LOCK_EVENTS` for why that is
    enough for counts to stay right under concurrent batches.
    """
    if not ids:
        return
    ordered = sorted(ids)
    await conn.execute(_LOCK_EVENTS, ordered)
    await conn.execute(_DELETE_UNREPORTED_EVENTS, ordered)
    await conn.execute(_COUNT_EVENTS, ordered)


async def _refresh_entities(conn: asyncpg.Connection, ids: set[int]) -> None:
    """Recount the articles mentioning these entities. As `_refresh_events`: after this transaction's mention
    changes, with the entities locked in id order (again here, for callers that only deleted mentions)."""
    if not ids:
        return
    ordered = sorted(ids)
    await conn.execute(_LOCK_ENTITY_IDS, ordered)
    await conn.execute(_COUNT_ENTITIES, ordered)


async def _refresh_places(conn: asyncpg.Connection, ids: set[str]) -> None:
    """Recount the articles and mentions of these places; as `_refresh_entities`."""
    if not ids:
        return
    ordered = sorted(ids)
    await conn.execute(_LOCK_PLACES, ordered)
    await conn.execute(_COUNT_PLACES, ordered)


T = TypeVar("T")

# Deadlocks are resolved by PostgreSQL aborting one transaction; serialization failures can come from
# concurrent upserts. Both succeed when simply run again.
_RETRYABLE = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)


_MARK_FAILED = """
UPDATE articles AS a
SET status = 'failed', error = d.error, updated_at = now()
FROM unnest($1::text[], $2::text[], $3::text[]) AS d(article_id, revision, error)
WHERE a.id = d.article_id AND a.revision = d.revision AND a.status = 'pending'
RETURNING a.id
"""


async def mark_failed(conn: asyncpg.Connection, letters: Sequence[MessageDeadLettered]) -> list[str]:
    """Mark as `failed`, with the reason, the articles whose current revision was dead-lettered by the NLP.

    Only a still-`pending` article of that very revision changes: a newer revision, or an enrichment that
    landed after all (a replay), wins. Replaying the same dead letter changes nothing more.
    """
    rows = [(d.article_id, d.revision, f"{d.group} gave up after {d.delivery_count} deliveries: {d.error}")
            for d in letters if d.article_id and d.revision]
    if not rows:
        return []
    ids = [r[0] for r in rows]
    async with conn.transaction():
        await _lock_articles(conn, ids)
        result = await conn.fetch(_MARK_FAILED, *_columns(rows, 3))
        stored = {r["id"] for r in await conn.fetch("SELECT id FROM articles WHERE id = ANY($1::text[])", ids)}
    if missing := set(ids) - stored:
        # The dead letter overtook the store's own copy of the submission (the store was behind: restarting, or
        # PostgreSQL down). Failing keeps it pending; the reclaimer retries it once the article is stored, which
        # always happens, since the submission is on a stream this same group reads.
        raise LookupError(f"dead-lettered article(s) not stored yet: {sorted(missing)}")
    return [r["id"] for r in result]


async def with_retries(
    pool: asyncpg.Pool, work: Callable[[asyncpg.Connection, Sequence[T]], Awaitable[list[str]]],
    messages: Sequence[T], attempts: int = 3,
) -> list[str]:
    """Run `work(conn, messages)` on a pooled connection, again on a deadlock or serialization failure."""
    for attempt in range(1, attempts + 1):
        try:
            async with pool.acquire() as conn:
                return await work(conn, messages)
        except _RETRYABLE:
            if attempt == attempts:
                raise
            log.warning("transaction aborted by a concurrent one; retrying (%d/%d)", attempt, attempts)
    raise AssertionError("unreachable")
