"""Article identity: canonical URLs, ids and revisions."""

import pytest

from services.ingest.identity import article_id, canonical_url, revision

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG/News/A?b=2&a=1#top", "https://example.org/News/A?a=1&b=2"),
        ("https://example.org/a?utm_source=x&utm_medium=y&id=7&fbclid=abc", "https://example.org/a?id=7"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
        ("https://user:secret@example.org/a", "https://example.org/a"),
        ("https://example.org/a?gclid=1&UTM_Campaign=2", "https://example.org/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_same_article_under_decorated_urls_has_one_id() -> None:
    a = article_id(canonical_url("https://Example.org/x?utm_source=tw#c"), "T", "one")
    b = article_id(canonical_url("https://example.org/x"), "T", "two")
    assert a == b


def test_id_without_url_comes_from_content() -> None:
    assert article_id(None, "Title", "Body  text") == article_id(None, "Title", "Body text\n")
    assert article_id(None, "Title", "Body text") != article_id(None, "Title", "Other text")
    assert article_id(None, "Title", "x") != article_id("https://example.org/", "Title", "x")


def test_revision_ignores_whitespace_but_not_words() -> None:
    assert revision("T", "A  b\n\nc ") == revision("T", "A b c")
    assert revision("T", "A b c") != revision("T", "A b d")
    assert revision("T", "A b c") != revision("U", "A b c")
