"""The NLP worker's message handling: a batch of `ArticleSubmitted` in, one `ArticleEnriched` each out.

Consumes decoded `ArticleSubmitted` messages (from `articles.submitted`, group `nlp`); produces `ArticleEnriched`
messages on `articles.enriched`, published in one pipelined round trip before the batch is acknowledged.
The extraction itself is `services.nlp.extraction`; this module only maps messages to it and back.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from services.nlp.extraction import ExtractionInput, Extractor
from shared.broker import publish_many
from shared.messages import SCHEMA_VERSION, ArticleEnriched, ArticleSubmitted, EventsExtracted, MessageDeadLettered
from shared.metrics import ARTICLES_PROCESSED, FAILURES, PROCESSING_SECONDS
from shared.streams import ARTICLES_DEAD, ARTICLES_ENRICHED, ARTICLES_SUBMITTED, EVENTS_EXTRACTED, GROUP_NLP

log = logging.getLogger("newsflow.nlp")


def enrich(extractor: Extractor, articles: Sequence[ArticleSubmitted]) -> list[ArticleEnriched]:
    """The enrichment of each article, in order (blocking: run it off the event loop)."""
    for article in articles:
        if article.schema_version > SCHEMA_VERSION:
            # A newer producer's contract: guessing at it could store wrong results. Failing leaves the entry to
            # be retried and, if it still cannot be read, dead-lettered with this reason.
            raise ValueError(
                f"article {article.article_id}: schema_version {article.schema_version} is newer than the "
                f"{SCHEMA_VERSION} this worker understands"
            )
    extractions = extractor.extract(
        [ExtractionInput(a.text, a.language, a.published_at.date() if a.published_at else None) for a in articles]
    )
    return [
        ArticleEnriched(
            article_id=article.article_id,
            revision=article.revision,
            correlation_id=article.correlation_id,
            language=extraction.language,
            entities=extraction.entities,
            model=extractor.model,
            warnings=extraction.warnings,
            published_at=article.published_at,
            events=extraction.events,
            places=extraction.places,
            focus=extraction.focus,
            tone=extraction.tone,
        )
        for article, extraction in zip(articles, extractions, strict=True)
    ]


def events_of(articles: Sequence[ArticleSubmitted], results: Sequence[ArticleEnriched]) -> list[EventsExtracted]:
    """The `events.extracted` messages of a batch: one per article that has events."""
    return [
        EventsExtracted(
            article_id=result.article_id,
            revision=result.revision,
            correlation_id=result.correlation_id,
            published_at=article.published_at,
            source=article.source,
            events=result.events,
        )
        for article, result in zip(articles, results, strict=True)
        if result.events
    ]


PUBLISH_CHARS = 20_000
"""Characters of text after which a batch's results so far are published (about five seconds of parsing)."""


def shortest_first(articles: Sequence[ArticleSubmitted], chars: int) -> list[list[ArticleSubmitted]]:
    """The batch, shortest texts first, in parts of about `chars` characters (a longer text is a part alone).

    A real news batch mixes 200-word briefs with 20,000-word features; parsing one feature takes seconds, and
    nothing read with it should wait for it.
    """
    parts: list[list[ArticleSubmitted]] = []
    current: list[ArticleSubmitted] = []
    size = 0
    for article in sorted(articles, key=lambda a: len(a.text)):
        if current and size + len(article.text) > chars:
            parts.append(current)
            current, size = [], 0
        current.append(article)
        size += len(article.text)
    if current:
        parts.append(current)
    return parts


async def handle_batch(articles: Sequence[ArticleSubmitted], extractor: Extractor, redis: Redis) -> None:
    """Enrich a batch and publish the results; raises (leaving the batch unacknowledged) if either fails.

    Publishing before returning is what makes the ack safe: the subscriber acknowledges only after this returns,
    so a crash in between leaves the batch pending and it is redone; the store absorbs the duplicate results.
    """
    started = time.perf_counter()
    results: list[ArticleEnriched] = []
    with FAILURES.labels("nlp").count_exceptions():
        for part in shortest_first(articles, PUBLISH_CHARS):
            # A thread, so that the event loop keeps answering /healthz and /readyz during a long batch.
            done = await asyncio.to_thread(enrich, extractor, part)
            # Published part by part, so that a short article does not wait for a long one read with it.
            await publish_many(redis, ARTICLES_ENRICHED, done)
            await publish_many(redis, EVENTS_EXTRACTED, events_of(part, done))
            results.extend(done)
    elapsed = time.perf_counter() - started
    PROCESSING_SECONDS.labels("nlp").observe(elapsed)
    ARTICLES_PROCESSED.labels("nlp").inc(len(articles))
    for result in results:
        log.debug(
            "enriched: %d entities, %d warnings",
            len(result.entities),
            len(result.warnings),
            extra={"article_id": result.article_id, "correlation_id": result.correlation_id},
        )
        if result.warnings:
            log.info(
                "enriched with warnings: %s",
                "; ".join(result.warnings),
                extra={"article_id": result.article_id, "correlation_id": result.correlation_id},
            )
    log.info("batch of %d article(s) enriched in %.3f s", len(articles), elapsed, extra={"count": len(articles)})


def describe(exc: Exception) -> str:
    """One line naming the error, without the offending input: logs above debug never carry article text."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        return f"ValidationError: {exc.error_count()} invalid field(s): {problems}"[:500]
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]


async def retry_one(
    body: bytes, entry_id: str, delivery_count: int, max_deliveries: int, extractor: Extractor, redis: Redis
) -> None:
    """Retry one entry that stayed pending (its batch failed, or its worker died); dead-letter it at the limit.

    Alone, so that one poison article cannot fail the good ones again. Raises (leaving it pending for the next
    reclaim) while deliveries remain; at the last one, its error, delivery count and payload go to
    `articles.dead` and it is acknowledged, so it never blocks the entries behind it.
    """
    article: ArticleSubmitted | None = None
    try:
        article = ArticleSubmitted.model_validate_json(body)
        await handle_batch([article], extractor, redis)
    except Exception as exc:
        error = describe(exc)
        ids = {"article_id": article.article_id if article else None,
               "correlation_id": article.correlation_id if article else None}
        if delivery_count < max_deliveries:
            log.warning("retry %d of %d failed: %s", delivery_count, max_deliveries, error, extra=ids)
            raise
        dead = MessageDeadLettered(
            stream=ARTICLES_SUBMITTED,
            group=GROUP_NLP,
            entry_id=entry_id,
            delivery_count=delivery_count,
            error=error,
            article_id=article.article_id if article else None,
            revision=article.revision if article else None,
            correlation_id=article.correlation_id if article else None,
            payload=body.decode("utf-8", errors="replace"),
        )
        await publish_many(redis, ARTICLES_DEAD, [dead])
        log.error("dead-lettered after %d deliveries: %s", delivery_count, error, extra=ids)
