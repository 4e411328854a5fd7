"""The NLP worker app: reads `articles.submitted` (group `nlp`), publishes `ArticleEnriched` to `articles.enriched`
and `EventsExtracted` to `events.extracted`.

Consumes `ArticleSubmitted` in batches of up to `max_records`; produces one `ArticleEnriched` per article. Serves
`/healthz`, `/readyz` and the AsyncAPI document at `/asyncapi` (see `shared.worker`).
"""

import asyncio
import logging

from faststream import AckPolicy
from faststream.asgi import AsgiFastStream
from faststream.redis import StreamSub
from faststream.redis.annotations import Redis, RedisStreamMessage

from services.nlp.extraction import Extractor
from services.nlp.handlers import handle_batch, retry_one
from services.nlp.settings import NlpSettings
from shared.broker import consumer_name, make_broker
from shared.messages import ArticleEnriched, ArticleSubmitted, EventsExtracted
from shared.streams import ARTICLES_ENRICHED, ARTICLES_SUBMITTED, EVENTS_EXTRACTED, GROUP_NLP
from shared.worker import make_worker_app

log = logging.getLogger("newsflow.nlp")


class _Runtime:
    """What the app's start-up creates and its handler uses: the loaded model."""

    extractor: Extractor | None = None


def create_app(settings: NlpSettings | None = None) -> AsgiFastStream:
    """The NLP worker; the spaCy model is loaded in the app's start-up, not here."""
    settings = settings or NlpSettings()
    broker = make_broker(settings.redis_url)
    runtime = _Runtime()

    # Declared for the AsyncAPI document only: results are written with `publish_many` (one pipelined round trip
    # per batch), which FastStream's per-message publisher cannot do.
    broker.publisher(
        stream=ARTICLES_ENRICHED,
        schema=ArticleEnriched,
        title=f"{ARTICLES_ENRICHED}:publish",
        description="One `ArticleEnriched` per consumed article, with the same correlation id, published before "
        "the batch is acknowledged.",
    )

    broker.publisher(
        stream=EVENTS_EXTRACTED,
        schema=EventsExtracted,
        title=f"{EVENTS_EXTRACTED}:publish",
        description="One `EventsExtracted` per consumed article that has events, published with its enrichment.",
    )

    @broker.subscriber(
        stream=StreamSub(
            ARTICLES_SUBMITTED,
            group=GROUP_NLP,
            consumer=consumer_name("nlp"),
            batch=True,
            max_records=settings.max_records,
            polling_interval=settings.block_ms,
        ),
        # Ack only after the handler returned, i.e. after the results are on `articles.enriched`. On an error
        # the batch stays pending (FastStream's nack does nothing on Redis) for a reclaimer to retry.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{ARTICLES_SUBMITTED}:{GROUP_NLP}",
    )
    async def on_articles_submitted(articles: list[ArticleSubmitted], redis: Redis) -> None:
        """Extract entities, places, events and tone from each article; publish its enrichment and events."""
        if runtime.extractor is None:  # only possible if start-up failed; never ack unprocessed articles
            raise RuntimeError("spaCy model not loaded")
        await handle_batch(articles, runtime.extractor, redis)

    if settings.reclaim_idle_ms > 0:
        # The reclaimer: a second consumer of the group that reads no new entries, only ones left pending longer
        # than `reclaim_idle_ms` (a failed batch, or a worker killed mid-batch), one at a time (XAUTOCLAIM).
        @broker.subscriber(
            stream=StreamSub(
                ARTICLES_SUBMITTED,
                group=GROUP_NLP,
                consumer=consumer_name("nlp-reclaim"),
                min_idle_time=settings.reclaim_idle_ms,
                polling_interval=settings.block_ms,
            ),
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"{ARTICLES_SUBMITTED}:{GROUP_NLP}:reclaim",
            include_in_schema=False,
        )
        async def on_pending_article(msg: RedisStreamMessage, redis: Redis) -> None:
            if runtime.extractor is None:
                raise RuntimeError("spaCy model not loaded")
            entry_id = msg.raw_message["message_ids"][0]
            await retry_one(
                msg.body,
                entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id),
                await msg.get_delivery_count(),
                settings.max_deliveries,
                runtime.extractor,
                redis,
            )

    async def load_model() -> None:
        # In a thread: loading takes a second or more and must not stall the event loop.
        runtime.extractor = await asyncio.to_thread(
            Extractor,
            settings.nlp_model,
            batch_size=settings.batch_size,
            max_chars=settings.max_chars,
            events_require_countries=settings.events_require_countries,
        )

    return make_worker_app(
        title="Newsflow NLP worker", broker=broker, redis_url=settings.redis_url, on_startup=[load_model]
    )
