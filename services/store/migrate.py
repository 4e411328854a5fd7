"""Versioned schema migrations for the Newsflow database.

Consumes the numbered SQL files in `services/store/migrations/` (`0001_initial.sql`, `0002_...`); produces the
schema, and one row per applied file in `schema_migrations`. Applied in file-name order, each in its own
transaction, under a PostgreSQL advisory lock so that several store processes starting at once apply each file
exactly once. Running it again is a no-op.
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Two-int advisory lock key ("NFLW", 1). The two-int key space does not overlap the single-bigint one, which
# the repository uses for per-article locks.
_LOCK_KEY = (0x4E464C57, 1)

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text PRIMARY KEY,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One SQL file: `version` is its file name without `.sql` (e.g. `0001_initial`)."""

    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in order. Only names starting with digits count, so notes can sit beside them."""
    files = sorted(p for p in directory.glob("*.sql") if p.name[:1].isdigit())
    return [Migration(p.stem, p.read_text(encoding="utf-8")) for p in files]


def latest_version(directory: Path = MIGRATIONS_DIR) -> str:
    """Version of the newest migration file."""
    return available(directory)[-1].version


async def migrate(conn_or_pool: asyncpg.Connection | asyncpg.Pool, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not applied yet; returns the versions applied by this call (empty when up to date)."""
    if isinstance(conn_or_pool, asyncpg.Pool):
        async with conn_or_pool.acquire() as conn:
            return await _migrate(conn, directory)
    return await _migrate(conn_or_pool, directory)


async def _migrate(conn: asyncpg.Connection, directory: Path) -> list[str]:
    migrations = available(directory)
    # A session-level lock (not a transaction-level one) because each file commits on its own; released in
    # `finally` so a pooled connection never goes back to the pool still holding it.
    await conn.execute("SELECT pg_advisory_lock($1, $2)", *_LOCK_KEY)
    try:
        await conn.execute(_BOOKKEEPING)
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {r["version"]: r["checksum"] for r in rows}
        applied: list[str] = []
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    # Never re-applied: a released migration must not change. Loud, but not fatal, so that a
                    # comment edit doesn't take the pipeline down.
                    log.warning("migration %s changed since it was applied; add a new file instead",
                                migration.version)
                continue
            async with conn.transaction():
                # No arguments: asyncpg uses the simple query protocol, which runs a multi-statement file.
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version, migration.checksum,
                )
            log.info("applied migration %s", migration.version)
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1, $2)", *_LOCK_KEY)
