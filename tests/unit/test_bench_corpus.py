"""The benchmark corpus: reading JSON Lines, the synthetic fallback, and the bodies posted."""

from pathlib import Path

import orjson
import pytest

from bench.corpus import article_body, lead, load_corpus, memory_body, novel_name, read_jsonl, synthetic_articles

pytestmark = pytest.mark.unit


def test_real_corpus_is_read_in_a_fixed_mixed_order(tmp_path: Path) -> None:
    for name in ("a", "b"):
        lines = [orjson.dumps({"id": f"{name}-{i}", "title": f"T {i}", "text": f"Text {name} {i} in Paris."})
                 for i in range(5)]
        (tmp_path / f"{name}.jsonl").write_bytes(b"\n".join(lines))
    corpus = load_corpus(tmp_path)
    assert not corpus.synthetic
    assert len(corpus.articles) == 10
    assert "real" in corpus.origin
    assert [a.id for a in corpus.articles] == [a.id for a in load_corpus(tmp_path).articles]
    assert {a.id[0] for a in corpus.articles[:5]} == {"a", "b"}  # a prefix mixes the files


def test_missing_corpus_falls_back_to_synthetic_articles(tmp_path: Path) -> None:
    corpus = load_corpus(tmp_path / "absent", synthetic_count=20)
    assert corpus.synthetic
    assert "synthetic" in corpus.origin
    assert len(corpus.articles) == 20
    assert all(250 <= a.words <= 700 for a in corpus.articles)
    assert synthetic_articles(3, seed=1) == synthetic_articles(3, seed=1)


def test_bad_lines_are_skipped() -> None:
    lines = [b"not json", b"[1, 2]", b'{"title": "no text"}', b'{"text": "   "}', b"", b'{"text": "Kept."}']
    articles = read_jsonl(lines, "f")
    assert [a.text for a in articles] == ["Kept."]
    assert articles[0].id == "f-6"


def test_take_cycles_through_a_small_corpus(tmp_path: Path) -> None:
    corpus = load_corpus(tmp_path / "absent", synthetic_count=3)
    assert [a.id for a in corpus.take(7)] == [a.id for a in corpus.articles * 3][:7]


def test_bodies_get_a_new_identity_per_phase_and_index() -> None:
    article = synthetic_articles(1)[0]
    first, second = article_body(article, "bench-x-p1", 0), article_body(article, "bench-x-p2", 0)
    assert first["url"] != second["url"]
    assert first["text"] == article.text
    assert first["source"] == "bench-x-p1"


def test_memory_bodies_are_short_and_name_someone_new() -> None:
    article = synthetic_articles(1)[0]
    bodies = [memory_body(article, "m", i) for i in range(3)]
    assert all(len(b["text"].split()) < 120 for b in bodies)
    assert len({b["text"] for b in bodies}) == 3
    assert len({novel_name(i) for i in range(50_000)}) == 50_000


def test_lead_cuts_after_a_sentence() -> None:
    text = "First sentence here. Second sentence is a bit longer than the first one. Third."
    assert lead(text, 40) == "First sentence here."
    assert lead("short", 40) == "short"
