"""The HTTP face of a stream worker (nlp, store): `/healthz`, `/readyz`, `/asyncapi` (+ `.json`).

A worker is an `AsgiFastStream` app: uvicorn drives its lifespan, which creates the consumer groups (before
any subscriber starts), runs the service's own start-up hooks, then starts the broker.
"""

import asyncio
import logging
import os
import signal
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
from shared.metrics import CONTENT_TYPE, exposition, watch_streams
from shared.streams import CONSUMER_GROUPS

Hook = Callable[[], Awaitable[None]]
log = logging.getLogger(__name__)


def _json(status: int, body: dict[str, Any]) -> AsgiResponse:
    return AsgiResponse(orjson.dumps(body), status, headers={"content-type": "application/json"})


def _name(subscriber: Any) -> str:
    stream = getattr(subscriber, "stream_sub", None)
    return f"{stream.name}:{stream.group}" if stream is not None else repr(subscriber)


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
        stopped = [_name(s) for s in broker.subscribers if not s.running]
        if not await broker.ping(timeout=2.0):
            return _json(503, {"status": "unavailable", "reason": "redis unreachable"})
        if stopped:
            return _json(503, {"status": "unavailable", "reason": "subscriber stopped", "subscribers": stopped})
        return _json(200, {"status": "ready"})

    watchdog: list[asyncio.Task[None]] = []

    async def watch_subscribers() -> None:
        # A subscriber stops for good when its group vanished (Redis restarted without its data, or emptied);
        # FastStream's own exit request does nothing under uvicorn. Exiting is what gets the process restarted
        # (by `newsflow up`, compose or Kubernetes), and a restart recreates the groups before reading again.
        while True:
            await asyncio.sleep(1.0)
            stopped = [s for s in broker.subscribers if not s.running]
            if stopped:
                log.critical("%d subscriber(s) stopped (consumer group gone?); exiting to be restarted", len(stopped))
                os.kill(os.getpid(), signal.SIGTERM)
                return

    async def start_watchdog() -> None:
        watchdog.append(asyncio.create_task(watch_subscribers()))

    async def stop_watchdog() -> None:
        for task in watchdog:
            task.cancel()

    watch_streams(redis_url)

    @get(include_in_schema=False)
    async def metrics(scope: Scope) -> AsgiResponse:
        return AsgiResponse(await asyncio.to_thread(exposition), 200, headers={"content-type": CONTENT_TYPE})

    async def create_groups() -> None:
        redis = Redis.from_url(redis_url)
        try:
            await ensure_groups(redis, CONSUMER_GROUPS)
        finally:
            await redis.aclose()

    return AsgiFastStream(
        broker,
        asgi_routes=[("/healthz", healthz), ("/readyz", readyz), ("/metrics", metrics)],
        asyncapi_path="/asyncapi",
        on_startup=[create_groups, *on_startup],
        after_startup=[start_watchdog],
        on_shutdown=[stop_watchdog, *on_shutdown],
        specification=AsyncAPI(title=title, version="0.1.0"),
        logger=logging.getLogger("faststream.app"),
    )


def serve(app: Any, host: str, port: int) -> None:
    """Run an ASGI app (worker or HTTP API) in this process until SIGINT/SIGTERM."""
    uvicorn.run(app, host=host, port=port, lifespan="on", log_config=None, access_log=False)
