"""The `newsflow` command as a user runs it: `extract` and `eval`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def newsflow(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsflow", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_extract_writes_one_line_per_input_with_entities_events_and_places() -> None:
    seed = (ROOT / "seeds" / "000_4c00a9e13c3a665f.txt").read_text()
    lines = [
        json.dumps({"id": "seed", "text": seed, "published_at": "2025-01-15T10:00:00Z"}),
        "not json",
        json.dumps({"id": "empty", "text": ""}),
    ]
    result = newsflow("extract", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1  # the broken line is reported, the others still processed
    assert "line 2" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["seed", "empty"]
    seed_out = out[0]
    assert {e["country"] for e in seed_out["entities"]} >= {"PAK", "IRN", "QAT"}
    visit = next(e for e in seed_out["events"] if e["code"] == "042")
    assert visit["source"]["country"] == "PAK" and visit["target"]["country"] == "IRN"
    assert visit["location_text"] == "Tehran" and visit["date"] == "2025-01-15"
    tehran = next(p for p in seed_out["places"] if p["name"] == "Tehran")
    assert {"start", "end", "name", "lat", "lon", "country"} <= tehran.keys() and tehran["country"] == "IRN"
    assert out[1]["entities"] == [] and out[1]["events"] == []


def test_eval_events_on_the_dev_set_meets_the_targets() -> None:
    result = newsflow("eval", "events", "tests/data/events_dev.jsonl")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["sentences"] >= 80
    assert figures["root"]["precision"] >= 0.70 and figures["root"]["recall"] >= 0.60


def test_eval_places_on_the_dev_set_meets_the_targets() -> None:
    result = newsflow("eval", "places", "tests/data/places_dev.jsonl")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["found"] >= 0.80 and figures["within_161km"] >= 0.85


CORPUS = ROOT.parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "wikinews_en_2019_2020.jsonl").exists(), reason="the news corpus is not beside the repository"
)


@needs_corpus
def test_eval_reads_the_real_news_gold_from_the_corpus() -> None:
    # A floor, not the targets: it catches a change that breaks the coder on real text, whose figures the README
    # states; the targets themselves are not met on real news yet.
    result = newsflow("eval", "events", "tests/data/events_realnews_dev.jsonl", "--corpus", str(CORPUS))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["sentences"] == 195
    assert figures["root"]["precision"] >= 0.6 and figures["root"]["recall"] >= 0.2
    result = newsflow("eval", "places", "tests/data/places_realnews.jsonl", "--corpus", str(CORPUS))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["toponyms"] == 105 and figures["found"] >= 0.75 and figures["within_161km"] >= 0.85
