"""Settings of the ingest service (`NEWSFLOW_*` environment variables)."""

from pydantic import Field

from shared.settings import CommonSettings


class IngestSettings(CommonSettings):
    """Where ingest listens and what it accepts."""

    port: int = Field(8001, description="HTTP port of the ingest API.")
    max_body_bytes: int = Field(
        2 * 1024 * 1024, description="Largest accepted body of `POST /articles`, in bytes; larger gets 413."
    )
    max_batch_bytes: int = Field(
        64 * 1024 * 1024, description="Largest accepted body of `POST /articles/batch`, in bytes; larger gets 413."
    )
    max_batch_items: int = Field(5000, description="Most articles in one batch request; more gets 413.")
    dedup_ttl_days: int = Field(
        30,
        description="How long ingest remembers an article's revision to answer re-posts as duplicates "
        "(0 = forever). A re-post after that is reprocessed, which the store absorbs idempotently.",
    )
    max_backlog: int = Field(
        100_000,
        ge=0,
        description="When a consumer group of `articles.submitted` is more than this many entries behind, new "
        "articles are refused with 429 and `Retry-After` until it catches up (0 = never refuse).",
    )
    rate_limit_per_minute: int = Field(
        0, ge=0, description="Requests per minute allowed to each API key on the submit endpoints (0 = unlimited)."
    )
