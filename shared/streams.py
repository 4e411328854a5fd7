"""Names of the Redis streams and consumer groups that connect the services.

Every stream and group name used anywhere in the code comes from here, so a rename is one edit and the
AsyncAPI documents of the services agree with each other.
"""

from typing import Final

ARTICLES_SUBMITTED: Final = "articles.submitted"
"""Articles accepted by ingest. Consumed by group `nlp` (enrichment) and group `store` (raw persistence)."""

ARTICLES_ENRICHED: Final = "articles.enriched"
"""Enrichment results published by NLP workers. Consumed by group `store`."""

EVENTS_EXTRACTED: Final = "events.extracted"
"""Events found by NLP workers, one message per article revision, for consumers outside Newsflow."""

ARTICLES_DEAD: Final = "articles.dead"
"""Dead letters: messages that kept failing, with their error, delivery count and original payload."""

GROUP_NLP: Final = "nlp"
GROUP_STORE: Final = "store"

CONSUMER_GROUPS: Final[tuple[tuple[str, str], ...]] = (
    (ARTICLES_SUBMITTED, GROUP_NLP),
    (ARTICLES_SUBMITTED, GROUP_STORE),
    (ARTICLES_ENRICHED, GROUP_STORE),
    (ARTICLES_DEAD, GROUP_STORE),
)
"""Every (stream, group) pair of the pipeline; created idempotently from the start of the stream."""

SEEN_REVISION_KEY: Final = "newsflow:revision:{article_id}"
"""Redis key holding the latest accepted revision of an article; ingest uses it to spot duplicates."""
