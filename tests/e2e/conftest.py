"""The services as real processes (`python -m services.X`), on free ports, against the session's embedded
Valkey and PostgreSQL — started with the same supervisor code as `newsflow up`."""

import threading
import time
from collections.abc import Iterator

import asyncpg
import pytest
import redis

from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from newsflow.up import Service, Supervisor


class Pipeline:
    """Handles on the running services; NLP workers can be added while it runs."""

    def __init__(self, redis_url: str, database_url: str) -> None:
        self.env = {"NEWSFLOW_REDIS_URL": redis_url, "NEWSFLOW_DATABASE_URL": database_url,
                    "NEWSFLOW_LOG_LEVEL": "INFO",
                    # Keys are covered at the integration tier; here the services run in open mode.
                    "NEWSFLOW_AUTH_OPEN": "true",
                    # Short enough that the poison test sees retries and the dead letter within seconds.
                    "NEWSFLOW_RECLAIM_IDLE_MS": "500", "NEWSFLOW_MAX_DELIVERIES": "2"}
        self.redis_url = redis_url
        self.store = Service("store", "services.store", free_port(), self.env)
        self.ingest = Service("ingest", "services.ingest", free_port(), self.env)
        self.api = Service("api", "services.api", free_port(), self.env)
        self.supervisor = Supervisor([self.store, self.ingest, self.api])

    def start(self) -> None:
        self.supervisor.start_all()
        self.supervisor.wait_ready(timeout=120)
        # As `newsflow up` does: restart any service that dies, for as long as the pipeline runs.
        self._watch = threading.Thread(target=self._supervise, daemon=True)
        self._watch.start()

    def _supervise(self) -> None:
        while not self.supervisor.stopping:
            self.supervisor.check_once()
            time.sleep(0.2)

    def add_nlp_worker(self) -> Service:
        worker = Service(f"nlp-{len(self.supervisor.services)}", "services.nlp", free_port(), self.env)
        self.supervisor.services.append(worker)
        worker.start()
        self.supervisor.wait_ready(timeout=120)
        return worker

    def stop(self) -> None:
        self.supervisor.stop_all()


@pytest.fixture(scope="module")
def pipeline(valkey: EmbeddedValkey, postgres: EmbeddedPostgres) -> Iterator[Pipeline]:
    redis.Redis.from_url(valkey.url).flushdb()

    async def reset_db() -> None:
        conn = await asyncpg.connect(postgres.url)
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()

    import asyncio

    asyncio.run(reset_db())
    running = Pipeline(valkey.url, postgres.url)
    running.start()
    yield running
    running.stop()
