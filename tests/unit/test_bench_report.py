"""The benchmark report: the table and verdicts rendered from a results dict (no measurement involved)."""

from pathlib import Path

import orjson
import pytest

from bench.report import render_markdown, rows, write

pytestmark = pytest.mark.unit

RESULTS = {
    "mode": "quick",
    "started_at": "2025-01-01T00:00:00+00:00",
    "machine": {"cpu_model": "Test CPU", "logical_cores": 2, "load_average_start": [1.0, 0.5, 0.2]},
    "corpus": {"origin": "synthetic: 10 generated articles", "words": 4000},
    "plan": {"stored_articles": 5000},
    "phases": {
        "limit": {"articles": 96, "articles_per_s": 8.0, "words_per_s": 3500.0},
        "pipeline_1": {"articles": 96, "steady": 7.6, "end_to_end": 7.0, "articles_per_s": 7.6},
        "pipeline_2": {"articles": 192, "steady": 14.0, "end_to_end": 13.0, "articles_per_s": 14.0,
                       "cpu_cores_used": {"nlp": 0.95, "nlp-2": 0.9, "store": 0.05}},
        "latency": {"offered_rate": 3.8, "n": 38, "p50": 0.3, "p95": 0.9, "p99": 1.2, "latencies_s": [0.3] * 38},
        "ingest": {"concurrency_single": 32, "batch_size": 100, "concurrency_batch": 4,
                   "ingest_single": {"articles_per_s": 800.0}, "bare_single": {"articles_per_s": 2000.0},
                   "ingest_batch": {"articles_per_s": 6000.0}, "bare_batch": {"articles_per_s": 30000.0}},
        "query": {"stored_articles": 5000,
                  "articles_q": {"n": 40, "p50": 0.01, "p99": 0.03, "statuses": {"200": 40}, "not_found": False},
                  "entities": {"n": 40, "p50": 0.09, "p99": 0.4, "statuses": {"200": 40}, "not_found": False},
                  "events": {"latencies_s": [], "statuses": {"404": 1}, "not_found": True}},
        "memory": {"rss_first": {"articles": 200, "rss_mib": 500.0}, "rss_last": {"articles": 1000, "rss_mib": 505.0},
                   "growth_percent": 1.0, "short_articles": 800, "series": [(200, 500.0), (1000, 505.0)]},
        "baseline": {"articles_per_s": 5.0, "concurrency": 32},
    },
    "ratios": {"pipeline_1_vs_limit": 0.95, "pipeline_2_vs_pipeline_1": 1.84, "pipeline_2_vs_2x_limit": 0.875,
               "pipeline_1_vs_baseline": 1.52, "pipeline_2_vs_baseline": 2.8},
}



def test_every_measure_has_a_row_with_a_verdict_against_its_target() -> None:
    table = rows(RESULTS)
    by_start = {measure: (result, verdict) for measure, result, _, verdict in table}
    assert len(table) == 11  # limit, 2 pipelines, latency, 2 ingest, 3 queries, memory, baseline
    pipeline_1 = next(v for m, v in by_start.items() if m.startswith("2. Pipeline, 1"))
    assert pipeline_1[1] == "met" and "0.95 × limit" in pipeline_1[0]
    single = next(v for m, v in by_start.items() if m.startswith("4. Ingest `POST /articles` "))
    assert single[1] == "**missed**" and "0.40 × bare" in single[0]
    entities = next(v for m, v in by_start.items() if "/entities" in m)
    assert entities[1] == "**missed**"
    events = next(v for m, v in by_start.items() if "/events" in m)
    assert events == ("n/a (endpoint answers 404 in this version)", "n/a")


def test_markdown_states_machine_corpus_load_and_quick_mode() -> None:
    text = render_markdown(RESULTS, ["throughput.png"])
    assert "Test CPU" in text
    assert "synthetic: 10 generated articles" in text
    assert "[1.0, 0.5, 0.2]" in text
    assert "Quick run" in text and "5,000 stored articles" in text
    assert "![throughput](throughput.png)" in text
    assert "nlp 0.95" in text


def test_write_produces_json_and_markdown(tmp_path: Path) -> None:
    paths = write(dict(RESULTS), tmp_path)
    assert orjson.loads(paths["json"].read_bytes())["phases"]["limit"]["articles_per_s"] == 8.0
    assert paths["md"].read_text().startswith("# Newsflow benchmark")
