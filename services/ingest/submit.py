"""Turns validated articles into `ArticleSubmitted` messages on `articles.submitted`, exactly once per revision.

The duplicate check and the append are one Lua script, so they are atomic: two clients posting the same
article at the same moment get one `accepted` and one `duplicate`, and an article is never marked as seen
without being on the stream. The script takes a chunk of articles at once and handles them in order, exactly as
one call per article would; a batch is one pipelined round trip of such chunks.
"""

from collections.abc import Sequence
from typing import Any
from uuid import uuid5

from redis.asyncio import Redis

from services.ingest import identity
from services.ingest.schemas import ArticleIn
from shared.broker import encode
from shared.messages import ArticleSubmitted
from shared.streams import ARTICLES_SUBMITTED, SEEN_REVISION_KEY

# KEYS: the seen-revision key of each article, then the stream; ARGV: the TTL, then revision and payload of each.
_SUBMIT_SCRIPT = """
local stream = KEYS[#KEYS]
local ttl = ARGV[1]
local forever = tonumber(ttl) <= 0
local out = {}
for i = 1, #KEYS - 1 do
  local revision = ARGV[2 * i]
  if redis.call('GET', KEYS[i]) == revision then
    out[i] = 0
  else
    redis.call('XADD', stream, '*', '__data__', ARGV[2 * i + 1])
    if forever then
      redis.call('SET', KEYS[i], revision)
    else
      redis.call('SET', KEYS[i], revision, 'EX', ttl)
    end
    out[i] = 1
  end
end
return out
"""

CHUNK = 250
"""Articles per script call: few calls per batch, yet no call holds the server for long."""


def to_message(article: ArticleIn, correlation_id: str) -> ArticleSubmitted:
    """The stream message for a validated article, with its deterministic id and revision."""
    canonical = identity.canonical_url(article.url) if article.url else None
    revision = identity.revision(article.title, article.text)
    # The revision is computed once (the content-derived id is made from it too).
    return ArticleSubmitted(
        article_id=identity.article_id(canonical, article.title, article.text) if canonical else
        str(uuid5(identity.CONTENT_NAMESPACE, revision)),
        revision=revision,
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
            for first in range(0, len(messages), CHUNK):
                chunk = messages[first:first + CHUNK]
                keys = [SEEN_REVISION_KEY.format(article_id=m.article_id) for m in chunk]
                keys.append(ARTICLES_SUBMITTED)
                args: list[Any] = [self._ttl]
                for m in chunk:
                    args.append(m.revision)
                    args.append(await encode(m))
                await self._script(keys=keys, args=args, client=pipe)
            results = await pipe.execute()
        return [bool(r) for chunk_result in results for r in chunk_result]
