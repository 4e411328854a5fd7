"""The event and place routes of the read API against a real PostgreSQL seeded through the store's repository:
what a client gets from /events (filters, near, pagination), /events/{id}, the streamed export, /places, and an
article's events, places, tone and focus."""

import csv
import io
import shutil
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from services.store.migrate import MIGRATIONS_DIR, migrate
from services.store.repository import save_enriched, save_submitted
from shared.messages import ArticleFocus, FocusCity, FocusCountry
from tests.integration.test_api import assert_error, make_client
from tests.integration.test_events_store import (
    DOHA,
    GAZA,
    T0,
    TEHRAN,
    VISIT_A,
    VISIT_B,
    actor,
    enriched,
    event,
    place,
    submitted,
    visit_a,
    visit_b,
)

pytestmark = pytest.mark.integration

STRIKE = "The US and Israel struck targets in Gaza overnight."
MEMO = "Pakistan and Qatar signed a memorandum in Doha."
# Non-ASCII before the event's sentence: the sentence must still be cut at the right characters.
EMIR = "Señor López — «a critic» — spoke first. Qatar’s emir visited Tehran on Friday."
FILLER = "Iran criticized the United States."
FILLERS = 9
FOCUS = ArticleFocus(countries=[FocusCountry(country="IRN", score=0.7)],
                     cities=[FocusCity(name="Tehran", geonameid=112931, country="IRN", score=0.6)])


def seed() -> tuple[list[Any], list[Any]]:
    gaza, doha, tehran = place(STRIKE, "Gaza", GAZA), place(MEMO, "Doha", DOHA), place(EMIR, "Tehran", TEHRAN)
    subs = [
        submitted("a", VISIT_A),
        submitted("b", VISIT_B, source="Wire"),
        submitted("strike", STRIKE, source="Wire", published_at=T0 + timedelta(days=2)),
        submitted("memo", MEMO, source="Gulf Daily", published_at=T0 + timedelta(days=1)),
        submitted("emir", EMIR, source="Gulf Daily", published_at=None, received_at=T0 + timedelta(days=3)),
        submitted("filler", FILLER, source="Filler", published_at=T0 - timedelta(days=30)),
    ]
    us, israel = actor(STRIKE, "The US", "USA", "USA"), actor(STRIKE, "Israel", "ISR", "ISR")
    enrichments = [
        visit_a(focus=FOCUS, tone=2.5),
        visit_b(),
        enriched("strike", places=[gaza], tone=-6.0, events=[
            event(STRIKE, "struck", "190", source=us, target=actor(STRIKE, "Gaza", "PSE", "PSE"), where=gaza),
            event(STRIKE, "struck", "190", source=israel, target=actor(STRIKE, "Gaza", "PSE", "PSE"), where=gaza),
        ]),
        enriched("memo", places=[doha], events=[
            event(MEMO, "signed", "057", source=actor(MEMO, "Pakistan", "PAKGOV", "PAK"),
                  target=actor(MEMO, "Qatar", "QATGOV", "QAT"), where=doha),
        ]),
        enriched("emir", places=[tehran], events=[
            event(EMIR, "visited", "042", source=actor(EMIR, "Qatar’s emir", "QATGOV", "QAT"),
                  target=actor(EMIR, "Tehran", "IRN", "IRN"), where=tehran),
        ]),
        # Old criticisms on distinct days, for pagination: each is its own canonical event.
        enriched("filler", events=[
            event(FILLER, "criticized", "111", source=actor(FILLER, "Iran", "IRN", "IRN"),
                  target=actor(FILLER, "the United States", "USA", "USA"),
                  date=(T0 - timedelta(days=30 + i)).date().isoformat())
            for i in range(FILLERS)
        ]),
    ]
    return subs, enrichments


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        subs, enrichments = seed()
        await save_submitted(conn, subs)
        await save_enriched(conn, enrichments)
    finally:
        await conn.close()
    async for http in make_client(database_url):
        yield http


async def listed(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/events", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def keys(client: httpx.AsyncClient, **params: Any) -> list[tuple[str, str | None, str | None]]:
    """(code, source, target) of the listed events, in order."""
    return [(e["code"], e["source_code"], e["target_code"]) for e in await listed(client, limit=100, **params)]


async def test_events_are_canonical_newest_first_with_counts(client: httpx.AsyncClient) -> None:
    items = await listed(client, limit=6)
    assert [e["day"] for e in items] == ["2024-05-04", "2024-05-03", "2024-05-03", "2024-05-02", "2024-05-01",
                                         "2024-05-01"]
    assert {(e["day"], e["code"], e["source_code"]) for e in items} == {
        ("2024-05-04", "042", "QATGOV"),  # no publication date: dated by arrival
        ("2024-05-03", "190", "USA"), ("2024-05-03", "190", "ISR"), ("2024-05-02", "057", "PAKGOV"),
        ("2024-05-01", "043", "IRN"), ("2024-05-01", "042", "PAKMIL"),
    }
    visit = (await listed(client, source="PAKMIL"))[0]
    assert visit == visit | {
        "day": "2024-05-01", "source_code": "PAKMIL", "source_country": "PAK", "target_code": "IRN",
        "target_country": "IRN", "code": "042", "name": "Make a visit", "root_code": "04", "quad_class": 1,
        "goldstein": 1.9, "num_mentions": 2, "num_articles": 2, "num_sources": 2, "avg_tone": 0.5,
        "distance_km": None,
        "location": {"name": "Tehran", "country": "IRN", "geonameid": 112931, "lat": 35.69439, "lon": 51.42151},
    }
    welcome = (await listed(client, code="043"))[0]
    assert (welcome["target_code"], welcome["location"]) == (None, None)


async def test_the_same_day_order_breaks_ties_by_id(client: httpx.AsyncClient) -> None:
    strikes = await listed(client, code="190")
    assert len(strikes) == 2 and strikes[0]["id"] > strikes[1]["id"]


async def test_actor_filters_match_code_prefixes(client: httpx.AsyncClient) -> None:
    assert await keys(client, source="PAK") == [("057", "PAKGOV", "QATGOV"), ("042", "PAKMIL", "IRN")]
    assert await keys(client, source="pakmil") == [("042", "PAKMIL", "IRN")]
    assert await keys(client, target="QAT") == [("057", "PAKGOV", "QATGOV")]
    assert [k[0] for k in await keys(client, target="IRN")] == ["042", "042"]
    # `actor` is either side: the US strikes and is criticised.
    assert {k[0] for k in await keys(client, actor="USA")} == {"190", "111"}
    assert len(await keys(client, actor="USA")) == 1 + FILLERS
    assert await keys(client, source="IRN", target="USA", since="2024-04-01") == [("111", "IRN", "USA")]


async def test_country_code_and_class_filters(client: httpx.AsyncClient) -> None:
    # A country matches either actor's country or the place's: Qatar signs (source side of nothing, target QAT),
    # the Qatari emir visits; Gaza is where the strikes happened though no actor is "PSE" on the source side.
    assert set(await keys(client, country="qat")) == {("057", "PAKGOV", "QATGOV"), ("042", "QATGOV", "IRN")}
    assert [k[0] for k in await keys(client, country="PSE")] == ["190", "190"]
    assert sorted(k[0] for k in await keys(client, code="04")) == ["042", "042", "043"]
    assert [k[0] for k in await keys(client, code="042")] == ["042", "042"]
    assert [k[0] for k in await keys(client, root_code="19")] == ["190", "190"]
    assert [k[0] for k in await keys(client, quad_class=4)] == ["190", "190"]
    assert len(await keys(client, quad_class=3)) == FILLERS
    assert sorted(k[0] for k in await keys(client, quad_class=1, country="IRN")) == ["042", "042", "043"]


async def test_day_filters_are_inclusive_exclusive(client: httpx.AsyncClient) -> None:
    assert [k[0] for k in await keys(client, since="2024-05-02", until="2024-05-04")] == ["190", "190", "057"]
    assert [k[0] for k in await keys(client, since="2024-05-04")] == ["042"]


async def test_near_finds_events_within_the_radius(client: httpx.AsyncClient) -> None:
    around_tehran = await listed(client, near="35.7,51.4,50")
    assert [(e["code"], e["source_code"]) for e in around_tehran] == [("042", "QATGOV"), ("042", "PAKMIL")]
    assert all(0 < e["distance_km"] < 5 for e in around_tehran)
    # Doha is ~1,150 km from Tehran: in a 1,200 km circle, not in a 1,000 km one.
    assert {e["code"] for e in await listed(client, near="35.7,51.4,1200")} == {"042", "057"}
    assert {e["code"] for e in await listed(client, near="35.7,51.4,1000")} == {"042"}
    assert await listed(client, near="-45,-150,500") == []  # the South Pacific
    # A circle spanning the whole globe finds every located event, and nothing unlocated.
    assert len(await listed(client, near="0,0,20038", limit=100)) == 5
    assert [e["code"] for e in await listed(client, near="31.5,34.47,20", actor="ISR")] == ["190"]


async def test_events_paginate_without_gaps_or_repeats(client: httpx.AsyncClient) -> None:
    everything = [e["id"] for e in await listed(client, limit=500)]
    assert len(everything) == 6 + FILLERS
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4}
    while True:
        body = (await client.get("/events", params=params)).json()
        seen += [e["id"] for e in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == everything
    # A cursor is bound to its filters.
    first = (await client.get("/events", params={"limit": 2})).json()["next_cursor"]
    error = assert_error(await client.get("/events", params={"cursor": first, "code": "04"}), 422, "validation_error")
    assert error["details"][0]["field"] == "query.cursor"
    assert_error(await client.get("/events", params={"cursor": "garbage"}), 422, "validation_error")


async def test_bad_event_parameters_are_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    for near in ("35,51", "a,b,c", "91,0,10", "0,181,10", "0,0,0", "0,0,-5", "nan,0,1", "0,0,30000", "1,2,3,4"):
        error = assert_error(await client.get("/events", params={"near": near}), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["query.near"], near
    for params, field in (
        ({"quad_class": 5}, "query.quad_class"), ({"code": "abc"}, "query.code"),
        ({"root_code": "1"}, "query.root_code"), ({"source": "PAK%"}, "query.source"),
        ({"actor": "P_K"}, "query.actor"), ({"country": "Iran"}, "query.country"),
        ({"since": "May"}, "query.since"), ({"limit": 501}, "query.limit"),
    ):
        error = assert_error(await client.get("/events", params=params), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], params


async def test_event_detail_lists_its_mentions_with_sentence_text(client: httpx.AsyncClient) -> None:
    visit = (await listed(client, source="PAKMIL"))[0]
    body = (await client.get(f"/events/{visit['id']}")).json()
    assert body["num_mentions"] == 2 and body["location"]["name"] == "Tehran"
    assert [(m["article_id"], m["sentence"], m["trigger"], m["source"]["text"], m["target"]["text"])
            for m in body["mentions"]] == [
        ("a", "The Pakistani Army Chief visited Tehran on Monday.", "visited", "The Pakistani Army Chief", "Tehran"),
        ("b", "Pakistan's army chief visited Tehran, officials said.", "visited", "Pakistan's army chief", "Tehran"),
    ]
    first = body["mentions"][0]
    assert (first["article_title"], first["article_url"], first["article_source"]) == (
        "Title of a", "https://example.org/a", "Example Times")
    assert first["source"] == {"code": "PAKMIL", "country": "PAK", "text": "The Pakistani Army Chief", "start": 0,
                               "end": 24}
    assert (first["confidence"], first["tone"], first["hypothetical"]) == (0.8, 2.0, False)

    emir = (await listed(client, source="QATGOV", code="042"))[0]
    (mention,) = (await client.get(f"/events/{emir['id']}")).json()["mentions"]
    assert mention["sentence"] == "Qatar’s emir visited Tehran on Friday."
    assert EMIR[mention["trigger_start"]:mention["trigger_end"]] == "visited"


async def test_unknown_event_is_a_json_404(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/events/0123456789abcdef"), 404, "not_found")
    assert "0123456789abcdef" in error["message"]


async def test_export_csv_has_gdelt_columns_and_the_listed_rows(client: httpx.AsyncClient) -> None:
    response = await client.get("/events/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "GlobalEventID", "Day", "Actor1Code", "Actor1CountryCode", "Actor2Code", "Actor2CountryCode", "EventCode",
        "EventRootCode", "QuadClass", "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
        "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_Lat", "ActionGeo_Long", "SOURCEURL",
    ]
    assert [r["GlobalEventID"] for r in rows] == [e["id"] for e in await listed(client, limit=500)]
    visit = next(r for r in rows if r["Actor1Code"] == "PAKMIL")
    assert visit == visit | {
        "Day": "20240501", "Actor1CountryCode": "PAK", "Actor2Code": "IRN", "EventCode": "042",
        "EventRootCode": "04", "QuadClass": "1", "GoldsteinScale": "1.9", "NumMentions": "2", "NumSources": "2",
        "NumArticles": "2", "AvgTone": "0.5", "ActionGeo_FullName": "Tehran", "ActionGeo_CountryCode": "IRN",
        "ActionGeo_Lat": "35.69439", "ActionGeo_Long": "51.42151", "SOURCEURL": "https://example.org/a",
    }
    welcome = next(r for r in rows if r["EventCode"] == "043")
    assert (welcome["Actor2Code"], welcome["ActionGeo_Lat"]) == ("", "")

    filtered = await client.get("/events/export", params={"root_code": "19", "limit": 1})
    assert len(list(csv.DictReader(io.StringIO(filtered.text)))) == 1
    empty = await client.get("/events/export", params={"near": "-45,-150,500"})
    assert empty.text.strip().count("\n") == 0 and empty.text.startswith("GlobalEventID,")


async def test_export_ndjson_is_one_event_per_line(client: httpx.AsyncClient) -> None:
    response = await client.get("/events/export", params={"format": "ndjson", "actor": "USA"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert len(lines) == 1 + FILLERS
    strike = lines[0]
    assert (strike["Day"], strike["Actor1Code"], strike["EventCode"], strike["QuadClass"]) == (
        20240503, "USA", "190", 4)
    assert (strike["GoldsteinScale"], strike["ActionGeo_FullName"], strike["SOURCEURL"]) == (
        -10.0, "Gaza", "https://example.org/strike")


async def test_export_streams_more_rows_than_one_chunk(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        await save_submitted(conn, [submitted("many", FILLER)])
        days = [date(2020, 1, 1) + timedelta(days=i) for i in range(2500)]
        await save_enriched(conn, [enriched("many", events=[
            event(FILLER, "criticized", "111", source=actor(FILLER, "Iran", "IRN", "IRN"), date=d.isoformat())
            for d in days])])
    finally:
        await conn.close()
    async for http in make_client(database_url):
        rows = list(csv.DictReader(io.StringIO((await http.get("/events/export")).text)))
        assert len(rows) == 2500 and rows[0]["Day"] == "20261104" and rows[-1]["Day"] == "20200101"
        capped = (await http.get("/events/export", params={"format": "ndjson", "limit": 1001})).content
        assert len(capped.splitlines()) == 1001
        # The pool got its connections back: more requests than the pool holds still succeed.
        for _ in range(12):
            assert (await http.get("/events/export", params={"limit": 1})).status_code == 200


async def test_bad_export_parameters_are_422(client: httpx.AsyncClient) -> None:
    for params, field in (({"format": "xml"}, "query.format"), ({"limit": 0}, "query.limit"),
                          ({"limit": 100_001}, "query.limit"), ({"near": "1,2"}, "query.near")):
        error = assert_error(await client.get("/events/export", params=params), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], params


async def test_top_places_by_articles(client: httpx.AsyncClient) -> None:
    items = (await client.get("/places")).json()["items"]
    assert [(p["name"], p["articles"]) for p in items] == [("Tehran", 3), ("Doha", 1), ("Gaza", 1)]
    assert items[0] == items[0] | {"id": "gn:112931", "kind": "city", "country": "IRN", "geonameid": 112931,
                                   "lat": 35.69439, "lon": 51.42151, "mentions": 3}
    assert [p["name"] for p in (await client.get("/places", params={"country": "qat"})).json()["items"]] == ["Doha"]
    assert [p["name"] for p in (await client.get("/places", params={"q": "EHR"})).json()["items"]] == ["Tehran"]
    assert (await client.get("/places", params={"kind": "water"})).json()["items"] == []
    # Dates filter the articles counted: before May 4th, the emir's article (arrived May 4th) is not counted.
    until = (T0 + timedelta(days=3)).isoformat()
    counted = (await client.get("/places", params={"q": "tehran", "until": until})).json()["items"]
    assert [(p["name"], p["articles"]) for p in counted] == [("Tehran", 2)]
    page = (await client.get("/places", params={"limit": 2})).json()
    rest = (await client.get("/places", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [p["name"] for p in page["items"] + rest["items"]] == ["Tehran", "Doha", "Gaza"]
    assert rest["next_cursor"] is None
    assert_error(await client.get("/places", params={"kind": "City!"}), 422, "validation_error")


async def test_article_detail_has_events_places_tone_and_focus(client: httpx.AsyncClient) -> None:
    body = (await client.get("/articles/a")).json()
    assert body["tone"] == 2.5
    assert body["focus"] == {"countries": [{"country": "IRN", "score": 0.7}],
                             "cities": [{"name": "Tehran", "geonameid": 112931, "country": "IRN", "score": 0.6}]}
    assert body["places"] == [{
        "text": "Tehran", "start": 33, "end": 39, "place_id": "gn:112931", "name": "Tehran", "geonameid": 112931,
        "country": "IRN", "admin1": None, "lat": 35.69439, "lon": 51.42151, "kind": "city", "population": 7153309,
        "confidence": 0.9,
    }]
    visit, welcome = body["events"]
    assert (visit["code"], visit["name"], visit["day"], visit["trigger"], visit["sentence_index"]) == (
        "042", "Make a visit", "2024-05-01", "visited", 0)
    assert visit["source"] == {"code": "PAKMIL", "country": "PAK", "text": "The Pakistani Army Chief", "start": 0,
                               "end": 24}
    assert visit["location"] == {"name": "Tehran", "country": "IRN", "geonameid": 112931, "lat": 35.69439,
                                 "lon": 51.42151}
    assert VISIT_A[visit["location_start"]:visit["location_end"]] == "Tehran"
    assert (await client.get(f"/events/{visit['event_id']}")).status_code == 200
    assert (welcome["code"], welcome["target"], welcome["location"], welcome["sentence_index"]) == (
        "043", None, None, 1)
    pending = (await client.get("/articles", params={"limit": 1})).json()["items"]
    assert pending  # the list endpoint is unaffected by the new columns


async def test_event_routes_are_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in ("/events", "/events/export", "/events/{event_id}", "/places", "/articles/{article_id}"):
        for parameter in spec["paths"][path]["get"]["parameters"]:
            assert parameter.get("description"), (path, parameter["name"])
    for name in ("Event", "EventPage", "EventDetail", "EventMention", "EventActor", "EventLocation", "ArticleEvent",
                 "ArticlePlace", "PlaceCount", "PlacePage", "Article"):
        for field, schema in spec["components"]["schemas"][name]["properties"].items():
            assert schema.get("description"), (name, field)


async def test_a_database_without_the_events_migration_is_not_ready(database_url: str, tmp_path: Path) -> None:
    shutil.copy(MIGRATIONS_DIR / "0001_initial.sql", tmp_path)
    conn = await asyncpg.connect(database_url)
    try:
        assert await migrate(conn, tmp_path) == ["0001_initial"]
    finally:
        await conn.close()
    async for http in make_client(database_url):
        assert_error(await http.get("/readyz"), 503, "unavailable")
