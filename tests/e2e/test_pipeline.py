"""End to end: post over HTTP to ingest, read back from the API, with every service a real process.

The tests run in order on one pipeline: the first one posts while no NLP worker exists yet.
"""

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_4c00a9e13c3a665f.txt"
EARLY = {
    "title": "Ceasefire talks resume in Cairo",
    "text": "Egyptian mediators hosted Israeli and Palestinian negotiators in Cairo on Sunday.",
    "url": "https://news.example.org/2024/cairo-talks?utm_source=rss",
    "source": "Example Wire",
    "published_at": "2024-03-03T08:00:00Z",
}


def wait_for_status(api: str, article_id: str, status: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = httpx.get(f"{api}/articles/{article_id}")
        if response.status_code == 200:
            body = response.json()
            if body["status"] == status:
                return body
        time.sleep(0.25)
    raise AssertionError(f"article {article_id} not {status} after {timeout}s; last: {body.get('status')}")


def test_article_posted_while_no_nlp_worker_runs_is_enriched_once_one_starts(pipeline: Pipeline) -> None:
    response = httpx.post(f"{pipeline.ingest.url}/articles", json=EARLY)
    assert response.status_code == 202
    article_id = response.json()["id"]
    pending = wait_for_status(pipeline.api.url, article_id, "pending", timeout=30)
    assert pending["title"] == EARLY["title"] and pending["entities"] == []

    pipeline.add_nlp_worker()
    enriched = wait_for_status(pipeline.api.url, article_id, "enriched")
    names = {(e["name"], e["country"]) for e in enriched["entities"]}
    assert ("Cairo", "EGY") in names


def test_seed_article_is_enriched_with_countries(pipeline: Pipeline) -> None:
    text = SEED.read_text()
    started = time.monotonic()
    response = httpx.post(
        f"{pipeline.ingest.url}/articles",
        json={"title": "Pakistani Army Chief visits Tehran", "text": text, "source": "seed",
              "published_at": "2025-01-15T10:00:00Z"},
    )
    assert response.status_code == 202
    article = wait_for_status(pipeline.api.url, response.json()["id"], "enriched")
    print(f"seed article: 202 -> enriched in {time.monotonic() - started:.2f}s")

    entities = article["entities"]
    for entity in entities:
        assert text[entity["start"]:entity["end"]] == entity["text"]
    countries = {e["country"] for e in entities}
    assert {"PAK", "IRN", "QAT"} <= countries
    resolved = {e["text"]: e["country"] for e in entities if e["label"] == "GPE"}
    assert resolved.get("Tehran") == "IRN"
    assert resolved.get("Doha") == "QAT"
    assert any(e["label"] == "NORP" and e["country"] == "PAK" for e in entities)


def test_search_finds_the_seed_and_entities_rank_its_countries(pipeline: Pipeline) -> None:
    found = httpx.get(f"{pipeline.api.url}/articles", params={"q": "memorandum"}).json()
    assert [item["title"] for item in found["items"]] == ["Pakistani Army Chief visits Tehran"]

    by_country = httpx.get(f"{pipeline.api.url}/articles", params={"country": "QAT"}).json()
    assert [item["title"] for item in by_country["items"]] == ["Pakistani Army Chief visits Tehran"]

    top = httpx.get(f"{pipeline.api.url}/entities", params={"label": "GPE"}).json()["items"]
    top_countries = {item["country"] for item in top[:8]}
    assert {"PAK", "IRN", "QAT"} <= top_countries


def test_same_article_posted_twice_is_stored_once(pipeline: Pipeline) -> None:
    first = httpx.post(f"{pipeline.ingest.url}/articles", json=EARLY).json()
    decorated = {**EARLY, "url": "https://NEWS.example.org/2024/cairo-talks#top"}
    second = httpx.post(f"{pipeline.ingest.url}/articles", json=decorated).json()
    assert first["id"] == second["id"]
    assert first["duplicate"] is True and second["duplicate"] is True
    listed = httpx.get(f"{pipeline.api.url}/articles", params={"q": "Cairo negotiators"}).json()["items"]
    assert [item["id"] for item in listed] == [first["id"]]


def test_unknown_article_is_a_json_404(pipeline: Pipeline) -> None:
    response = httpx.get(f"{pipeline.api.url}/articles/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_newsflow_ingest_posts_txt_json_and_jsonl_files(pipeline: Pipeline, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("Floods hit Dhaka\n\nRain flooded Dhaka on Friday, officials said.")
    (tmp_path / "b.json").write_text(json.dumps({"title": "Vote in Lima", "text": "Peruvians voted in Lima."}))
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"title": "Summit in Nairobi", "text": "Kenyan hosts opened the summit in Nairobi."}) + "\n"
        + json.dumps({"title": "broken", "text": ""}) + "\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "newsflow", "ingest", str(tmp_path), "--url", pipeline.ingest.url, "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1  # one entry was invalid, and the user is told which
    assert "3 accepted, 0 duplicates, 1 invalid" in result.stdout
    assert "entry" in result.stderr
    found = httpx.get(f"{pipeline.api.url}/articles", params={"q": "Dhaka"}).json()["items"]
    assert [item["title"] for item in found] == ["Floods hit Dhaka"]


def test_poison_article_is_dead_lettered_and_marked_failed_without_blocking_others(pipeline: Pipeline) -> None:
    import asyncio

    from redis.asyncio import Redis

    from shared.broker import publish_many
    from shared.messages import ArticleSubmitted
    from shared.streams import ARTICLES_DEAD, ARTICLES_SUBMITTED

    # A message from a newer producer that this NLP worker refuses to guess at: it keeps failing.
    poison = ArticleSubmitted(
        article_id="poison-1", revision="p1", title="From the future", text="Qatari envoys met in Doha.",
        schema_version=99,
    )

    async def inject() -> None:
        redis = Redis.from_url(pipeline.redis_url)
        await publish_many(redis, ARTICLES_SUBMITTED, [poison])
        await redis.aclose()

    asyncio.run(inject())
    good = httpx.post(f"{pipeline.ingest.url}/articles", json={"title": "After the poison", "text": "Omani diplomats"
                      " arrived in Muscat."}).json()
    wait_for_status(pipeline.api.url, good["id"], "enriched", timeout=60)
    failed = wait_for_status(pipeline.api.url, "poison-1", "failed", timeout=60)
    assert "schema_version 99" in failed["error"] and "2 deliveries" in failed["error"]

    async def dead_letters() -> int:
        redis = Redis.from_url(pipeline.redis_url)
        count = await redis.xlen(ARTICLES_DEAD)
        await redis.aclose()
        return int(count)

    assert asyncio.run(dead_letters()) == 1


def test_newsflow_dlq_lists_and_replays_the_dead_letter(pipeline: Pipeline) -> None:
    import subprocess
    import sys

    def dlq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "newsflow", "dlq", "--url", pipeline.ingest.url, *args],
            capture_output=True, text=True, timeout=60,
        )

    listed = dlq("list")
    assert listed.returncode == 0, listed.stderr
    assert "1 dead letter(s)" in listed.stdout and "article=poison-1" in listed.stdout
    dead_id = listed.stdout.split()[0]
    replayed = dlq("replay", dead_id)
    assert replayed.returncode == 0 and "replayed 1; not found: none" in replayed.stdout
    # The replayed poison goes through the pipeline again, fails its retries again, and is dead-lettered anew.
    deadline = time.monotonic() + 60
    relisted = dlq("list").stdout
    while dead_id in relisted or "1 dead letter(s)" not in relisted:
        assert time.monotonic() < deadline, relisted
        time.sleep(0.5)
        relisted = dlq("list").stdout
    assert dlq("replay").returncode == 2  # neither ids nor --all: refused with a message


def test_redis_emptied_workers_restart_recreate_groups_and_process_again(pipeline: Pipeline) -> None:
    import asyncio

    from redis.asyncio import Redis

    from shared.streams import ARTICLES_SUBMITTED

    async def flush_and_wait_for_groups() -> set[str]:
        redis = Redis.from_url(pipeline.redis_url)
        await redis.flushall()
        deadline = time.monotonic() + 60
        groups: set[str] = set()
        while time.monotonic() < deadline and groups != {"nlp", "store"}:
            await asyncio.sleep(0.5)
            if await redis.exists(ARTICLES_SUBMITTED):
                groups = {g["name"].decode() for g in await redis.xinfo_groups(ARTICLES_SUBMITTED)}
        await redis.aclose()
        return groups

    assert asyncio.run(flush_and_wait_for_groups()) == {"nlp", "store"}
    pipeline.supervisor.wait_ready(timeout=60)
    article = {"title": "After the flush", "text": "Chilean ministers visited Santiago's port on Tuesday."}
    response = httpx.post(f"{pipeline.ingest.url}/articles", json=article)
    assert response.status_code == 202
    wait_for_status(pipeline.api.url, response.json()["id"], "enriched", timeout=60)


def test_every_service_serves_prometheus_metrics(pipeline: Pipeline) -> None:
    nlp = next(s for s in pipeline.supervisor.services if s.name.startswith("nlp"))
    texts = {s.name: httpx.get(f"{s.url}/metrics").text for s in (pipeline.ingest, pipeline.api, pipeline.store, nlp)}
    assert 'newsflow_articles_processed_total{service="nlp"}' in texts[nlp.name]
    assert 'newsflow_articles_processed_total{service="store"}' in texts["store"]
    assert 'newsflow_group_pending{group="nlp",stream="articles.submitted"}' in texts["ingest"]
    assert 'newsflow_stream_length{stream="articles.submitted"}' in texts[nlp.name]
    assert "faststream_received_messages_total" in texts["store"]  # FastStream's own middleware
    processed = [line for line in texts[nlp.name].splitlines() if line.startswith("newsflow_articles_processed_total")]
    assert float(processed[0].split()[-1]) >= 1
