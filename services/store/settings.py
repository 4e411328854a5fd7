"""Settings of the store worker (`NEWSFLOW_*` environment variables)."""

from pydantic import Field

from shared.settings import CommonSettings


class StoreSettings(CommonSettings):
    """How the store reads the streams and talks to PostgreSQL."""

    port: int = Field(8003, description="HTTP port of the worker's health and AsyncAPI app.")
    max_records: int = Field(
        200, ge=1, le=5000,
        description="Most messages read per batch from each stream; one batch is one database transaction.",
    )
    pool_min_size: int = Field(1, ge=0, description="Connections the PostgreSQL pool keeps open.")
    pool_max_size: int = Field(
        4, ge=1, description="Most PostgreSQL connections (two subscribers, two reclaimers, one at a time each)."
    )
    reclaim_idle_ms: int = Field(
        60_000, ge=0,
        description="A batch left unacknowledged this long (its transaction failed, or its worker died) is "
        "claimed and stored again by a reclaimer subscriber; 0 disables the reclaimers.",
    )
    waiting_ttl_days: float = Field(
        7.0, gt=0,
        description="How long an enrichment whose article revision has not arrived is kept before it is dropped.",
    )
    trim_interval_s: float = Field(
        60, ge=0, description="How often the stream trimmer runs, in seconds (0 = never trim)."
    )
    stream_keep: int = Field(
        10_000,
        ge=0,
        description="Entries each stream keeps beyond what its groups still need (for inspection and replay); "
        "`events.extracted`, which has no group of ours, keeps this many newest entries.",
    )
