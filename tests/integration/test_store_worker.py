"""The real store worker (its FastStream app, broker on Valkey, pool on PostgreSQL): messages published on the
streams end up as rows, and every batch is acknowledged only once stored."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from faststream.asgi import AsgiFastStream
from redis.asyncio import Redis

from newsflow.embedded import EmbeddedValkey
from services.store.main import create_app
from services.store.settings import StoreSettings
from shared.broker import publish_many
from shared.messages import ArticleEnriched, ArticleSubmitted, EntityMention
from shared.streams import ARTICLES_ENRICHED, ARTICLES_SUBMITTED, GROUP_STORE

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)


def submitted(article_id: str, revision: str = "r1", at: datetime = T0) -> ArticleSubmitted:
    return ArticleSubmitted(
        article_id=article_id, revision=revision, title=f"Title {article_id} {revision}",
        text="Egyptian mediators hosted talks in Cairo.", source="Example Wire", received_at=at,
    )


def enriched(article_id: str, revision: str = "r1") -> ArticleEnriched:
    return ArticleEnriched(
        article_id=article_id, revision=revision, language="en", model="test-1",
        entities=[EntityMention(text="Cairo", label="GPE", start=35, end=40, name="Cairo", country="EGY")],
    )


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.05)


async def pending_entries(redis: Redis) -> int:
    total = 0
    for stream in (ARTICLES_SUBMITTED, ARTICLES_ENRICHED):
        info = await redis.xpending(stream, GROUP_STORE)
        total += int(info["pending"])
    return total


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture
async def worker(redis: Redis, valkey: EmbeddedValkey, database_url: str) -> AsyncIterator[AsgiFastStream]:
    settings = StoreSettings(redis_url=valkey.url, database_url=database_url, max_records=50, reclaim_idle_ms=300)
    app = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    # The lifespan runs in a task of its own: anyio requires it to be entered and left in the same task, and
    # pytest-asyncio may run a fixture's setup and teardown in different ones.
    async def run() -> None:
        async with app.start_lifespan_context():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED, timeout=30)
    if not started.is_set():
        waiter.cancel()
        await task  # raises the start-up error
        raise AssertionError("store worker did not start")
    # The lifespan context is entered once the start-up hooks ran; the subscribers start after that. Ready
    # (every subscriber reading) is what the supervisor waits for too.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://store") as http:

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await eventually(ready)
    yield app
    stop.set()
    await task


async def statuses(db: asyncpg.Pool) -> dict[str, str]:
    return {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM articles")}


async def test_submitted_then_enriched_articles_are_stored_and_acknowledged(
    worker: AsgiFastStream, redis: Redis, db: asyncpg.Pool
) -> None:
    ids = [f"art-{i}" for i in range(120)]
    await publish_many(redis, ARTICLES_SUBMITTED, [submitted(i) for i in ids])

    async def all_pending() -> bool:
        return await statuses(db) == dict.fromkeys(ids, "pending")

    await eventually(all_pending)

    await publish_many(redis, ARTICLES_ENRICHED, [enriched(i) for i in ids])

    async def all_enriched() -> bool:
        return await statuses(db) == dict.fromkeys(ids, "enriched")

    await eventually(all_enriched)
    assert await db.fetchval("SELECT count(*) FROM article_entities") == len(ids)
    assert await db.fetchval("SELECT count(*) FROM entities") == 1

    async def nothing_pending() -> bool:
        return await pending_entries(redis) == 0

    await eventually(nothing_pending)


async def test_enrichment_published_before_its_article_is_not_lost(
    worker: AsgiFastStream, redis: Redis, db: asyncpg.Pool
) -> None:
    await publish_many(redis, ARTICLES_ENRICHED, [enriched("early")])

    async def waiting() -> bool:
        return await db.fetchval("SELECT count(*) FROM waiting_enrichments") == 1

    await eventually(waiting)
    await publish_many(redis, ARTICLES_SUBMITTED, [submitted("early")])

    async def stored_enriched() -> bool:
        return await statuses(db) == {"early": "enriched"}

    await eventually(stored_enriched)


async def test_new_revision_resets_to_pending_and_replays_change_nothing(
    worker: AsgiFastStream, redis: Redis, db: asyncpg.Pool
) -> None:
    await publish_many(redis, ARTICLES_SUBMITTED, [submitted("a")])
    await eventually(lambda: _status_is(db, "a", "r1", "pending"))
    first = enriched("a")
    await publish_many(redis, ARTICLES_ENRICHED, [first])
    await eventually(lambda: _status_is(db, "a", "r1", "enriched"))

    await publish_many(redis, ARTICLES_SUBMITTED, [submitted("a", "r2", T0 + timedelta(hours=1))])
    await eventually(lambda: _status_is(db, "a", "r2", "pending"))
    # A replay of r1's messages (at-least-once delivery) must not bring r1 back.
    await publish_many(redis, ARTICLES_SUBMITTED, [submitted("a")])
    await publish_many(redis, ARTICLES_ENRICHED, [first])

    async def drained() -> bool:
        return await pending_entries(redis) == 0 and await redis.xlen(ARTICLES_ENRICHED) == 2

    await eventually(drained)
    await asyncio.sleep(0.3)
    assert await _status_is(db, "a", "r2", "pending")


async def _status_is(db: asyncpg.Pool, article_id: str, revision: str, status: str) -> bool:
    row = await db.fetchrow("SELECT revision, status FROM articles WHERE id = $1", article_id)
    return row is not None and (row["revision"], row["status"]) == (revision, status)


async def test_failed_batch_stays_pending_and_is_stored_once_the_database_recovers(
    worker: AsgiFastStream, redis: Redis, db: asyncpg.Pool
) -> None:
    # Make every write fail, as a broken database would.
    await db.execute("ALTER TABLE articles RENAME TO articles_away")
    await publish_many(redis, ARTICLES_SUBMITTED, [submitted("x1"), submitted("x2")])

    async def stuck() -> bool:
        return await pending_entries(redis) == 2

    await eventually(stuck)
    await asyncio.sleep(0.5)
    assert await pending_entries(redis) == 2  # not acknowledged: the batch is not lost

    await db.execute("ALTER TABLE articles_away RENAME TO articles")

    async def recovered() -> bool:
        return await statuses(db) == {"x1": "pending", "x2": "pending"} and await pending_entries(redis) == 0

    await eventually(recovered)


async def test_health_readiness_and_asyncapi_contract(worker: AsgiFastStream) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=worker), base_url="http://store") as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        doc = (await http.get("/asyncapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert any("ArticleSubmitted" in name for name in schemas)
    assert any("ArticleEnriched" in name for name in schemas)
