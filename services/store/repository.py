"""Persistence of articles and their enrichments: plain async functions over an asyncpg connection.

Consumes batches of `ArticleSubmitted` and `ArticleEnriched` messages; produces rows in `articles`, `entities`,
`article_entities` (and `waiting_enrichments`, see below). Every function handles a whole batch in one
transaction with set-based SQL (`unnest` of column arrays), so a batch costs a handful of round trips however
many messages it holds.

Delivery is at-least-once and the two streams are consumed independently, so every write is keyed to make a
replay change nothing, and ordering is decided by the data, not by arrival:
- an article row holds its latest revision: a newer one (later `received_at`, then greater revision on a tie)
  replaces it and resets it to `pending`; the same revision again, or an older one arriving late, changes nothing;
- an enrichment applies only to the revision it was computed from; of two enrichments of one revision the one
  that occurred last wins, and replaying it is a no-op.
"""

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
import orjson

from shared.messages import ArticleEnriched, ArticleSubmitted

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
    status = 'pending', error = NULL, enriched_at = NULL, model = NULL, warnings = '{}', updated_at = now()
-- The same revision again (a replay, or a re-post after ingest forgot it) changes nothing; an older revision
-- arriving late never overwrites a newer one.
WHERE a.revision <> EXCLUDED.revision
  AND (EXCLUDED.received_at, EXCLUDED.revision) > (a.received_at, a.revision)
RETURNING a.id
"""

_DELETE_STALE_MENTIONS = """
DELETE FROM article_entities AS ae USING articles AS a
WHERE a.id = ANY($1::text[]) AND ae.article_id = a.id AND ae.revision <> a.revision
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
    updated_at = now()
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
     AS e(id, revision, occurred_at, model, language, warnings)
WHERE a.id = e.id AND a.revision = e.revision
  -- A replay (same occurred_at) or an enrichment older than the applied one changes nothing.
  AND (a.enriched_at IS NULL OR e.occurred_at > a.enriched_at)
RETURNING a.id
"""

_DELETE_MENTIONS = "DELETE FROM article_entities WHERE article_id = ANY($1::text[])"

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
            await conn.execute(_DELETE_STALE_MENTIONS, changed)
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
    )
    applied = {r["id"] for r in rows}
    if not applied:
        return []
    # Replace, not merge: the mentions of a revision are exactly those of its latest enrichment.
    await conn.execute(_DELETE_MENTIONS, list(applied))
    mentions = [
        (m.article_id, m.revision, _clean(e.name), _clean(e.label), e.start, e.end, _clean(e.text), e.country)
        for m in enrichments
        if m.article_id in applied
        for e in m.entities
        # A span running backwards is a producer bug; skipping it keeps the rest of the batch storable.
        if e.end >= e.start
    ]
    if mentions:
        cols = list(zip(*mentions, strict=True))
        await conn.execute(_UPSERT_ENTITIES, list(cols[2]), list(cols[3]), list(cols[7]))
        await conn.execute(_INSERT_MENTIONS, *(list(c) for c in cols[:7]))
    return sorted(applied)


T = TypeVar("T")

# Deadlocks are resolved by PostgreSQL aborting one transaction; serialization failures can come from
# concurrent upserts. Both succeed when simply run again.
_RETRYABLE = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)


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
