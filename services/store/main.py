"""The store worker app: `create_app()` builds the FastStream app that `python -m services.store` serves.

Consumes `articles.submitted` and `articles.enriched` (group `store`); produces rows in PostgreSQL, whose
schema it migrates on start. Serves `/healthz`, `/readyz` and the AsyncAPI document at `/asyncapi`.
"""

import asyncio
import logging

import asyncpg
from faststream.asgi import AsgiFastStream
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.store.handlers import StoreState, register
from services.store.migrate import migrate
from services.store.settings import StoreSettings
from shared.broker import make_broker
from shared.streams import ARTICLES_ENRICHED, ARTICLES_SUBMITTED, EVENTS_EXTRACTED
from shared.trim import trim_acknowledged
from shared.worker import make_worker_app

log = logging.getLogger("newsflow.store")


def create_app(settings: StoreSettings | None = None) -> AsgiFastStream:
    """The store worker; its database pool and migrations live in the app's start-up hook."""
    settings = settings or StoreSettings()
    state = StoreState()
    broker = make_broker(settings.redis_url)
    register(broker, settings, state)

    async def open_database() -> None:
        # Runs before the broker starts: no batch is read before the schema is there.
        pool = await asyncpg.create_pool(
            settings.database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        try:
            applied = await migrate(pool)
        except BaseException:
            await pool.close()
            raise
        state.pool = pool
        log.info("database ready (%s)", f"applied {', '.join(applied)}" if applied else "schema up to date")

    async def close_database() -> None:
        if state.pool is not None:
            await state.pool.close()
            state.pool = None

    trimmer: list[asyncio.Task[None]] = []

    async def trim_forever() -> None:
        # The store reads every stream of the pipeline but the dead letters, which are kept for people to read.
        redis = Redis.from_url(settings.redis_url)
        try:
            while True:
                await asyncio.sleep(settings.trim_interval_s)
                for stream in (ARTICLES_SUBMITTED, ARTICLES_ENRICHED, EVENTS_EXTRACTED):
                    try:
                        removed = await trim_acknowledged(redis, stream, settings.stream_keep)
                    except RedisError as exc:
                        log.warning("trimming %s failed: %s", stream, exc)
                        continue
                    if removed:
                        log.info("trimmed %d acknowledged entries from %s", removed, stream)
        finally:
            await redis.aclose()

    async def start_trimmer() -> None:
        if settings.trim_interval_s > 0:
            trimmer.append(asyncio.create_task(trim_forever()))

    async def stop_trimmer() -> None:
        for task in trimmer:
            task.cancel()

    app = make_worker_app(
        title="Newsflow store", broker=broker, redis_url=settings.redis_url, on_startup=[open_database],
        on_shutdown=[stop_trimmer],
    )
    app.after_startup(start_trimmer)
    # After, not on, shutdown: `on_shutdown` hooks run before the broker stops, and a batch still in flight
    # must be able to commit (or roll back) on its connection rather than lose it mid-transaction.
    app.after_shutdown(close_database)
    return app
