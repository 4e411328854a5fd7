"""Stream subscribers of the store worker: thin wrappers that hand each batch to `services.store.repository`.

Consumes `ArticleSubmitted` batches from `articles.submitted` and `ArticleEnriched` batches from
`articles.enriched`, both as consumer group `store`; produces nothing on the streams (rows in PostgreSQL).
A batch is acknowledged only after its transaction committed (`AckPolicy.NACK_ON_ERROR`; FastStream's nack is
a no-op on Redis, so a failed batch stays in the group's pending list) and a reclaimer subscriber per stream
stores again whatever stayed pending longer than `reclaim_idle_ms` -- a failed transaction or a dead worker.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub

from services.store.repository import mark_failed, save_enriched, save_submitted, with_retries
from services.store.settings import StoreSettings
from shared.broker import consumer_name
from shared.messages import ArticleEnriched, ArticleSubmitted, MessageDeadLettered
from shared.metrics import ARTICLES_PROCESSED, FAILURES, PROCESSING_SECONDS
from shared.streams import ARTICLES_DEAD, ARTICLES_ENRICHED, ARTICLES_SUBMITTED, GROUP_STORE

log = logging.getLogger("newsflow.store")


@dataclass
class StoreState:
    """What the subscribers share; the pool is set by the app's start-up hook, before the broker starts."""

    pool: asyncpg.Pool | None = field(default=None)

    def require_pool(self) -> asyncpg.Pool:
        if self.pool is None:
            raise RuntimeError("database pool not started")
        return self.pool


def register(broker: RedisBroker, settings: StoreSettings, state: StoreState) -> None:
    """Declare the store's subscribers on `broker`."""
    consumer = consumer_name("store")
    reclaimer = consumer_name("store-reclaim")
    waiting_ttl = timedelta(days=settings.waiting_ttl_days)

    def reading(stream: str) -> StreamSub:
        return StreamSub(stream, group=GROUP_STORE, consumer=consumer, batch=True, max_records=settings.max_records)

    def reclaiming(stream: str) -> StreamSub:
        return StreamSub(
            stream, group=GROUP_STORE, consumer=reclaimer, batch=True, max_records=settings.max_records,
            min_idle_time=settings.reclaim_idle_ms,
        )

    async def store_submitted(messages: list[ArticleSubmitted]) -> None:
        with FAILURES.labels("store").count_exceptions(), PROCESSING_SECONDS.labels("store").time():
            changed = await with_retries(state.require_pool(), save_submitted, messages)
        ARTICLES_PROCESSED.labels("store").inc(len(messages))
        log.info("stored %d submitted article(s), %d new or changed", len(messages), len(changed),
                 extra={"count": len(messages)})

    async def store_enriched(messages: list[ArticleEnriched]) -> None:
        async def save(conn: asyncpg.Connection, batch: Sequence[ArticleEnriched]) -> list[str]:
            return await save_enriched(conn, batch, waiting_ttl)

        with FAILURES.labels("store").count_exceptions(), PROCESSING_SECONDS.labels("store").time():
            applied = await with_retries(state.require_pool(), save, messages)
        ARTICLES_PROCESSED.labels("store").inc(len(messages))
        log.info("stored %d enrichment(s), %d applied", len(messages), len(applied), extra={"count": len(messages)})

    async def store_failures(letters: list[MessageDeadLettered]) -> None:
        failed = await with_retries(state.require_pool(), mark_failed, letters)
        for letter in letters:
            log.warning("dead letter from %s/%s: %s", letter.stream, letter.group, letter.error,
                        extra={"article_id": letter.article_id, "correlation_id": letter.correlation_id})
        log.info("marked %d article(s) failed", len(failed), extra={"count": len(letters)})

    broker.subscriber(
        stream=reading(ARTICLES_DEAD),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="store:articles.dead",
        description="Marks an article `failed`, with the reason, when its current revision was dead-lettered.",
    )(store_failures)
    broker.subscriber(
        stream=reading(ARTICLES_SUBMITTED),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="store:articles.submitted",
        description="Stores each submitted article as `pending` (a newer revision replaces the stored one).",
    )(store_submitted)
    broker.subscriber(
        stream=reading(ARTICLES_ENRICHED),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="store:articles.enriched",
        description="Applies each enrichment to the revision it was computed from and marks it `enriched`.",
    )(store_enriched)
    if settings.reclaim_idle_ms > 0:
        for stream, handler in (
            (ARTICLES_SUBMITTED, store_submitted), (ARTICLES_ENRICHED, store_enriched), (ARTICLES_DEAD, store_failures)
        ):
            broker.subscriber(
                stream=reclaiming(stream), ack_policy=AckPolicy.NACK_ON_ERROR, include_in_schema=False,
            )(handler)
