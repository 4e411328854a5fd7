"""Settings common to every service, read from `NEWSFLOW_*` environment variables.

Each service subclasses `CommonSettings` with its own fields; nothing else in the code reads `os.environ`.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Connection and logging settings every service shares."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore")

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis (or Valkey) URL of the stream broker.",
    )
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/newsflow",
        description="PostgreSQL URL (used by store and api).",
    )
    log_level: str = Field("INFO", description="Python log level name.")
    log_json: bool = Field(False, description="Log one JSON object per line (for containers).")
    host: str = Field("127.0.0.1", description="Interface the service's HTTP server binds to.")
    api_keys: str = Field(
        "",
        description="API keys as comma-separated `NAME:SCOPES:SHA256` entries (scopes `+`-joined from ingest, read, "
        "admin; SHA256 the key's hex digest). Make one with `newsflow keys new NAME`.",
    )
    auth_open: bool = Field(
        False, description="Open mode: accept requests without API keys. Only for trusted networks; off by default."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the HTTP APIs from a browser (JSON list, e.g. "
        '`["https://dash.example.org"]`). Empty: CORS off.',
    )
