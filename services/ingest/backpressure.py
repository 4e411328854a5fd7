"""Backpressure: refuse new articles (429) while a consumer group of `articles.submitted` is too far behind.

The backlog is read from Redis (XINFO GROUPS: each group's `lag`, entries not yet delivered, plus `pending`,
delivered but not acknowledged) at most once per `interval` seconds, not per request, so checking is free.
"""

import time

from redis.asyncio import Redis

from shared.streams import ARTICLES_SUBMITTED


class Backpressure:
    """Knows the largest backlog among the groups of `articles.submitted`, refreshed lazily."""

    def __init__(self, redis: Redis, max_backlog: int, interval: float = 1.0) -> None:
        self._redis = redis
        self.max_backlog = max_backlog
        self._interval = interval
        self._checked_at = 0.0
        self.backlog = 0

    async def refresh(self) -> int:
        """The largest backlog (lag + pending) among the stream's groups."""
        if not await self._redis.exists(ARTICLES_SUBMITTED):
            return 0
        groups = await self._redis.xinfo_groups(ARTICLES_SUBMITTED)
        backlog = 0
        for group in groups:
            # `lag` is None when Redis cannot tell (after deletions); fall back to the stream length then.
            lag = group.get("lag")
            if lag is None:
                lag = await self._redis.xlen(ARTICLES_SUBMITTED)
            backlog = max(backlog, int(lag) + int(group.get("pending", 0)))
        self.backlog = backlog
        self._checked_at = time.monotonic()
        return backlog

    async def overloaded(self) -> bool:
        """True when the backlog exceeds the bound (never when the bound is 0, meaning off)."""
        if self.max_backlog <= 0:
            return False
        if time.monotonic() - self._checked_at >= self._interval:
            await self.refresh()
        return self.backlog > self.max_backlog
