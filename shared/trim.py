"""Stream trimming that never drops an entry some consumer group still needs.

`maxlen` trims regardless of consumer groups; here a stream is trimmed (XTRIM MINID) only below the oldest entry
that any of its groups has not yet acknowledged — the first entry of its pending list, or the first after its
last delivered one — and only beyond a retention of `keep` entries, kept for inspection and replay.
"""

from typing import cast

from redis.asyncio import Redis


def _parse(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def safe_min_id(redis: Redis, stream: str) -> tuple[int, int] | None:
    """The oldest entry id any group of `stream` still needs; None when the stream has no groups."""
    groups = await redis.xinfo_groups(stream)
    if not groups:
        return None
    needed: list[tuple[int, int]] = []
    for group in groups:
        name = group["name"]
        if int(group.get("pending", 0)) > 0:
            summary = await redis.xpending(stream, name)
            needed.append(_parse(summary["min"]))
        ms, seq = _parse(group["last-delivered-id"])
        needed.append((ms, seq + 1))  # everything after the last delivered entry is still to be read
    return min(needed)


async def trim_acknowledged(redis: Redis, stream: str, keep: int) -> int:
    """Trim `stream` below what its groups still need, keeping at least the newest `keep` entries.

    Returns how many entries were removed.
    """
    if not await redis.exists(stream):
        return 0
    needed = await safe_min_id(redis, stream)
    if needed is None:
        # No group: no consumer of ours is owed anything (a downstream reader that wants protection creates a
        # group); keep the newest `keep`, or everything when `keep` is 0.
        return int(await redis.xtrim(stream, maxlen=keep, approximate=False)) if keep > 0 else 0
    if keep > 0:
        newest = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrevrange(stream, count=keep))
        if len(newest) < keep:
            return 0
        needed = min(needed, _parse(newest[-1][0]))
    return int(await redis.xtrim(stream, minid=f"{needed[0]}-{needed[1]}", approximate=False))
