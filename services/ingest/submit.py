"""Turns validated articles into `ArticleSubmitted` messages on `articles.submitted`, exactly once per revision.

The duplicate check and the append are one Lua script, so they are atomic: two clients posting the same
article at the same moment get one `accepted` and one `duplicate`, and an article is never marked as seen
without being on the stream. A batch is one pipelined round trip.
"""

from collections.abc import Sequence

from redis.asyncio import Redis

from services.ingest import identity
from services.ingest.schemas import ArticleIn
from shared.broker import encode
from shared.messages import ArticleSubmitted
from shared.streams import ARTICLES_SUBMITTED, SEEN_REVISION_KEY

_SUBMIT_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return 0
end
redis.call('XADD', KEYS[2], '*', '__data__', ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
"""


def to_message(article: ArticleIn, correlation_id: str) -> ArticleSubmitted:
    """The stream message for a validated article, with its deterministic id and revision."""
    canonical = identity.canonical_url(article.url) if article.url else None
    return ArticleSubmitted(
        article_id=identity.article_id(canonical, article.title, article.text),
        revision=identity.revision(article.title, article.text),
        url=article.url,
        canonical_url=canonical,
        title=article.title,
        text=article.text,
        source=article.source,
        published_at=article.published_at,
        language=article.language,
        metadata=article.metadata,
        correlation_id=correlation_id,
    )


class Submitter:
    """Appends articles to the stream unless their revision was already accepted."""

    def __init__(self, redis: Redis, dedup_ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = dedup_ttl_seconds
        self._script = redis.register_script(_SUBMIT_SCRIPT)

    async def submit(self, messages: Sequence[ArticleSubmitted]) -> list[bool]:
        """Submit in order; True where the message was appended, False where it was a duplicate."""
        if not messages:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for message in messages:
                key = SEEN_REVISION_KEY.format(article_id=message.article_id)
                await self._script(
                    keys=[key, ARTICLES_SUBMITTED],
                    args=[message.revision, await encode(message), self._ttl],
                    client=pipe,
                )
            results = await pipe.execute()
        return [bool(r) for r in results]
