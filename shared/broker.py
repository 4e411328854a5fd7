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
    from faststream.redis.prometheus import RedisPrometheusMiddleware

    from shared.metrics import REGISTRY

    return RedisBroker(
        redis_url,
        message_format=BinaryMessageFormatV1,
        middlewares=[RedisPrometheusMiddleware(registry=REGISTRY)],
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


_ENVELOPE_MAGIC = BinaryMessageFormatV1.IDENTITY_HEADER + (1).to_bytes(2, "big")
_CONTENT_TYPE = b"\x00\x0ccontent-type\x00\x10application/json"
_CORRELATION_ID = b"\x00\x0ecorrelation_id"


def envelope(payload: bytes, correlation_id: str) -> bytes:
    """FastStream's binary envelope (v1) around a JSON payload, headers `correlation_id` and `content-type`.

    Byte for byte what `BinaryMessageFormatV1.encode` writes for these arguments (tests/integration/test_ingest.py
    checks it), without its per-message writer objects: magic, version, header and data offsets, header count,
    then each header as length-prefixed key and value. As FastStream does, a string's length prefix counts
    characters, not bytes.
    """
    cid = correlation_id.encode()
    headers = _CORRELATION_ID + len(correlation_id).to_bytes(2, "big") + cid + _CONTENT_TYPE
    headers_start = len(_ENVELOPE_MAGIC) + 8
    data_start = 2 + headers_start + len(headers)
    return b"".join((
        _ENVELOPE_MAGIC, headers_start.to_bytes(4, "big"), data_start.to_bytes(4, "big"), b"\x00\x02", headers,
        payload,
    ))


async def encode(message: Message) -> bytes:
    """Encode a message into FastStream's binary envelope, with the correlation id as a header."""
    return envelope(message.model_dump_json().encode(), message.correlation_id or message.message_id)


async def publish_many(redis: Redis, stream: str, messages: Sequence[Message]) -> list[bytes]:
    """Append messages to a stream in one pipelined round trip; returns the entry ids."""
    if not messages:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for message in messages:
            pipe.xadd(stream, {DATA_KEY: await encode(message)})
        return list(await pipe.execute())
