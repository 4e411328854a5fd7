"""The HTTP face of a stream worker (nlp, store): `/healthz`, `/readyz`, `/asyncapi` (+ `.json`).

A worker is an `AsgiFastStream` app: uvicorn drives its lifespan, which creates the consumer groups (before
any subscriber starts), runs the service's own start-up hooks, then starts the broker.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
import uvicorn
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.asgi.types import Scope
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI
from redis.asyncio import Redis

from shared.broker import ensure_groups
from shared.streams import CONSUMER_GROUPS

Hook = Callable[[], Awaitable[None]]


def _json(status: int, body: dict[str, Any]) -> AsgiResponse:
    return AsgiResponse(orjson.dumps(body), status, headers={"content-type": "application/json"})


def make_worker_app(
    *,
    title: str,
    broker: RedisBroker,
    redis_url: str,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> AsgiFastStream:
    """Build a worker app around `broker`, whose subscribers the caller has already declared."""

    @get(include_in_schema=False)
    async def healthz(scope: Scope) -> AsgiResponse:
        return _json(200, {"status": "ok"})

    @get(include_in_schema=False)
    async def readyz(scope: Scope) -> AsgiResponse:
        # Ready means: Redis answers and every subscriber is still reading. A subscriber stops for good
        # when its group vanished (Redis emptied); a failing probe is what gets the process restarted.
        stopped = [s.config.full_name if hasattr(s, "config") else repr(s)
                   for s in broker.subscribers if not s.running]
        if not await broker.ping(timeout=2.0):
            return _json(503, {"status": "unavailable", "reason": "redis unreachable"})
        if stopped:
            return _json(503, {"status": "unavailable", "reason": "subscriber stopped", "subscribers": stopped})
        return _json(200, {"status": "ready"})

    async def create_groups() -> None:
        redis = Redis.from_url(redis_url)
        try:
            await ensure_groups(redis, CONSUMER_GROUPS)
        finally:
            await redis.aclose()

    return AsgiFastStream(
        broker,
        asgi_routes=[("/healthz", healthz), ("/readyz", readyz)],
        asyncapi_path="/asyncapi",
        on_startup=[create_groups, *on_startup],
        on_shutdown=list(on_shutdown),
        specification=AsyncAPI(title=title, version="0.1.0"),
        logger=logging.getLogger("faststream.app"),
    )


def serve(app: Any, host: str, port: int) -> None:
    """Run an ASGI app (worker or HTTP API) in this process until SIGINT/SIGTERM."""
    uvicorn.run(app, host=host, port=port, lifespan="on", log_config=None, access_log=False)
