"""Soak: 1,000 distinct articles (plus re-posts and one poison) posted while workers are killed at random.

Two NLP workers and the store run under the supervisor; a background thread kills -9 a random ready one every
few seconds (a bounded number of times) and the supervisor restarts it. At the end every distinct accepted
article is stored once and enriched exactly as a clean run would enrich it, nothing is lost, nothing doubled,
and the dead-letter stream holds only the poison. Prints a `SOAK:` summary line (run pytest with `-s`).
"""

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from services.nlp.extraction import Extractor
from shared.streams import ARTICLES_SUBMITTED
from tests.faults.conftest import (
    FaultPipeline,
    Posted,
    db_fetch,
    dead_letter_count,
    dead_letters,
    integrity,
    make_articles,
    post_batch,
    reference_mentions,
    stored_mentions,
    wait_for_all,
    wait_until_acknowledged,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.timeout(600)]

DISTINCT = 1000
REPOSTS = 50  # ~5% of the articles posted a second time, unchanged
BATCH = 25
MAX_KILLS = 8
POISON_ID = "poison-soak-1"


class Killer(threading.Thread):
    """kill -9 a random ready worker (NLP or store) every few seconds, `max_kills` times at most."""

    def __init__(self, pipeline: FaultPipeline, max_kills: int, seed: int = 3) -> None:
        super().__init__(daemon=True)
        self.pipeline, self.max_kills = pipeline, max_kills
        self.rng = random.Random(seed)
        self.kills: list[str] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while len(self.kills) < self.max_kills and not self.stop.wait(self.rng.uniform(2.0, 4.0)):
                ready = [s for s in (*self.pipeline.nlp_workers, self.pipeline.store) if self.pipeline.is_ready(s)]
                if not ready:
                    continue
                victim = self.rng.choice(ready)
                self.pipeline.kill(victim)
                self.kills.append("store" if victim is self.pipeline.store else "nlp")
        except BaseException as exc:  # handed to the test thread
            self.error = exc


def inject_poison(redis_url: str) -> None:
    """An `ArticleSubmitted` from a newer producer (schema_version 99), appended straight to the stream."""
    from redis.asyncio import Redis

    from shared.broker import publish_many
    from shared.messages import ArticleSubmitted

    poison = ArticleSubmitted(article_id=POISON_ID, revision="p1", title="From the future",
                              text="Qatari envoys met Omani ministers in Doha.", schema_version=99)

    async def inject() -> None:
        redis = Redis.from_url(redis_url)
        await publish_many(redis, ARTICLES_SUBMITTED, [poison])
        await redis.aclose()

    asyncio.run(inject())


def test_soak_random_kills_lose_and_double_nothing(
    make_pipeline: Callable[..., FaultPipeline], reference_extractor: Extractor
) -> None:
    started = time.monotonic()
    pipeline = make_pipeline(nlp_workers=2)
    rng = random.Random(5)
    articles = make_articles(DISTINCT, "soak", seed=11)
    # Re-posts go into batches after their original's, so each is answered `duplicate`.
    stream: list[dict[str, Any]] = list(articles)
    for original in rng.sample(range(DISTINCT - 2 * BATCH), REPOSTS):
        stream.insert(rng.randrange(original + 2 * BATCH, len(stream) + 1), articles[original])

    killer = Killer(pipeline, MAX_KILLS)
    killer.start()
    posted = Posted()
    for index, start in enumerate(range(0, len(stream), BATCH)):
        post_batch(pipeline.ingest.url, stream[start:start + BATCH], posted, timeout=120)
        if index == 2:
            inject_poison(pipeline.redis_url)
        time.sleep(0.4)
    # Every kill lands while the backlog is still being worked off.
    killer.join(120)
    killer.stop.set()
    assert killer.error is None, killer.error
    assert not killer.is_alive()

    accepted = set(posted.accepted)
    assert len(posted.accepted) == len(accepted) == DISTINCT, "each distinct article accepted once"
    assert len(posted.duplicates) == REPOSTS and set(posted.duplicates) <= accepted
    wait_for_all(pipeline.database_url, sorted(accepted), timeout=300)
    wait_for_all(pipeline.database_url, [POISON_ID], status="failed", timeout=120)

    # Redone work must change nothing: check only once nothing is left to redo.
    wait_until_acknowledged(pipeline.redis_url)
    ids = list(posted.accepted)
    found = integrity(pipeline.database_url, ids)
    [total] = db_fetch(pipeline.database_url, "SELECT count(*) AS n FROM articles")
    stored = stored_mentions(pipeline.database_url, ids)
    expected = dict(zip(ids, reference_mentions(reference_extractor, articles), strict=True))
    doubled = sum(1 for i in ids if len(stored[i]) > len(expected[i])) + found.rows - found.distinct
    differing = [i for i in ids if stored[i] != expected[i]]
    letters = dead_letters(pipeline.ingest.url)
    kills = Counter(killer.kills)

    print(
        f"\nSOAK: faults injected={len(killer.kills)} (kill -9 nlp x{kills['nlp']}, store x{kills['store']}), "
        f"articles sent={len(stream)} distinct={DISTINCT} stored={found.rows} enriched={found.enriched} "
        f"duplicated={doubled} lost={found.lost} dead letters={len(letters)} "
        f"({', '.join(sorted({d['article_id'] for d in letters})) or 'none'}) "
        f"in {time.monotonic() - started:.0f} s"
    )
    assert len(killer.kills) == MAX_KILLS
    assert (found.rows, found.enriched, found.lost, doubled) == (DISTINCT, DISTINCT, 0, 0), found
    assert int(total["n"]) == DISTINCT + 1, "only the accepted articles and the poison are stored"
    assert (found.stale_mentions, found.duplicated_mentions, found.wrong_event_counts) == (0, 0, 0), found
    assert not differing, f"{len(differing)} article(s) enriched differently from a clean run"
    assert [d["article_id"] for d in letters] == [POISON_ID]
    assert dead_letter_count(pipeline.redis_url) == 1
