"""Fills the database with many enriched articles quickly, for the query benchmark.

Consumes corpus articles and real enrichments of them (the `Extraction`s of the limit measurement); produces
`count` stored, enriched articles: each a corpus text under a new id, with that text's real entities, places
and events, and a publication date spread over five years. Written with the store's own set-based functions
(`save_submitted`, `save_enriched`: one `unnest` statement per table per batch), so the rows are exactly what
the pipeline would have stored, including tables other parts of the store add later.
"""

import asyncio
import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import asyncpg

from bench.corpus import URL_BASE, BenchArticle
from services.nlp.extraction import Extraction
from services.store.repository import save_enriched, save_submitted, with_retries
from shared.messages import ArticleEnriched, ArticleSubmitted

EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SPREAD_MINUTES = 5 * 365 * 24 * 60


def messages(
    index: int, article: BenchArticle, extraction: Extraction, model: str, tag: str
) -> tuple[ArticleSubmitted, ArticleEnriched]:
    """The submission and enrichment of the `index`-th loaded article (deterministic: same index, same rows)."""
    url = f"{URL_BASE}/{tag}/{index}"
    article_id = str(uuid5(NAMESPACE_URL, url))
    revision = hashlib.sha256(f"{article_id}\n{article.title}\n{article.text}".encode()).hexdigest()
    # A multiplicative step (7919 is prime) scatters consecutive indexes over the five years, so that date
    # filters and "newest first" see a realistic mix instead of one article per minute in load order.
    published = EPOCH + timedelta(minutes=(index * 7919) % SPREAD_MINUTES)
    submitted = ArticleSubmitted(
        article_id=article_id, revision=revision, url=url, canonical_url=url, title=article.title,
        text=article.text, source=tag, published_at=published, language="en",
    )
    # Entity, place and event objects are frozen models, so one article's can be shared by all its copies.
    enriched = ArticleEnriched(
        article_id=article_id, revision=revision, language=extraction.language, entities=extraction.entities,
        model=model, warnings=extraction.warnings, published_at=published, events=extraction.events,
        places=extraction.places, focus=extraction.focus, tone=extraction.tone,
    )
    return submitted, enriched


async def load(
    database_url: str,
    count: int,
    articles: Sequence[BenchArticle],
    extractions: Sequence[Extraction],
    model: str,
    tag: str,
    batch_size: int = 500,
    concurrency: int = 2,
) -> dict[str, Any]:
    """Store `count` enriched articles; returns how many and how fast."""
    if count <= 0:
        return {"loaded": 0, "elapsed_s": 0.0, "articles_per_s": None}
    if not articles or len(articles) != len(extractions):
        raise ValueError("need one extraction per template article")
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def batch(start: int) -> None:
        async with gate:
            pairs = [
                messages(i, articles[i % len(articles)], extractions[i % len(articles)], model, tag)
                for i in range(start, min(start + batch_size, count))
            ]
            await with_retries(pool, save_submitted, [s for s, _ in pairs])
            await with_retries(pool, save_enriched, [e for _, e in pairs])

    started = time.perf_counter()
    try:
        await asyncio.gather(*(batch(start) for start in range(0, count, batch_size)))
        async with pool.acquire() as conn:
            # Fresh statistics, as autovacuum would have gathered by the time a real table reached this size:
            # without them the planner's first queries over a just-loaded table are not representative.
            await conn.execute("ANALYZE")
    finally:
        await pool.close()
    elapsed = time.perf_counter() - started
    return {"loaded": count, "elapsed_s": elapsed, "articles_per_s": count / elapsed if elapsed > 0 else None}
