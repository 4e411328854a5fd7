"""The read API against a real PostgreSQL seeded through the store's repository: what a client gets back for
lookups, searches, filters, pagination and bad input."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from newsflow.embedded import free_port
from services.api.main import create_app
from services.api.settings import ApiSettings
from services.store.migrate import migrate
from services.store.repository import save_enriched, save_submitted
from shared.auth import key_entry
from shared.messages import ArticleEnriched, ArticleSubmitted, EntityMention

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FILLERS = 37


def mention(text: str, body: str, label: str, name: str, country: str | None) -> EntityMention:
    start = body.index(text)
    return EntityMention(text=text, label=label, start=start, end=start + len(text), name=name, country=country)


ARMY = "The Pakistani Army Chief visited Tehran on Monday and met officials."
TALKS = "Talks in Tehran stalled. Tehran said the memorandum on Tehran trade was not ready."
DOHA = "Leaders gathered in Doha, Qatar, for a summit on energy."


def articles() -> tuple[list[ArticleSubmitted], list[ArticleEnriched]]:
    subs = [
        ArticleSubmitted(article_id="army", revision="r1", title="Army chief visits Tehran", text=ARMY,
                         source="Example Times", url="https://example.org/army", published_at=T0,
                         received_at=T0 + timedelta(hours=1), metadata={"section": "world"}),
        ArticleSubmitted(article_id="talks", revision="r1", title="Tehran talks stall", text=TALKS, source="Wire",
                         published_at=T0 + timedelta(days=1), received_at=T0 + timedelta(days=1)),
        # No publication date: dated by arrival.
        ArticleSubmitted(article_id="doha", revision="r1", title="Doha hosts summit", text=DOHA, source="Wire",
                         received_at=T0 + timedelta(days=2)),
        ArticleSubmitted(article_id="pending", revision="r1", title="Not enriched yet", text="Tehran waits.",
                         source="Wire", published_at=T0 - timedelta(days=1), received_at=T0),
    ]
    # Fillers share dates in pairs, so pagination must break ties by id.
    subs += [
        ArticleSubmitted(article_id=f"filler-{i:02d}", revision="r1", title=f"Filler story {i}",
                         text="A filler story about weather and markets.", source="Filler",
                         published_at=T0 - timedelta(days=10 + i // 2), received_at=T0)
        for i in range(FILLERS)
    ]
    enriched = [
        ArticleEnriched(article_id="army", revision="r1", language="en", model="test-1", entities=[
            mention("Tehran", ARMY, "GPE", "Tehran", "IRN"),
            mention("Pakistani", ARMY, "NORP", "Pakistan", "PAK"),
        ]),
        ArticleEnriched(article_id="talks", revision="r1", language="en", model="test-1", entities=[
            mention("Tehran", TALKS, "GPE", "Tehran", "IRN"),
        ]),
        ArticleEnriched(article_id="doha", revision="r1", language="en", model="test-1", entities=[
            mention("Doha", DOHA, "GPE", "Doha", "QAT"),
            mention("Qatar", DOHA, "GPE", "Qatar", "QAT"),
        ]),
    ]
    return subs, enriched


@pytest.fixture
async def seeded(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        subs, enriched = articles()
        await save_submitted(conn, subs)
        await save_enriched(conn, enriched)
    finally:
        await conn.close()
    return database_url


READ_KEY = "nf_reader-key"


async def make_client(database_url: str, **extra: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = ApiSettings(
        database_url=database_url, cursor_secret="test-secret", api_keys=key_entry("reader", ["read"], READ_KEY)
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, **extra)
        headers = {"Authorization": f"Bearer {READ_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as http:
            yield http


@pytest.fixture
async def client(seeded: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in make_client(seeded):
        yield http


async def ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/articles", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


async def test_article_with_entities_in_text_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/army")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["title"], body["source"]) == (
        "army", "enriched", "Army chief visits Tehran", "Example Times")
    assert body["text"] == ARMY and body["metadata"] == {"section": "world"}
    assert datetime.fromisoformat(body["published_at"]) == T0
    assert body["enriched_at"] is not None and body["error"] is None
    assert [(e["text"], e["name"], e["country"], e["label"]) for e in body["entities"]] == [
        ("Pakistani", "Pakistan", "PAK", "NORP"), ("Tehran", "Tehran", "IRN", "GPE"),
    ]
    for entity in body["entities"]:
        assert ARMY[entity["start"]:entity["end"]] == entity["text"]


async def test_pending_article_has_no_entities(client: httpx.AsyncClient) -> None:
    body = (await client.get("/articles/pending")).json()
    assert (body["status"], body["entities"], body["enriched_at"]) == ("pending", [], None)


async def test_unknown_article_is_a_json_404(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/articles/no-such-id"), 404, "not_found")
    assert "no-such-id" in error["message"]
    assert_error(await client.get("/no/such/route"), 404, "not_found")


async def test_search_is_ranked_by_relevance(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles", params={"q": "tehran"})
    items = response.json()["items"]
    # Title match and three mentions beat a title match and one; the pending article's text mention is last.
    assert [i["id"] for i in items] == ["talks", "army", "pending"]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert "text" not in items[0]


async def test_search_understands_web_syntax_and_stemming(client: httpx.AsyncClient) -> None:
    assert await ids(client, q="visiting") == ["army"]  # stemmed: visits/visited
    assert sorted(await ids(client, q="tehran -stalled")) == ["army", "pending"]
    assert await ids(client, q='"hosts summit"') == ["doha"]
    assert await ids(client, q="the") == []  # only a stop word: matches nothing, no error


async def test_unsearched_list_is_newest_first_by_publication_else_arrival(client: httpx.AsyncClient) -> None:
    listed = await ids(client, limit=4)
    assert listed == ["doha", "talks", "army", "pending"]
    body = (await client.get("/articles", params={"limit": 4})).json()
    assert body["items"][0]["published_at"] is None and body["next_cursor"]


async def test_filters(client: httpx.AsyncClient) -> None:
    assert await ids(client, entity="TEHRAN") == ["talks", "army"]
    assert await ids(client, entity="Pakistan") == ["army"]
    assert await ids(client, country="qat") == ["doha"]
    assert await ids(client, country="IRN", q="memorandum") == ["talks"]
    assert await ids(client, source="Wire", limit=10) == ["doha", "talks", "pending"]
    day2 = (T0 + timedelta(days=1)).isoformat()
    assert await ids(client, since=day2, limit=10) == ["doha", "talks"]  # inclusive
    assert await ids(client, since=T0.isoformat(), until=day2) == ["army"]  # until exclusive
    # A date without an offset is UTC.
    assert await ids(client, since="2024-05-02T12:00:00", until="2024-05-03T00:00:00") == ["talks"]


async def test_pagination_visits_every_article_once_in_order(client: httpx.AsyncClient) -> None:
    for params in ({}, {"q": "filler story"}, {"source": "Filler"}):
        everything = await ids(client, limit=500, **params)
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            page_params: dict[str, Any] = {**params, "limit": 7, **({"cursor": cursor} if cursor else {})}
            response = await client.get("/articles", params=page_params)
            assert response.status_code == 200, response.text
            body = response.json()
            seen += [item["id"] for item in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == everything, params
        assert len(set(seen)) == len(seen)
        assert pages == -(-len(everything) // 7)
    assert len(await ids(client, limit=500)) == FILLERS + 4


async def test_forged_garbled_or_foreign_cursor_is_422(client: httpx.AsyncClient) -> None:
    cursor = (await client.get("/articles", params={"limit": 2})).json()["next_cursor"]
    payload, signature = cursor.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for bad in (f"{forged_payload}.{signature}", "garbage", cursor[:-3], "é.ü", ".", cursor + "x"):
        error = assert_error(await client.get("/articles", params={"limit": 2, "cursor": bad}), 422,
                             "validation_error")
        assert error["details"][0]["field"] == "query.cursor"
    # A cursor is bound to the query it came from.
    assert_error(await client.get("/articles", params={"limit": 2, "cursor": cursor, "source": "Wire"}), 422,
                 "validation_error")
    # The same query with another page size is fine.
    assert (await client.get("/articles", params={"limit": 5, "cursor": cursor})).status_code == 200


async def test_bad_parameters_are_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    for params, field in (
        ({"limit": 0}, "query.limit"), ({"limit": 501}, "query.limit"), ({"limit": "ten"}, "query.limit"),
        ({"since": "yesterday"}, "query.since"), ({"country": "Iran"}, "query.country"),
    ):
        error = assert_error(await client.get("/articles", params=params), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]
    error = assert_error(await client.get("/entities", params={"limit": -1}), 422, "validation_error")
    assert error["details"][0]["field"] == "query.limit"


async def test_injection_strings_are_just_data(client: httpx.AsyncClient, seeded: str) -> None:
    attacks = ["'; DROP TABLE articles; --", "x' OR '1'='1", "%", "_", "\\", "army' --", "$1", "tehran)) OR ((1=1"]
    for attack in attacks:
        # A search string is text for websearch_to_tsquery: its words may match, its SQL never runs.
        assert (await client.get("/articles", params={"q": attack})).status_code == 200
        for params in ({"entity": attack}, {"source": attack}):
            response = await client.get("/articles", params=params)
            assert response.status_code == 200, (params, response.text)
            assert response.json()["items"] == [], params
        response = await client.get("/entities", params={"q": attack, "label": attack})
        assert response.status_code == 200 and response.json()["items"] == []
        assert_error(await client.get(f"/articles/{attack}"), 404, "not_found")
    assert await ids(client, q="army' --") == ["army"]
    conn = await asyncpg.connect(seeded)
    try:
        assert await conn.fetchval("SELECT count(*) FROM articles") == FILLERS + 4
    finally:
        await conn.close()


async def test_top_entities(client: httpx.AsyncClient) -> None:
    items = (await client.get("/entities")).json()["items"]
    assert items[0] == {"name": "Tehran", "label": "GPE", "country": "IRN", "articles": 2}
    assert {i["name"] for i in items} == {"Tehran", "Pakistan", "Doha", "Qatar"}
    assert [i["name"] for i in (await client.get("/entities", params={"label": "norp"})).json()["items"]] == [
        "Pakistan"]
    assert [i["name"] for i in (await client.get("/entities", params={"country": "QAT"})).json()["items"]] == [
        "Doha", "Qatar"]
    assert [i["name"] for i in (await client.get("/entities", params={"q": "EHR"})).json()["items"]] == ["Tehran"]
    day2 = (T0 + timedelta(days=1)).isoformat()
    counted = (await client.get("/entities", params={"q": "tehran", "until": day2})).json()["items"]
    assert counted == [{"name": "Tehran", "label": "GPE", "country": "IRN", "articles": 1}]


async def test_entities_paginate(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/entities")).json()["items"]
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        body = (await client.get("/entities", params=params)).json()
        seen += body["items"]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == everything
    assert_error(await client.get("/entities", params={**params, "label": "GPE"}), 422, "validation_error")


async def test_health_readiness_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    for path in ("/articles", "/entities", "/articles/{article_id}"):
        for parameter in spec["paths"][path]["get"]["parameters"]:
            assert parameter.get("description"), (path, parameter["name"])
    for name in ("Article", "ArticleSummary", "ArticlePage", "Mention", "EntityCount", "EntityPage"):
        for field, schema in spec["components"]["schemas"][name]["properties"].items():
            assert schema.get("description"), (name, field)


async def test_not_migrated_database_is_not_ready(database_url: str) -> None:
    async for http in make_client(database_url):
        assert_error(await http.get("/readyz"), 503, "unavailable")
        assert_error(await http.get("/articles"), 503, "unavailable")
        assert (await http.get("/healthz")).status_code == 200


async def test_unreachable_database_is_503_not_500() -> None:
    async for http in make_client(f"postgresql://postgres@127.0.0.1:{free_port()}/newsflow"):
        response = await http.get("/readyz")
        assert_error(response, 503, "unavailable")
        assert response.headers["retry-after"] == "5"
        assert_error(await http.get("/articles/x"), 503, "unavailable")


async def test_unexpected_error_is_a_json_500_without_stack_trace(seeded: str) -> None:
    app = create_app(ApiSettings(database_url=seeded, auth_open=True))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            response = await http.get("/boom")
    assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_reading_needs_a_key_with_the_read_scope(seeded: str) -> None:
    ingest_only = "nf_ingest-only"
    entries = ",".join([key_entry("reader", ["read"], READ_KEY), key_entry("writer", ["ingest"], ingest_only)])
    app = create_app(ApiSettings(database_url=seeded, api_keys=entries))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        responses = {
            name: await http.get("/articles", headers={"Authorization": f"Bearer {key}"} if key else {})
            for name, key in [("none", None), ("wrong scope", ingest_only), ("revoked", "nf_gone"), ("ok", READ_KEY)]
        }
        events = await http.get("/events")
        health = await http.get("/healthz")
    assert {name: r.status_code for name, r in responses.items()} == {
        "none": 401, "wrong scope": 403, "revoked": 401, "ok": 200
    }
    assert responses["none"].json()["error"]["code"] == "unauthorized"
    assert events.status_code == 401 and health.status_code == 200


async def test_cors_is_off_unless_configured(seeded: str) -> None:
    for origins, expected in (([], None), (["https://dash.example.org"], "https://dash.example.org")):
        app = create_app(ApiSettings(database_url=seeded, auth_open=True, cors_origins=origins))
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as h:
            response = await h.get("/articles", headers={"Origin": "https://dash.example.org"})
        assert response.status_code == 200
        assert response.headers.get("access-control-allow-origin") == expected
