"""Fault injection against the real services as processes, with their own Valkey and PostgreSQL per test.

Every test ends with the counts a user cares about: each article answered `202` is stored exactly once and
enriched, none is lost, none doubled (mentions of a revision equal a clean run's), and nothing is dead-lettered
but the poison.
"""

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey
from shared.streams import ARTICLES_ENRICHED, ARTICLES_SUBMITTED, GROUP_NLP, GROUP_STORE
from tests.faults.conftest import (
    FaultPipeline,
    Loader,
    Servers,
    dead_letter_count,
    dead_letters,
    integrity,
    make_articles,
    pending_by_consumer,
    pending_of,
    post_all,
    reference_mentions,
    stored_mentions,
    wait_for_all,
    wait_until_acknowledged,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.timeout(240)]


def wait_until(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.02) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def assert_exactly_once(pipeline: FaultPipeline, ids: list[str]) -> None:
    """Every article stored once and enriched; no stale, doubled or miscounted mention; nothing dead-lettered."""
    wait_until_acknowledged(pipeline.redis_url)
    found = integrity(pipeline.database_url, ids)
    assert (found.rows, found.enriched, found.lost) == (len(set(ids)), len(set(ids)), 0), found
    assert (found.stale_mentions, found.duplicated_mentions, found.wrong_event_counts) == (0, 0, 0), found
    assert dead_letter_count(pipeline.redis_url) == 0


def assert_same_mentions_as_clean_run(
    pipeline: FaultPipeline, extractor: Any, articles: list[dict[str, Any]], ids: list[str]
) -> None:
    """The stored entity mentions of each article are exactly those a fault-free extraction finds."""
    stored = stored_mentions(pipeline.database_url, ids)
    expected = reference_mentions(extractor, articles)
    assert sum(len(m) for m in expected) > len(articles), "test texts should have entities"
    differing = [i for i, article_id in enumerate(ids) if stored[article_id] != expected[i]]
    assert not differing, f"{len(differing)} article(s) stored other mentions than a clean run, e.g. " \
        f"{stored[ids[differing[0]]]} != {expected[differing[0]]}"


def test_nlp_worker_killed_mid_batch_is_reclaimed_and_every_article_enriched_once(
    make_pipeline: Callable[..., FaultPipeline], reference_extractor: Any
) -> None:
    pipeline = make_pipeline(nlp_workers=2)
    victim = pipeline.nlp_workers[0]
    assert victim.process is not None
    pid = victim.process.pid
    articles = make_articles(40, "nlp-kill")
    posted = post_all(pipeline.ingest.url, articles, batch=40)
    assert len(posted.accepted) == 40

    # The victim holds a batch it has read and not acknowledged: it is mid-batch.
    wait_until(lambda: pending_of(pipeline.redis_url, ARTICLES_SUBMITTED, GROUP_NLP, pid) > 1, 60,
               "the NLP worker to hold a batch")
    pipeline.kill(victim)
    held = pending_of(pipeline.redis_url, ARTICLES_SUBMITTED, GROUP_NLP, pid)
    print(f"\nkill -9 nlp (pid {pid}) holding {held} pending entries")

    wait_for_all(pipeline.database_url, posted.accepted, timeout=120)
    assert_exactly_once(pipeline, posted.accepted)
    assert_same_mentions_as_clean_run(pipeline, reference_extractor, articles, posted.accepted)
    # Nothing is left to the dead consumer: its entries were claimed by another one.
    assert pending_of(pipeline.redis_url, ARTICLES_SUBMITTED, GROUP_NLP, pid) == 0


def test_store_killed_mid_load_stores_everything_after_restart_without_duplicates(
    make_pipeline: Callable[..., FaultPipeline], reference_extractor: Any
) -> None:
    pipeline = make_pipeline(nlp_workers=1)
    articles = make_articles(60, "store-kill")
    loader = Loader(pipeline.ingest.url, articles, batch=10, pause=0.3)
    loader.start()
    store = pipeline.store
    assert store.process is not None
    pid = store.process.pid

    def store_busy() -> bool:
        return any(pending_of(pipeline.redis_url, stream, GROUP_STORE, pid) > 0
                   for stream in (ARTICLES_SUBMITTED, ARTICLES_ENRICHED))

    wait_until(store_busy, 60, "the store to hold a batch", every=0.005)
    pipeline.kill(store)
    posted = loader.finish()
    assert len(posted.accepted) == 60

    wait_for_all(pipeline.database_url, posted.accepted, timeout=120)
    assert store.process is not None and store.process.pid != pid, "the store was restarted"
    assert_exactly_once(pipeline, posted.accepted)
    assert_same_mentions_as_clean_run(pipeline, reference_extractor, articles, posted.accepted)


def test_redis_restart_answers_503_while_down_and_loses_nothing_accepted(
    make_pipeline: Callable[..., FaultPipeline], servers: Servers
) -> None:
    pipeline = make_pipeline(nlp_workers=1)
    articles = make_articles(45, "redis-restart")
    codes: list[int] = []
    accepted: list[str] = []
    stop = threading.Event()

    def post_one_by_one() -> None:
        for article in articles:
            if stop.is_set():
                return
            response = httpx.post(f"{pipeline.ingest.url}/articles", json=article, timeout=30)
            codes.append(response.status_code)
            if response.status_code == 202:
                accepted.append(response.json()["id"])
            elif response.status_code == 503:
                assert response.headers.get("Retry-After")
            time.sleep(0.1)

    poster = threading.Thread(target=post_one_by_one, daemon=True)
    poster.start()
    wait_until(lambda: len(codes) >= 10, 60, "the first articles to be posted")

    port = servers.valkey.port
    servers.valkey.stop()
    # While Redis is down, ingest refuses with 503 and Retry-After: nothing it cannot keep is accepted.
    down = httpx.post(f"{pipeline.ingest.url}/articles", json=make_articles(1, "while-down")[0], timeout=30)
    assert down.status_code == 503, down.text
    assert down.headers["Retry-After"]
    time.sleep(3)
    servers.valkey = EmbeddedValkey(servers.valkey_dir, port=port).start()
    assert servers.valkey.port == port, "Valkey must come back on the port the services know"

    poster.join(120)
    stop.set()
    assert not poster.is_alive()
    assert set(codes) <= {202, 503}, f"ingest answered {sorted(set(codes))}"
    assert codes.count(503) >= 1 and codes.count(202) >= 10, codes
    print(f"\nredis restart: {codes.count(202)} accepted, {codes.count(503)} refused with 503")

    wait_for_all(pipeline.database_url, accepted, timeout=150)
    assert_exactly_once(pipeline, accepted)


def test_postgres_down_for_ten_seconds_keeps_messages_pending_and_everything_lands(
    make_pipeline: Callable[..., FaultPipeline], servers: Servers
) -> None:
    pipeline = make_pipeline(nlp_workers=1)
    articles = make_articles(60, "pg-down")
    loader = Loader(pipeline.ingest.url, articles, batch=5, pause=0.4)
    loader.start()
    wait_until(lambda: len(loader.posted.accepted) >= 10, 60, "the first articles to be accepted")

    port = servers.postgres.port
    servers.postgres.stop()
    stopped_at = time.monotonic()
    posted_while_down = len(loader.posted.accepted)
    time.sleep(10)
    # Nothing was lost meanwhile: what the store could not write is still pending in its group.
    store_pending = sum(pending_by_consumer(pipeline.redis_url, ARTICLES_SUBMITTED, GROUP_STORE).values())
    servers.postgres = EmbeddedPostgres(servers.postgres_dir, port=port).start()
    print(f"\npostgres down {time.monotonic() - stopped_at:.1f}s; store pending then: {store_pending}")

    posted = loader.finish()
    assert len(posted.accepted) == 60
    assert len(posted.accepted) > posted_while_down, "articles were posted while PostgreSQL was down"
    wait_for_all(pipeline.database_url, posted.accepted, timeout=120)
    assert_exactly_once(pipeline, posted.accepted)


def test_poison_article_is_dead_lettered_alone_and_marked_failed(make_pipeline: Callable[..., FaultPipeline]) -> None:
    from redis.asyncio import Redis

    from shared.broker import publish_many
    from shared.messages import ArticleSubmitted

    pipeline = make_pipeline(nlp_workers=1)
    before = post_all(pipeline.ingest.url, make_articles(10, "poison-before"))
    poison = ArticleSubmitted(article_id="poison-fault-1", revision="p1", title="From the future",
                              text="Qatari envoys met Omani ministers in Doha.", schema_version=99)

    async def inject() -> None:
        redis = Redis.from_url(pipeline.redis_url)
        await publish_many(redis, ARTICLES_SUBMITTED, [poison])
        await redis.aclose()

    asyncio.run(inject())
    after = post_all(pipeline.ingest.url, make_articles(10, "poison-after"))
    good = before.accepted + after.accepted
    assert len(good) == 20

    wait_for_all(pipeline.database_url, good, timeout=90)
    wait_for_all(pipeline.database_url, [poison.article_id], status="failed", timeout=60)
    article = httpx.get(f"{pipeline.api.url}/articles/{poison.article_id}", timeout=10).json()
    assert article["status"] == "failed"
    assert "schema_version 99" in article["error"] and "2 deliveries" in article["error"], article["error"]

    letters = dead_letters(pipeline.ingest.url)
    assert [(d["article_id"], d["stream"], d["delivery_count"]) for d in letters] == [
        (poison.article_id, ARTICLES_SUBMITTED, 2)
    ]
    assert dead_letter_count(pipeline.redis_url) == 1
    found = integrity(pipeline.database_url, good)
    assert (found.rows, found.enriched, found.duplicated_mentions, found.wrong_event_counts) == (20, 20, 0, 0)


def test_sigterm_to_nlp_and_store_during_load_loses_nothing(
    make_pipeline: Callable[..., FaultPipeline], reference_extractor: Any
) -> None:
    pipeline = make_pipeline(nlp_workers=1)
    articles = make_articles(60, "sigterm")
    loader = Loader(pipeline.ingest.url, articles, batch=10, pause=0.3)
    loader.start()
    nlp, store = pipeline.nlp_workers[0], pipeline.store
    assert nlp.process is not None and store.process is not None
    nlp_process, store_process = nlp.process, store.process

    wait_until(lambda: pending_of(pipeline.redis_url, ARTICLES_SUBMITTED, GROUP_NLP, nlp_process.pid) > 0, 60,
               "the NLP worker to hold a batch")
    nlp.stop()  # SIGTERM, and wait for the process to exit
    wait_until(lambda: any(pending_of(pipeline.redis_url, s, GROUP_STORE, store_process.pid) > 0
                           for s in (ARTICLES_SUBMITTED, ARTICLES_ENRICHED)) or not loader.is_alive(),
               60, "the store to hold a batch", every=0.005)
    store.stop()
    # Both shut down gracefully: uvicorn finished its shutdown, then re-raised SIGTERM to exit with it (so the
    # status is -15, not the -9 of `stop`'s fallback after its timeout).
    for service, process in ((nlp, nlp_process), (store, store_process)):
        assert process.returncode == -signal.SIGTERM, (service.name, process.returncode)
        assert f"Finished server process [{process.pid}]" in pipeline.logs_tail(service, lines=400), service.name

    posted = loader.finish()
    assert len(posted.accepted) == 60
    wait_for_all(pipeline.database_url, posted.accepted, timeout=150)
    assert_exactly_once(pipeline, posted.accepted)
    assert_same_mentions_as_clean_run(pipeline, reference_extractor, articles, posted.accepted)

