"""HTTP load generators: closed-loop posting at fixed concurrency, paced posting with latency tracking, and
sequential query timing.

Consumes pre-serialised request bodies (so the driver's own JSON encoding is not what is measured) and service
URLs; produces counts, elapsed seconds and latency lists for `bench.run` to turn into figures.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

JSON = {"content-type": "application/json"}


HEADERS: dict[str, str] = {}
"""Sent with every request: `bench.run` puts the run's API key here (`Authorization: Bearer ...`)."""


def client(concurrency: int, base_url: str = "", timeout: float = 120.0) -> httpx.AsyncClient:
    """A keep-alive client with one pooled connection per concurrent request, as a real client would use."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout, headers=HEADERS)


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client connection: one request at a time, `Content-Length` bodies only.

    Why not httpx here: on this machine an httpx.AsyncClient tops out near 250 requests/s on one core, so the
    driver, not the server, set the ingest figures. This costs a fraction of that per request. It is enough for
    uvicorn's answers (always `Content-Length`), and anything else is reported as an error, never misread.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        """POST `body` as JSON; returns the status code (the answer's body is read and dropped)."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        auth = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\ncontent-type: application/json\r\n"
                f"{auth}content-length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = None
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise ValueError("answer without Content-Length")
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def closed_loop(url: str, bodies: Sequence[bytes], concurrency: int, expect: int = 202) -> dict[str, Any]:
    """POST every body to `url`, `concurrency` requests in flight at all times (one keep-alive connection
    each); returns counts and elapsed seconds.

    Closed loop (a new request as soon as one answers) measures capacity: the rate at which the server
    answers when it is never idle.
    """
    statuses: Counter[str] = Counter()
    pending = iter(bodies)
    target = urlsplit(url)
    host, port, path = target.hostname or "127.0.0.1", target.port or 80, target.path or "/"

    async def worker() -> None:
        connection = RawConnection(host, port)
        try:
            # One shared iterator: next() never interleaves within a single event loop, so no body is sent twice.
            for body in pending:
                try:
                    statuses[str(await connection.post(path, body))] += 1
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    statuses[type(exc).__name__] += 1
                    await connection.close()
                    connection = RawConnection(host, port)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": len(bodies), "ok": statuses[str(expect)], "elapsed_s": elapsed, "statuses": dict(statuses)}


async def paced_latency(
    ingest_url: str,
    api_url: str,
    bodies: Sequence[bytes],
    rate: float,
    enriched: Callable[[list[str]], Awaitable[set[str]]],
    poll_s: float = 0.05,
    give_up_s: float = 120.0,
) -> dict[str, Any]:
    """POST `bodies` one at a time at `rate` per second (open loop) and time each from its `202` until it is
    stored and enriched; then confirm through `GET /articles/{id}` that the API serves each as enriched.

    Open loop (requests sent on a schedule, whatever the answers) is how latency under a given load is measured:
    a closed loop would slow down with the server and hide the queueing. Completion is watched with one query
    of the row the API reads (`enriched(ids)`) every `poll_s` for all articles in flight, not one API request per
    article per poll: that polling grew with the backlog and took, on two cores, the CPU the NLP worker needed,
    so it measured itself. The latency's resolution is `poll_s`.
    """
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    in_flight: dict[str, float] = {}  # article id -> when its 202 arrived
    confirmed: list[str] = []
    sending = True

    async def one(http: httpx.AsyncClient, body: bytes) -> None:
        try:
            response = await http.post(f"{ingest_url}/articles", content=body, headers=JSON)
        except httpx.HTTPError as exc:
            failures[f"post {type(exc).__name__}"] += 1
            return
        if response.status_code != 202:
            failures[f"post {response.status_code}"] += 1
            return
        in_flight[response.json()["id"]] = time.perf_counter()

    async def watch() -> None:
        while sending or in_flight:
            await asyncio.sleep(poll_s)
            if not in_flight:
                continue
            done = await enriched(list(in_flight))
            now = time.perf_counter()
            for article_id in done:
                latencies.append(now - in_flight.pop(article_id))
                confirmed.append(article_id)
            for article_id, accepted in list(in_flight.items()):
                if now - accepted > give_up_s:
                    del in_flight[article_id]
                    failures["not enriched in time"] += 1

    async with client(8, timeout=30) as http:
        watcher = asyncio.create_task(watch())
        tasks = []
        started = time.perf_counter()
        for index, body in enumerate(bodies):
            # Sleep to each send's scheduled time rather than a fixed interval, so that slow sends do not drift.
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(http, body)))
        await asyncio.gather(*tasks)
        sent_s = time.perf_counter() - started
        sending = False
        await watcher
        for article_id in confirmed:
            got = await http.get(f"{api_url}/articles/{article_id}")
            if got.status_code != 200 or got.json().get("status") != "enriched":
                failures[f"API answered {got.status_code} / not enriched"] += 1
    return {
        "latencies_s": latencies,
        "failures": dict(failures),
        "offered_rate": rate,
        "sent_rate": len(bodies) / sent_s if sent_s > 0 else None,
        "poll_s": poll_s,
        "confirmed_via_api": len(confirmed) - sum(v for k, v in failures.items() if k.startswith("API")),
    }


async def query_latencies(
    base_url: str, paths: Sequence[str], repeats: int, budget_s: float, warmup: int = 3
) -> dict[str, Any]:
    """GET `paths` (cycled) one request at a time, up to `repeats` requests or `budget_s` seconds.

    Sequential, so each figure is the time of one query on an otherwise idle API. Returns the latencies of the
    `200` answers and the counts of every status; `not_found` is set when the first answer is a 404 (an
    endpoint that does not exist in this version).
    """
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    async with client(1, base_url=base_url, timeout=30) as http:
        first = await http.get(paths[0])
        if first.status_code == 404:
            return {"latencies_s": [], "statuses": {"404": 1}, "not_found": True}
        for index in range(warmup):
            await http.get(paths[index % len(paths)])
        deadline = time.perf_counter() + budget_s
        for index in range(repeats):
            if time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            try:
                response = await http.get(paths[index % len(paths)])
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
                continue
            elapsed = time.perf_counter() - started
            statuses[str(response.status_code)] += 1
            if response.status_code == 200:
                latencies.append(elapsed)
    return {"latencies_s": latencies, "statuses": dict(statuses), "not_found": False}
