"""The store worker app: `create_app()` builds the FastStream app that `python -m services.store` serves.

Consumes `articles.submitted` and `articles.enriched` (group `store`); produces rows in PostgreSQL, whose
schema it migrates on start. Serves `/healthz`, `/readyz` and the AsyncAPI document at `/asyncapi`.
"""

import logging

import asyncpg
from faststream.asgi import AsgiFastStream

from services.store.handlers import StoreState, register
from services.store.migrate import migrate
from services.store.settings import StoreSettings
from shared.broker import make_broker
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

    app = make_worker_app(
        title="Newsflow store", broker=broker, redis_url=settings.redis_url, on_startup=[open_database]
    )
    # After, not on, shutdown: `on_shutdown` hooks run before the broker stops, and a batch still in flight
    # must be able to commit (or roll back) on its connection rather than lose it mid-transaction.
    app.after_shutdown(close_database)
    return app
