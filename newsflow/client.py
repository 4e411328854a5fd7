"""Posting articles to the ingest service in batches: shared by `newsflow ingest` and `newsflow up`'s seeding."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import httpx


@dataclass
class PostResult:
    """Totals over all batches, and the first few refusals to show the user."""

    accepted: int = 0
    duplicates: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)


def chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def post_batches(
    ingest_url: str,
    articles: Iterable[dict[str, Any]],
    batch_size: int = 200,
    progress: Any = None,
    api_key: str | None = None,
) -> PostResult:
    """Post articles to `/articles/batch`, `batch_size` at a time."""
    result = PostResult()
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=ingest_url, timeout=60, headers=headers) as http:
        for chunk in chunks(articles, batch_size):
            response = http.post("/articles/batch", json=chunk)
            if response.status_code != 202:
                raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:500]}")
            body = response.json()
            result.accepted += body["accepted"]
            result.duplicates += body["duplicates"]
            result.invalid += body["invalid"]
            for item in body["items"]:
                if item["status"] == "invalid" and len(result.errors) < 5:
                    result.errors.append(f"entry {item['index']}: {item['errors']}")
            if progress is not None:
                progress.update(len(chunk))
    return result
