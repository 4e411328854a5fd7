"""Dead letters on `articles.dead`: listing them and replaying them onto the stream they came from.

Replaying re-appends the original payload to its stream (as a new entry, so every group of that stream sees it
again; the store's idempotent writes make that harmless) and deletes the dead letter, in one MULTI/EXEC.
"""

from typing import Any, cast

from faststream.redis.message import DATA_KEY
from faststream.redis.parser.binary import BinaryMessageFormatV1
from redis.asyncio import Redis

from shared.messages import MessageDeadLettered
from shared.streams import ARTICLES_DEAD

REPLAYABLE_STREAMS = frozenset({"articles.submitted", "articles.enriched"})


Entries = list[tuple[bytes, dict[bytes, bytes]]]


async def _range(redis: Redis, start: str = "-", end: str = "+", count: int | None = None) -> Entries:
    # The client is created without decode_responses, so entries come back as bytes (its stubs can't know).
    return cast(Entries, await redis.xrange(ARTICLES_DEAD, min=start, max=end, count=count))


def _decode(fields: dict[bytes, bytes]) -> MessageDeadLettered:
    data, _ = BinaryMessageFormatV1.parse(fields[DATA_KEY.encode()])
    return MessageDeadLettered.model_validate_json(data)


async def list_dead(redis: Redis, limit: int) -> list[tuple[str, MessageDeadLettered]]:
    """The oldest `limit` dead letters with their entry ids."""
    entries = await _range(redis, count=limit)
    return [(entry_id.decode(), _decode(fields)) for entry_id, fields in entries]


async def replay(redis: Redis, ids: list[str] | None) -> dict[str, Any]:
    """Replay the given dead letters (all when `ids` is None); returns what was replayed and what was not found."""
    if ids is None:
        entries = await _range(redis)
    else:
        entries = []
        for wanted in ids:
            entries.extend(await _range(redis, wanted, wanted))
    found = {entry_id.decode() for entry_id, _ in entries}
    replayed: list[str] = []
    async with redis.pipeline(transaction=True) as pipe:
        for entry_id, fields in entries:
            dead = _decode(fields)
            if dead.stream not in REPLAYABLE_STREAMS:
                continue
            envelope = await BinaryMessageFormatV1.encode(
                message=dead.payload.encode(),
                reply_to=None,
                headers={"content-type": "application/json", "replayed-from": entry_id.decode()},
                correlation_id=dead.correlation_id or dead.message_id,
            )
            pipe.xadd(dead.stream, {DATA_KEY: envelope})
            pipe.xdel(ARTICLES_DEAD, entry_id)
            replayed.append(entry_id.decode())
        await pipe.execute()
    missing = [i for i in (ids or []) if i not in found]
    return {"replayed": replayed, "not_found": missing}
