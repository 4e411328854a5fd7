"""Prometheus metrics of every service, served at `/metrics` in the text exposition format.

Our own: articles processed, failures and processing seconds per service, and — read from Redis at scrape time —
each stream's length and each consumer group's lag and pending count. FastStream's Prometheus middleware adds
its per-message metrics on the workers.
"""

import logging

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.streams import ARTICLES_DEAD, ARTICLES_ENRICHED, ARTICLES_SUBMITTED, EVENTS_EXTRACTED

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
"""One registry per process, so tests and several apps in one process never clash with the global default."""

ARTICLES_PROCESSED = Counter(
    "newsflow_articles_processed", "Articles (or messages) a service finished processing.", ["service"],
    registry=REGISTRY,
)
FAILURES = Counter("newsflow_failures", "Batches or messages that failed (and stay pending).", ["service"],
                   registry=REGISTRY)
PROCESSING_SECONDS = Histogram(
    "newsflow_processing_seconds", "Seconds spent processing one batch.", ["service"], registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)

STREAMS = (ARTICLES_SUBMITTED, ARTICLES_ENRICHED, EVENTS_EXTRACTED, ARTICLES_DEAD)


class StreamCollector(Collector):
    """Stream lengths and group lag/pending, read from Redis when scraped (a few commands, once per scrape)."""

    def __init__(self, redis_url: str) -> None:
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)

    def collect(self):  # type: ignore[no-untyped-def]
        length = GaugeMetricFamily("newsflow_stream_length", "Entries in a stream.", labels=["stream"])
        lag = GaugeMetricFamily("newsflow_group_lag", "Entries a group has not read yet.", labels=["stream", "group"])
        pending = GaugeMetricFamily(
            "newsflow_group_pending", "Entries a group read but has not acknowledged.", labels=["stream", "group"]
        )
        try:
            for stream in STREAMS:
                if not self._redis.exists(stream):
                    continue
                length.add_metric([stream], self._redis.xlen(stream))
                for group in self._redis.xinfo_groups(stream):
                    name = group["name"].decode() if isinstance(group["name"], bytes) else group["name"]
                    if group.get("lag") is not None:
                        lag.add_metric([stream, name], group["lag"])
                    pending.add_metric([stream, name], group["pending"])
        except redis.RedisError as exc:
            log.warning("metrics: cannot read streams: %s", exc)
        yield length
        yield lag
        yield pending


_registered: set[str] = set()


def watch_streams(redis_url: str) -> None:
    """Add the stream gauges to the registry (once per process)."""
    if redis_url not in _registered:
        REGISTRY.register(StreamCollector(redis_url))
        _registered.add(redis_url)


def exposition() -> bytes:
    return generate_latest(REGISTRY)


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
