"""Real servers for the integration and e2e tiers: an embedded Valkey and an embedded PostgreSQL, each on a
free port with data in a temporary directory, started once per test session."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
    server = EmbeddedValkey(tmp_path_factory.mktemp("valkey")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("postgres"))).start()
    yield server
    server.stop()


@pytest.fixture
async def redis(valkey: EmbeddedValkey) -> AsyncIterator[Redis]:
    """A client on an emptied database, so each test starts from no streams and no groups."""
    client = Redis.from_url(valkey.url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def database_url(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """URL of a freshly emptied database (public schema dropped and recreated)."""
    conn = await asyncpg.connect(postgres.url)
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.close()
    yield postgres.url
