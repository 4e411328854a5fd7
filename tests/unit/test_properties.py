"""Property-based tests (hypothesis) of id canonicalisation and the message contracts."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.ingest.identity import article_id, canonical_url, revision
from services.ingest.schemas import ArticleIn
from services.ingest.submit import to_message
from shared.messages import ArticleSubmitted

pytestmark = pytest.mark.unit

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
params = st.lists(
    st.tuples(st.one_of(segment, st.sampled_from(["utm_source", "UTM_Medium", "fbclid", "gclid", "ref_src"])), segment),
    max_size=6,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = ".".join(draw(st.lists(segment, min_size=2, max_size=3)))
    path = "/".join(draw(st.lists(segment, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(params))
    fragment = draw(st.one_of(st.just(""), segment))
    return f"{scheme}://{host.upper() if draw(st.booleans()) else host}/{path}" + (f"?{query}" if query else "") + (
        f"#{fragment}" if fragment else ""
    )


@given(urls())
def test_canonical_url_is_idempotent_and_drops_tracking(url: str) -> None:
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    # Names, not substrings: a generated host or path may well contain "fbclid" ("http://0.fbclid/").
    keys = [key.lower() for key, _ in parse_qsl(urlsplit(canonical).query, keep_blank_values=True)]
    assert "#" not in canonical and not any(key.startswith("utm_") or key == "fbclid" for key in keys)
    assert canonical.split("://")[1].split("/")[0] == canonical.split("://")[1].split("/")[0].lower()


@given(urls(), st.text(max_size=50), st.text(max_size=200))
def test_url_ids_ignore_content_and_content_ids_ignore_whitespace(url: str, title: str, text: str) -> None:
    assert article_id(canonical_url(url), title, text) == article_id(canonical_url(url), "other", "other")
    assert article_id(None, title, text) == article_id(None, f"  {title} ", text.replace(" ", "  "))
    assert revision(title, text) == revision(title, f"\n{text}\t")


@settings(max_examples=200)
@given(
    st.one_of(
        # Anything at all under the known (and one unknown) keys: mostly refusals.
        st.dictionaries(
            st.sampled_from(["title", "text", "url", "source", "language", "published_at", "metadata", "extra"]),
            st.one_of(st.text(), st.integers(), st.none(), st.dictionaries(st.text(), st.text(), max_size=2)),
        ),
        # Articles with arbitrary Unicode (control characters, NUL, RTL, emoji) in every text field: mostly accepted.
        st.fixed_dictionaries(
            {"title": st.text(min_size=1, max_size=80), "text": st.text(min_size=1, max_size=400)},
            optional={
                "url": urls(),
                "source": st.text(max_size=40),
                "metadata": st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
            },
        ),
    )
)
def test_any_json_object_is_either_refused_or_becomes_a_round_tripping_message(body: dict) -> None:
    try:
        article = ArticleIn.model_validate(body)
    except ValidationError:
        return
    message = to_message(article, "req")
    assert "\x00" not in message.text and "\x00" not in message.title
    assert ArticleSubmitted.model_validate_json(message.model_dump_json()) == message
