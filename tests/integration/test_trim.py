"""Trimming never removes an entry a consumer group has not acknowledged."""

import pytest
from redis.asyncio import Redis

from shared.trim import trim_acknowledged

pytestmark = pytest.mark.integration


async def test_trim_stops_at_the_oldest_unacknowledged_entry_of_any_group(redis: Redis) -> None:
    ids = [await redis.xadd("s", {"n": str(i)}) for i in range(10)]
    await redis.xgroup_create("s", "fast", id="0")
    await redis.xgroup_create("s", "slow", id="0")
    read = await redis.xreadgroup("fast", "c1", {"s": ">"}, count=10)
    await redis.xack("s", "fast", *[entry_id for entry_id, _ in read[0][1]])
    read = await redis.xreadgroup("slow", "c1", {"s": ">"}, count=6)  # delivered 0..5
    await redis.xack("s", "slow", *[entry_id for entry_id, _ in read[0][1][:3]])  # acked 0..2; 3..5 pending

    assert await trim_acknowledged(redis, "s", keep=0) == 3
    remaining = [entry_id for entry_id, _ in await redis.xrange("s")]
    assert remaining == ids[3:]  # the slow group's pending 3..5 and unread 6..9 are all kept

    await redis.xack("s", "slow", *ids[3:6])
    assert await trim_acknowledged(redis, "s", keep=2) == 3  # unread 6..9 still needed
    assert [e for e, _ in await redis.xrange("s")] == ids[6:]


async def test_a_stream_without_groups_is_never_trimmed(redis: Redis) -> None:
    for i in range(5):
        await redis.xadd("lonely", {"n": str(i)})
    assert await trim_acknowledged(redis, "lonely", keep=0) == 0
    assert await redis.xlen("lonely") == 5


async def test_a_stream_without_groups_keeps_its_newest_entries(redis: Redis) -> None:
    ids = [await redis.xadd("events", {"n": str(i)}) for i in range(5)]
    assert await trim_acknowledged(redis, "events", keep=2) == 3
    assert [e for e, _ in await redis.xrange("events")] == ids[3:]
