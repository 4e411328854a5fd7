"""Canonical events, places, tone and focus in the store, against a real PostgreSQL: one real-world event reported
by several articles is one event with the right counts, whatever replays, revisions and concurrency do."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.store.migrate import migrate
from services.store.repository import save_enriched, save_submitted
from shared.event_models import Actor, EventRecord
from shared.messages import ArticleEnriched, ArticleFocus, ArticleSubmitted, FocusCity, FocusCountry
from shared.place_models import PlaceMention

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
TEHRAN = {"name": "Tehran", "geonameid": 112931, "country": "IRN", "lat": 35.69439, "lon": 51.42151,
          "kind": "city", "population": 7153309}
DOHA = {"name": "Doha", "geonameid": 290030, "country": "QAT", "lat": 25.28545, "lon": 51.53096,
        "kind": "city", "population": 344939}
GAZA = {"name": "Gaza", "geonameid": 281133, "country": "PSE", "lat": 31.50161, "lon": 34.46672,
        "kind": "city", "population": 410000}
GULF = {"name": "Persian Gulf", "geonameid": None, "country": None, "lat": 26.0, "lon": 52.0, "kind": "water"}

# (quad class, Goldstein, name) of the CAMEO codes the tests use.
CAMEO = {
    "042": (1, 1.9, "Make a visit"), "043": (1, 2.8, "Host a visit"), "057": (1, 8.0, "Sign formal agreement"),
    "190": (4, -10.0, "Use conventional military force"), "111": (3, -2.0, "Criticize or denounce"),
}

VISIT_A = "The Pakistani Army Chief visited Tehran on Monday. Iran welcomed the visit."
VISIT_B = "Pakistan's army chief visited Tehran, officials said."


def place(text: str, phrase: str, entry: dict[str, Any], confidence: float = 0.9, after: int = 0) -> PlaceMention:
    start = text.index(phrase, after)
    return PlaceMention(text=phrase, start=start, end=start + len(phrase), confidence=confidence, **entry)


def actor(text: str, phrase: str, code: str, country: str | None, after: int = 0) -> Actor:
    start = text.index(phrase, after)
    role = code[3:] or None if country else None
    return Actor(code=code, country=country, role=role, text=phrase, start=start, end=start + len(phrase))


def event(text: str, trigger: str, code: str, *, source: Actor | None = None, target: Actor | None = None,
          where: PlaceMention | None = None, after: int = 0, **extra: Any) -> EventRecord:
    """An event told in the sentence of `text` holding `trigger` (first found from `after`), located at `where`."""
    t = text.index(trigger, after)
    sentence_start = text.rfind(". ", 0, t) + 2 if ". " in text[:t] else 0
    end = text.find(".", t)
    sentence_end = end + 1 if end >= 0 else len(text)
    quad, goldstein, name = CAMEO[code]
    values: dict[str, Any] = {
        "source": source, "target": target, "code": code, "name": name, "root_code": code[:2], "quad_class": quad,
        "goldstein": goldstein, "trigger": trigger, "trigger_start": t, "trigger_end": t + len(trigger),
        "sentence_index": text[:sentence_start].count(". "), "sentence_start": sentence_start,
        "sentence_end": sentence_end, "confidence": 0.8,
    }
    if where is not None:
        values |= {"location_text": where.text, "location_country": where.country, "location_start": where.start,
                   "location_end": where.end, "geonames_id": where.geonameid, "lat": where.lat, "lon": where.lon}
    return EventRecord(**(values | extra))


def submitted(article_id: str, text: str, *, source: str | None = "Example Times", revision: str = "r1",
              published_at: datetime | None = T0, received_at: datetime | None = None,
              url: str | None = None) -> ArticleSubmitted:
    return ArticleSubmitted(
        article_id=article_id, revision=revision, title=f"Title of {article_id}", text=text, source=source,
        url=url or f"https://example.org/{article_id}", published_at=published_at,
        received_at=received_at or (published_at or T0) + timedelta(hours=1),
    )


def enriched(article_id: str, *, revision: str = "r1", events: list[EventRecord] | None = None,
             places: list[PlaceMention] | None = None, tone: float | None = 1.5, focus: ArticleFocus | None = None,
             at: datetime | None = None) -> ArticleEnriched:
    return ArticleEnriched(
        article_id=article_id, revision=revision, language="en", model="test-1", events=events or [],
        places=places or [], tone=tone, focus=focus, occurred_at=at or T0 + timedelta(hours=2),
    )


def visit_a(revision: str = "r1", **extra: Any) -> ArticleEnriched:
    """Article A: PAKMIL visits IRN in Tehran (sentence 0), Iran welcomes it (sentence 1)."""
    tehran = place(VISIT_A, "Tehran", TEHRAN)
    return enriched("a", revision=revision, places=[tehran], events=[
        event(VISIT_A, "visited", "042", source=actor(VISIT_A, "The Pakistani Army Chief", "PAKMIL", "PAK"),
              target=actor(VISIT_A, "Tehran", "IRN", "IRN"), where=tehran, tone=2.0),
        event(VISIT_A, "welcomed", "043", source=actor(VISIT_A, "Iran", "IRN", "IRN"), tone=4.0),
    ], **extra)


def visit_b(revision: str = "r1", **extra: Any) -> ArticleEnriched:
    """Article B: the same visit, in other words."""
    tehran = place(VISIT_B, "Tehran", TEHRAN)
    return enriched("b", revision=revision, places=[tehran], events=[
        event(VISIT_B, "visited", "042", source=actor(VISIT_B, "Pakistan's army chief", "PAKMIL", "PAK"),
              target=actor(VISIT_B, "Tehran", "IRN", "IRN"), where=tehran, tone=-1.0),
    ], **extra)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    await migrate(connection)
    yield connection
    await connection.close()


async def events_table(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch("SELECT * FROM events ORDER BY day, code, source_code, id")]


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables this feature writes, for before/after comparisons."""
    tables = {"events": "id", "event_mentions": "article_id, sentence_index, trigger_start, event_id",
              "places": "id", "article_places": "article_id, start_char, place_id",
              "articles": "id"}
    out = {}
    for table, order in tables.items():
        columns = "id, revision, status, tone, focus, enriched_at, updated_at" if table == "articles" else "*"
        out[table] = [tuple(r) for r in await conn.fetch(f"SELECT {columns} FROM {table} ORDER BY {order}")]
    return out


async def counts(conn: asyncpg.Connection, code: str = "042") -> tuple[int, int, int] | None:
    row = await conn.fetchrow("SELECT num_mentions, num_articles, num_sources FROM events WHERE code = $1", code)
    return None if row is None else (row[0], row[1], row[2])


async def test_two_articles_about_one_visit_make_one_event_with_two_mentions(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted("a", VISIT_A), submitted("b", VISIT_B, source="Wire")])
    await save_enriched(conn, [visit_a()])
    await save_enriched(conn, [visit_b()])

    rows = await events_table(conn)
    assert [(r["code"], r["source_code"], r["target_code"]) for r in rows] == [("042", "PAKMIL", "IRN"),
                                                                                ("043", "IRN", "")]
    visit = rows[0]
    assert (visit["day"], visit["source_country"], visit["target_country"], visit["root_code"]) == (
        date(2024, 5, 1), "PAK", "IRN", "04")
    assert (visit["quad_class"], visit["goldstein"], visit["name"]) == (1, 1.9, "Make a visit")
    assert (visit["place_name"], visit["place_country"], visit["geonameid"], visit["lat"], visit["lon"]) == (
        "Tehran", "IRN", 112931, 35.69439, 51.42151)
    assert (visit["num_mentions"], visit["num_articles"], visit["num_sources"]) == (2, 2, 2)
    assert visit["avg_tone"] == 0.5  # mean of the sentences' tones, 2.0 and -1.0
    assert (visit["first_seen"], visit["last_seen"]) == (T0, T0)
    mentions = await conn.fetch(
        "SELECT article_id, source_text, trigger FROM event_mentions WHERE event_id = $1 ORDER BY article_id",
        visit["id"])
    assert [tuple(m) for m in mentions] == [("a", "The Pakistani Army Chief", "visited"),
                                            ("b", "Pakistan's army chief", "visited")]


async def test_same_source_counts_once_and_unnamed_sources_count_apart(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted("a", VISIT_A), submitted("b", VISIT_B)])  # both Example Times
    await save_enriched(conn, [visit_a(), visit_b()])
    assert await counts(conn) == (2, 2, 1)
    # A new revision of B with no source: nothing says it is the same outlet as A's.
    await save_submitted(conn, [submitted("b", VISIT_B, source=None, revision="r2",
                                          received_at=T0 + timedelta(days=1))])
    await save_enriched(conn, [visit_b(revision="r2")])
    assert await counts(conn) == (2, 2, 2)


async def test_replays_change_nothing(conn: asyncpg.Connection) -> None:
    subs = [submitted("a", VISIT_A), submitted("b", VISIT_B, source="Wire")]
    await save_submitted(conn, subs)
    await save_enriched(conn, [visit_a(), visit_b()])
    before = await snapshot(conn)
    await save_submitted(conn, subs)
    await save_enriched(conn, [visit_b(), visit_a()])
    await save_enriched(conn, [visit_a()])
    assert await snapshot(conn) == before
    assert await counts(conn) == (2, 2, 2)


async def test_one_article_reporting_the_event_twice_is_two_mentions_one_article(conn: asyncpg.Connection) -> None:
    text = "The Pakistani Army Chief visited Tehran. Later the Pakistani Army Chief visited Tehran again."
    later = text.index("Later")
    places = [place(text, "Tehran", TEHRAN), place(text, "Tehran", TEHRAN, after=later)]
    events = [
        event(text, "visited", "042", source=actor(text, "The Pakistani Army Chief", "PAKMIL", "PAK"),
              where=places[0]),
        event(text, "visited", "042", source=actor(text, "the Pakistani Army Chief", "PAKMIL", "PAK"),
              where=places[1], after=later),
    ]
    assert (events[1].sentence_index, events[1].sentence_start) == (1, later)
    await save_submitted(conn, [submitted("a", text)])
    await save_enriched(conn, [enriched("a", events=events, places=places)])
    assert await counts(conn) == (2, 1, 1)
    assert await conn.fetchval("SELECT count(*) FROM events") == 1


async def test_new_revision_replaces_the_articles_mentions_and_counts_drop(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted("a", VISIT_A), submitted("b", VISIT_B, source="Wire")])
    await save_enriched(conn, [visit_a(), visit_b()])
    visit_id = await conn.fetchval("SELECT id FROM events WHERE code = '042'")

    # B is corrected: while its new revision is pending, its old mentions are gone.
    corrected = "Pakistan's army chief met officials in Doha."
    await save_submitted(conn, [submitted("b", corrected, source="Wire", revision="r2",
                                          received_at=T0 + timedelta(days=1))])
    assert await counts(conn) == (1, 1, 1)
    assert await conn.fetchval("SELECT count(*) FROM article_places WHERE article_id = 'b'") == 0
    assert await conn.fetchval("SELECT tone FROM articles WHERE id = 'b'") is None

    doha = place(corrected, "Doha", DOHA)
    await save_enriched(conn, [enriched("b", revision="r2", places=[doha], events=[
        event(corrected, "met", "042", source=actor(corrected, "Pakistan's army chief", "PAKMIL", "PAK"),
              where=doha)])])
    rows = {(r["code"], r["place_name"]): r for r in await events_table(conn)}
    assert rows[("042", "Tehran")]["id"] == visit_id  # the same canonical event, one report fewer
    assert (rows[("042", "Tehran")]["num_mentions"], rows[("042", "Tehran")]["num_articles"]) == (1, 1)
    assert (rows[("042", "Doha")]["num_mentions"], rows[("042", "Doha")]["target_code"]) == (1, "")

    # A is corrected too, without the visit: no article reports the Tehran visit any more, so it is no event.
    await save_submitted(conn, [submitted("a", "Nothing happened.", revision="r2",
                                          received_at=T0 + timedelta(days=1))])
    await save_enriched(conn, [enriched("a", revision="r2")])
    assert [(r["code"], r["place_name"]) for r in await events_table(conn)] == [("042", "Doha")]


async def test_an_old_revisions_enrichment_never_overwrites_the_new_one(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted("b", VISIT_B, revision="r2", received_at=T0 + timedelta(days=1))])
    await save_submitted(conn, [submitted("b", VISIT_B, revision="r1")])  # older, late: ignored
    await save_enriched(conn, [visit_b(revision="r1")])  # waits, never applies
    assert await conn.fetchval("SELECT count(*) FROM events") == 0
    await save_enriched(conn, [visit_b(revision="r2")])
    assert await counts(conn) == (1, 1, 1)
    assert await conn.fetchval("SELECT DISTINCT revision FROM event_mentions") == "r2"


async def test_later_enrichment_of_the_same_revision_replaces_events_places_and_tone(
    conn: asyncpg.Connection,
) -> None:
    await save_submitted(conn, [submitted("a", VISIT_A)])
    await save_enriched(conn, [visit_a(tone=1.0)])
    rerun = enriched("a", at=T0 + timedelta(hours=5), tone=-3.0, places=[place(VISIT_A, "Iran", {
        "name": "Iran", "geonameid": 130758, "country": "IRN", "lat": 32.0, "lon": 53.0, "kind": "country"})],
        events=[event(VISIT_A, "welcomed", "043", source=actor(VISIT_A, "Iran", "IRN", "IRN"))])
    await save_enriched(conn, [rerun])
    assert [r["code"] for r in await events_table(conn)] == ["043"]
    assert await conn.fetchval("SELECT tone FROM articles WHERE id = 'a'") == -3.0
    assert [r["place_id"] for r in await conn.fetch("SELECT place_id FROM article_places")] == ["gn:130758"]
    # The earlier enrichment, redelivered late, changes nothing.
    await save_enriched(conn, [visit_a(tone=1.0)])
    assert [r["code"] for r in await events_table(conn)] == ["043"]


async def test_negated_events_are_not_stored_and_hypothetical_ones_are_flagged(conn: asyncpg.Connection) -> None:
    text = "Israel did not attack Gaza. Qatar could sign an agreement with Iran."
    gaza = place(text, "Gaza", GAZA)
    await save_submitted(conn, [submitted("a", text)])
    await save_enriched(conn, [enriched("a", places=[gaza], events=[
        event(text, "attack", "190", source=actor(text, "Israel", "ISR", "ISR"), where=gaza, negated=True),
        event(text, "sign", "057", source=actor(text, "Qatar", "QAT", "QAT"), target=actor(text, "Iran", "IRN", "IRN"),
              hypothetical=True),
    ])])
    assert [r["code"] for r in await events_table(conn)] == ["057"]
    assert await conn.fetchval("SELECT hypothetical FROM event_mentions") is True


async def test_event_day_comes_from_the_sentence_else_publication_else_arrival(conn: asyncpg.Connection) -> None:
    arrived = datetime(2024, 6, 9, 23, 30, tzinfo=UTC)
    await save_submitted(conn, [
        submitted("undated", VISIT_B, published_at=None, received_at=arrived),
        submitted("dated", VISIT_A, published_at=datetime(2024, 5, 1, 23, 0, tzinfo=UTC)),
    ])
    await save_enriched(conn, [
        visit_b().model_copy(update={"article_id": "undated"}),
        enriched("dated", events=[event(VISIT_A, "visited", "042", date="2024-04-29"),
                                  event(VISIT_A, "welcomed", "043", date="not a date")]),
    ])
    by_article = await conn.fetch(
        "SELECT em.article_id, e.code, e.day FROM event_mentions em JOIN events e ON e.id = em.event_id "
        "ORDER BY 1, 2")
    assert [tuple(r) for r in by_article] == [
        ("dated", "042", date(2024, 4, 29)), ("dated", "043", date(2024, 5, 1)),
        ("undated", "042", date(2024, 6, 9)),
    ]


async def test_tone_focus_and_places_are_stored_with_regions_keyed_by_name_and_kind(conn: asyncpg.Connection) -> None:
    text = "Tankers crossed the Persian Gulf towards Doha and Tehran."
    focus = ArticleFocus(countries=[FocusCountry(country="QAT", score=0.6)],
                         cities=[FocusCity(name="Doha", geonameid=290030, country="QAT", score=0.5)])
    places = [place(text, "Persian Gulf", GULF, 0.7), place(text, "Doha", DOHA), place(text, "Tehran", TEHRAN)]
    await save_submitted(conn, [submitted("a", text)])
    await save_enriched(conn, [enriched("a", tone=-2.25, focus=focus, places=places)])
    row = await conn.fetchrow("SELECT tone, focus FROM articles WHERE id = 'a'")
    assert row["tone"] == -2.25
    assert ArticleFocus.model_validate_json(row["focus"]) == focus
    stored = await conn.fetch(
        "SELECT ap.text, ap.start_char, p.id, p.name, p.kind, p.country, p.lat, ap.confidence "
        "FROM article_places ap JOIN places p ON p.id = ap.place_id ORDER BY ap.start_char")
    assert [tuple(r) for r in stored] == [
        ("Persian Gulf", 20, "rg:water:Persian Gulf", "Persian Gulf", "water", None, 26.0, 0.7),
        ("Doha", 41, "gn:290030", "Doha", "city", "QAT", 25.28545, 0.9),
        ("Tehran", 50, "gn:112931", "Tehran", "city", "IRN", 35.69439, 0.9),
    ]


async def test_enrichment_waiting_for_its_article_stores_events_when_it_arrives(conn: asyncpg.Connection) -> None:
    await save_enriched(conn, [visit_a()])
    assert await conn.fetchval("SELECT count(*) FROM events") == 0
    await save_submitted(conn, [submitted("a", VISIT_A)])
    assert await counts(conn) == (1, 1, 1)
    assert await conn.fetchval("SELECT count(*) FROM article_places WHERE article_id = 'a'") == 1
    assert await conn.fetchval("SELECT tone FROM articles WHERE id = 'a'") == 1.5


async def test_concurrent_batches_reporting_one_event_keep_counts_exact(database_url: str) -> None:
    n = 24
    pool = await asyncpg.create_pool(database_url, min_size=8, max_size=8)
    try:
        async with pool.acquire() as c:
            await migrate(c)
            await save_submitted(c, [submitted(f"s{i}", VISIT_B, source=f"Outlet {i % 5}") for i in range(n)])

        async def report(i: int) -> None:
            message = visit_b().model_copy(update={"article_id": f"s{i}"})
            for attempt in range(5):
                try:
                    async with pool.acquire() as c:
                        await save_enriched(c, [message])
                    return
                except asyncpg.exceptions.DeadlockDetectedError:
                    await asyncio.sleep(0.01 * attempt)

        await asyncio.gather(*(report(i) for i in range(n)))
        # Revise a third of them concurrently with new reports elsewhere: each revision removes one report.
        async with pool.acquire() as c:
            assert await counts(c) == (n, n, 5)

        async def revise(i: int) -> None:
            async with pool.acquire() as c:
                await save_submitted(c, [submitted(f"s{i}", "Revised.", revision="r2", source=f"Outlet {i % 5}",
                                                   received_at=T0 + timedelta(days=1))])

        await asyncio.gather(*(revise(i) for i in range(0, n, 3)))
        async with pool.acquire() as c:
            assert await counts(c) == (n - n // 3, n - n // 3, 5)
    finally:
        await pool.close()
