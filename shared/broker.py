"""Broker helpers: the FastStream broker, consumer names, consumer groups, and raw stream publishing.

Messages are written in FastStream's own binary envelope (field `__data__`), so a FastStream subscriber
decodes them exactly as if the broker had published them, while we keep control of pipelining and atomicity.
"""

import logging
import os
import socket
from collections.abc import Iterable, Sequence
from uuid import uuid4

from faststream.redis import RedisBroker
from faststream.redis.message import DATA_KEY
from faststream.redis.parser.binary import BinaryMessageFormatV1
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.messages import Message
from shared.streams import CONSUMER_GROUPS


def make_broker(redis_url: str) -> RedisBroker:
    """The FastStream broker every service uses, with our binary envelope."""
    # FastStream's per-message "Received"/"Processed" lines go to DEBUG and through our log format.
    return RedisBroker(
        redis_url,
        message_format=BinaryMessageFormatV1,
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
    )


def consumer_name(service: str) -> str:
    """A consumer name unique to this process: service, host, pid and a random suffix.

    The suffix keeps a restarted process (same pid in a fresh container) from inheriting a dead
    consumer's pending list by accident; reclaiming that list is the reclaimer's job.
    """
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:6]}"


async def ensure_groups(
    redis: Redis, pairs: Iterable[tuple[str, str]] = CONSUMER_GROUPS
) -> None:
    """Create each (stream, group) from id 0 with MKSTREAM; an existing group is left as it is.

    Starting from 0 rather than `$` is what lets a worker that starts late process articles that were
    posted while no worker of its group was running.
    """
    for stream, group in pairs:
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


async def encode(message: Message) -> bytes:
    """Encode a message into FastStream's binary envelope, with the correlation id as a header."""
    correlation_id = message.correlation_id or message.message_id
    return await BinaryMessageFormatV1.encode(
        message=message.model_dump_json().encode(),
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id=correlation_id,
    )


async def publish_many(redis: Redis, stream: str, messages: Sequence[Message]) -> list[bytes]:
    """Append messages to a stream in one pipelined round trip; returns the entry ids."""
    if not messages:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for message in messages:
            pipe.xadd(stream, {DATA_KEY: await encode(message)})
        return list(await pipe.execute())
