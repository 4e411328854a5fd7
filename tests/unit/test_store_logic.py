"""The store's pure logic: which message of a batch wins, what is cleaned, which migration files count."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.store.migrate import available, latest_version
from services.store.repository import _clean, _latest_enrichments, _latest_submissions, content_hash
from shared.messages import ArticleEnriched, ArticleSubmitted

pytestmark = pytest.mark.unit

T0 = datetime(2024, 5, 2, tzinfo=UTC)


def sub(article_id: str, revision: str, at: datetime) -> ArticleSubmitted:
    return ArticleSubmitted(article_id=article_id, revision=revision, title="t", text="x", received_at=at)


def enr(article_id: str, revision: str, at: datetime) -> ArticleEnriched:
    return ArticleEnriched(article_id=article_id, revision=revision, language="en", model="m", occurred_at=at)


def test_latest_submission_per_article_by_arrival_then_revision() -> None:
    batch = [sub("a", "r2", T0 + timedelta(1)), sub("a", "r1", T0), sub("b", "ra", T0), sub("b", "rb", T0)]
    assert sorted((m.article_id, m.revision) for m in _latest_submissions(batch)) == [("a", "r2"), ("b", "rb")]


def test_latest_enrichment_per_revision_by_occurrence() -> None:
    batch = [enr("a", "r1", T0), enr("a", "r1", T0 + timedelta(1)), enr("a", "r2", T0)]
    latest = {(m.revision, m.occurred_at) for m in _latest_enrichments(batch)}
    assert latest == {("r1", T0 + timedelta(1)), ("r2", T0)}


def test_clean_replaces_nul_keeping_offsets_everywhere() -> None:
    value = {"k\x00": ["a\x00b", 1, None, {"n": "\x00"}]}
    assert _clean(value) == {"k\ufffd": ["a\ufffdb", 1, None, {"n": "\ufffd"}]}
    assert _clean("plain") == "plain"


def test_content_hash_depends_on_exact_title_and_text() -> None:
    assert content_hash("a", "b") != content_hash("a ", "b")
    assert len(content_hash("a", "b")) == 64


def test_only_numbered_sql_files_are_migrations_in_order(tmp_path: Path) -> None:
    for name in ("0002_more.sql", "0001_initial.sql", "README.sql", "0010_late.sql", "notes.txt"):
        (tmp_path / name).write_text("SELECT 1;")
    assert [m.version for m in available(tmp_path)] == ["0001_initial", "0002_more", "0010_late"]
    assert latest_version(tmp_path) == "0010_late"


def test_shipped_migrations_start_with_the_initial_schema() -> None:
    assert available()[0].version == "0001_initial"
