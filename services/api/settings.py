"""Settings of the read API (`NEWSFLOW_*` environment variables)."""

from pydantic import Field, SecretStr

from shared.settings import CommonSettings


class ApiSettings(CommonSettings):
    """Where the API listens, how it uses PostgreSQL, and how it signs pagination cursors."""

    port: int = Field(8000, description="HTTP port of the read API.")
    pool_max_size: int = Field(10, ge=1, description="Most PostgreSQL connections the API holds.")
    statement_timeout_ms: int = Field(
        10_000, ge=0,
        description="PostgreSQL cancels a query running longer than this (0 = never); the client gets 503.",
    )
    cursor_secret: SecretStr | None = Field(
        None,
        description="Key that signs pagination cursors (HMAC-SHA256), so a client cannot forge or alter one. "
        "Unset, it is derived from `database_url`: stable across restarts and shared by every API replica on "
        "the same database, but guessable when that URL carries no password -- set it in production. "
        "Changing it invalidates cursors already handed out (clients start again from the first page).",
    )
