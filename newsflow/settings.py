"""Settings of the `newsflow` command line (`NEWSFLOW_*` environment variables)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CliSettings(BaseSettings):
    """What `newsflow up` starts, and where."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore")

    home: Path = Field(Path(".newsflow"), description="Directory for embedded servers' data and local state.")
    redis_url: str | None = Field(None, description="Use this Redis instead of starting an embedded Valkey.")
    database_url: str | None = Field(
        None, description="Use this PostgreSQL instead of starting an embedded one."
    )
    host: str = Field("127.0.0.1", description="Interface the services bind to.")
    api_port: int = Field(8000, description="Port of the read API.")
    ingest_port: int = Field(8001, description="Port of the ingest API.")
    nlp_port: int = Field(8002, description="Health port of the first NLP worker; more workers take free ports.")
    store_port: int = Field(8003, description="Health port of the store worker.")
    api_keys: str = Field("", description="Keys the services accept (see shared/auth.py); empty: make a local one.")
    auth_open: bool = Field(False, description="Run the services in open mode, without API keys.")
    api_key: str | None = Field(
        None, description="Key `newsflow ingest` sends; default: the local key `newsflow up` wrote under `home`."
    )

    def client_key(self) -> str | None:
        """The key a client command sends: `NEWSFLOW_API_KEY`, else the local key file, if any."""
        if self.api_key:
            return self.api_key
        path = self.home / "api-key"
        return path.read_text().strip() if path.exists() else None
