"""The store's migrations and repository against a real PostgreSQL: what ends up in the tables when messages
arrive replayed, out of order, or for superseded revisions."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.store.migrate import available, migrate
from services.store.repository import save_enriched, save_submitted, with_retries
from shared.messages import ArticleEnriched, ArticleSubmitted, EntityMention

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)


def submitted(article_id: str = "a1", revision: str = "r1", at: datetime = T0, **fields: Any) -> ArticleSubmitted:
    values: dict[str, Any] = {
        "title": f"Title {revision}",
        "text": f"The Pakistani Army Chief visited Tehran ({revision}).",
        "source": "Example Times",
        "url": f"https://example.org/{article_id}",
        "canonical_url": f"https://example.org/{article_id}",
        "metadata": {"section": "world"},
    }
    values.update(fields)
    return ArticleSubmitted(article_id=article_id, revision=revision, received_at=at, **values)


def enriched(article_id: str = "a1", revision: str = "r1", at: datetime | None = None,
             entities: list[EntityMention] | None = None) -> ArticleEnriched:
    if entities is None:
        entities = [
            EntityMention(text="Pakistani", label="NORP", start=4, end=13, name="Pakistan", country="PAK"),
            EntityMention(text="Tehran", label="GPE", start=32, end=38, name="Tehran", country="IRN"),
        ]
    return ArticleEnriched(
        article_id=article_id, revision=revision, language="en", entities=entities, model="test-1",
        occurred_at=at or T0 + timedelta(minutes=1),
    )


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    await migrate(connection)
    yield connection
    await connection.close()


async def article(conn: asyncpg.Connection, article_id: str = "a1") -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM articles WHERE id = $1", article_id)
    assert row is not None
    return row


async def mentions(conn: asyncpg.Connection, article_id: str = "a1") -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        """SELECT ae.revision, ae.start_char, ae.end_char, ae.text, e.name, e.label, e.country
           FROM article_entities ae JOIN entities e ON e.id = ae.entity_id
           WHERE ae.article_id = $1 ORDER BY ae.start_char""",
        article_id,
    )
    return [tuple(r) for r in rows]


async def test_migrations_apply_once_and_rerun_is_a_no_op(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        versions = [m.version for m in available()]
        assert await migrate(conn) == versions
        assert await migrate(conn) == []
        recorded = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")]
        assert recorded == versions
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"articles", "entities", "article_entities", "schema_migrations"} <= tables
    finally:
        await conn.close()


async def test_concurrent_migrations_apply_each_file_exactly_once(database_url: str) -> None:
    pools = [await asyncpg.create_pool(database_url, min_size=1, max_size=1) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(pool) for pool in pools))
    finally:
        for pool in pools:
            await pool.close()
    versions = [m.version for m in available()]
    # One process applied everything, the others found it done (no "relation already exists" error).
    assert sorted(results, key=len) == [[], [], [], versions]


async def test_submitted_article_is_stored_pending_and_replay_changes_nothing(conn: asyncpg.Connection) -> None:
    message = submitted(published_at=T0 - timedelta(hours=2))
    assert await save_submitted(conn, [message]) == ["a1"]
    row = await article(conn)
    assert (row["status"], row["revision"], row["title"]) == ("pending", "r1", "Title r1")
    assert row["published_at"] == T0 - timedelta(hours=2)
    assert row["received_at"] == T0
    assert row["metadata"] == '{"section": "world"}'

    before = dict(row)
    assert await save_submitted(conn, [message, message]) == []
    assert dict(await article(conn)) == before
    assert await conn.fetchval("SELECT count(*) FROM articles") == 1


async def test_same_revision_reposted_later_changes_nothing(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted()])
    await save_enriched(conn, [enriched()])
    # Ingest forgot the revision (dedup TTL) and it came again: the enrichment must survive.
    assert await save_submitted(conn, [submitted(at=T0 + timedelta(days=40))]) == []
    row = await article(conn)
    assert (row["status"], row["received_at"]) == ("enriched", T0)
    assert len(await mentions(conn)) == 2


async def test_new_revision_replaces_text_and_resets_to_pending(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted()])
    await save_enriched(conn, [enriched()])
    assert (await article(conn))["status"] == "enriched"

    assert await save_submitted(conn, [submitted(revision="r2", at=T0 + timedelta(hours=1))]) == ["a1"]
    row = await article(conn)
    assert (row["status"], row["revision"], row["title"]) == ("pending", "r2", "Title r2")
    assert row["enriched_at"] is None and row["model"] is None
    # The old revision's offsets mean nothing in the new text.
    assert await mentions(conn) == []


async def test_older_revision_arriving_late_never_overwrites_newer(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted(revision="r2", at=T0 + timedelta(hours=1))])
    assert await save_submitted(conn, [submitted(revision="r1", at=T0)]) == []
    row = await article(conn)
    assert (row["revision"], row["title"]) == ("r2", "Title r2")


async def test_both_revisions_in_one_batch_keep_the_newest(conn: asyncpg.Connection) -> None:
    newer = submitted(revision="r2", at=T0 + timedelta(hours=1))
    await save_submitted(conn, [newer, submitted(revision="r1", at=T0)])
    assert (await article(conn))["revision"] == "r2"


async def test_received_at_tie_is_broken_by_revision(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted(revision="rb")])
    await save_submitted(conn, [submitted(revision="ra")])
    assert (await article(conn))["revision"] == "rb"


async def test_enrichment_marks_enriched_with_mentions_and_canonical_entities(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted(), submitted("a2")])
    assert await save_enriched(conn, [enriched(), enriched("a2")]) == ["a1", "a2"]
    row = await article(conn)
    assert (row["status"], row["model"], row["language"]) == ("enriched", "test-1", "en")
    assert row["enriched_at"] == T0 + timedelta(minutes=1)
    assert await mentions(conn) == [
        ("r1", 4, 13, "Pakistani", "Pakistan", "NORP", "PAK"),
        ("r1", 32, 38, "Tehran", "Tehran", "GPE", "IRN"),
    ]
    # Canonical entities are shared between articles, not duplicated.
    assert await conn.fetchval("SELECT count(*) FROM entities") == 2


async def test_replayed_enrichment_leaves_exactly_the_same_rows(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted()])
    message = enriched()
    await save_enriched(conn, [message])
    snapshot = (dict(await article(conn)), await mentions(conn), await conn.fetch("SELECT * FROM entities ORDER BY id"))

    assert await save_enriched(conn, [message, message]) == []
    assert await conn.fetchval("SELECT count(*) FROM article_entities") == 2
    assert (dict(await article(conn)), await mentions(conn),
            await conn.fetch("SELECT * FROM entities ORDER BY id")) == snapshot


async def test_later_enrichment_of_same_revision_replaces_mentions_and_earlier_one_is_ignored(
    conn: asyncpg.Connection,
) -> None:
    await save_submitted(conn, [submitted()])
    first = enriched(at=T0 + timedelta(minutes=1))
    second = enriched(at=T0 + timedelta(minutes=2), entities=[
        EntityMention(text="Tehran", label="GPE", start=32, end=38, name="Tehran", country="IRN"),
    ])
    await save_enriched(conn, [second])
    await save_enriched(conn, [first])  # delivered late: older, ignored
    assert [m[3] for m in await mentions(conn)] == ["Tehran"]
    assert (await article(conn))["enriched_at"] == T0 + timedelta(minutes=2)


async def test_enrichment_of_an_old_revision_never_overwrites_the_new_one(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted()])
    await save_submitted(conn, [submitted(revision="r2", at=T0 + timedelta(hours=1))])
    assert await save_enriched(conn, [enriched(revision="r1")]) == []
    row = await article(conn)
    assert (row["status"], row["revision"]) == ("pending", "r2")
    assert await mentions(conn) == []

    await save_enriched(conn, [enriched(revision="r2")])
    row = await article(conn)
    assert (row["status"], row["revision"]) == ("enriched", "r2")
    assert {m[0] for m in await mentions(conn)} == {"r2"}


async def test_enrichment_before_its_article_waits_and_is_applied_when_the_article_arrives(
    conn: asyncpg.Connection,
) -> None:
    assert await save_enriched(conn, [enriched()]) == []
    assert await conn.fetchval("SELECT count(*) FROM articles") == 0  # no placeholder row the API would show

    assert await save_submitted(conn, [submitted()]) == ["a1"]
    row = await article(conn)
    assert (row["status"], row["title"]) == ("enriched", "Title r1")
    assert len(await mentions(conn)) == 2
    assert await conn.fetchval("SELECT count(*) FROM waiting_enrichments") == 0


async def test_enrichment_of_a_newer_revision_waits_while_an_older_one_is_stored(conn: asyncpg.Connection) -> None:
    await save_submitted(conn, [submitted()])
    # r2's enrichment overtook r2's submission.
    await save_enriched(conn, [enriched(revision="r2", at=T0 + timedelta(hours=2))])
    assert (await article(conn))["status"] == "pending"
    await save_submitted(conn, [submitted(revision="r2", at=T0 + timedelta(hours=1))])
    row = await article(conn)
    assert (row["status"], row["revision"]) == ("enriched", "r2")
    # r1's enrichment arriving last still cannot win.
    await save_enriched(conn, [enriched(revision="r1")])
    assert {m[0] for m in await mentions(conn)} == {"r2"}


async def test_waiting_enrichments_expire(conn: asyncpg.Connection) -> None:
    await save_enriched(conn, [enriched("gone")])
    await conn.execute("UPDATE waiting_enrichments SET parked_at = now() - interval '8 days'")
    await save_enriched(conn, [enriched("other")], waiting_ttl=timedelta(days=7))
    assert [r["article_id"] for r in await conn.fetch("SELECT article_id FROM waiting_enrichments")] == ["other"]


async def test_concurrent_submission_and_enrichment_never_strand_the_enrichment(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=4)
    try:
        await migrate(pool)
        ids = [f"race-{i}" for i in range(40)]

        async def submit_all() -> None:
            for chunk in range(0, len(ids), 5):
                async with pool.acquire() as c:
                    await save_submitted(c, [submitted(i) for i in ids[chunk:chunk + 5]])

        async def enrich_all() -> None:
            for chunk in range(0, len(ids), 5):
                async with pool.acquire() as c:
                    await save_enriched(c, [enriched(i) for i in ids[chunk:chunk + 5]])

        await asyncio.gather(submit_all(), enrich_all())
        statuses = await pool.fetch("SELECT status, count(*) FROM articles GROUP BY status")
        assert {r["status"]: r["count"] for r in statuses} == {"enriched": len(ids)}
    finally:
        await pool.close()


async def test_mentions_and_text_with_odd_characters_are_stored(conn: asyncpg.Connection) -> None:
    text = "Café in Zürich\x00 — 東京 ' OR 1=1; --"
    await save_submitted(conn, [submitted(text=text, title="Robert'); DROP TABLE articles;--")])
    row = await article(conn)
    assert row["title"] == "Robert'); DROP TABLE articles;--"
    assert len(row["text"]) == len(text) and "\x00" not in row["text"]


async def test_dead_lettered_revision_marks_a_pending_article_failed_once(database_url: str) -> None:
    from services.store.repository import mark_failed
    from shared.messages import MessageDeadLettered

    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        old, new = submitted("dead-1", "r1"), submitted("dead-1", "r2", at=T0 + timedelta(hours=1))
        await save_submitted(conn, [old])

        def letter(revision: str) -> MessageDeadLettered:
            return MessageDeadLettered(stream="articles.submitted", group="nlp", entry_id="1-0", delivery_count=5,
                                       error="ValueError: bad", article_id="dead-1", revision=revision, payload="{}")

        assert await mark_failed(conn, [letter(old.revision)]) == ["dead-1"]
        row = await conn.fetchrow("SELECT status, error FROM articles WHERE id = 'dead-1'")
        assert row["status"] == "failed" and "nlp gave up after 5 deliveries: ValueError: bad" in row["error"]
        assert await mark_failed(conn, [letter(old.revision)]) == []  # replay: nothing more changes

        await save_submitted(conn, [new])  # a new revision is pending again, and an old failure cannot touch it
        assert await mark_failed(conn, [letter(old.revision)]) == []
        assert await conn.fetchval("SELECT status FROM articles WHERE id = 'dead-1'") == "pending"
    finally:
        await conn.close()


_ENTITY_AGGREGATE = """
SELECT e.id, count(DISTINCT ae.article_id)::int AS n
FROM entities e JOIN article_entities ae ON ae.entity_id = e.id
JOIN articles a ON a.id = ae.article_id AND a.revision = ae.revision
GROUP BY e.id
"""

_PLACE_AGGREGATE = """
SELECT p.id, count(DISTINCT ap.article_id)::int AS n, count(*)::int AS m
FROM places p JOIN article_places ap ON ap.place_id = p.id
JOIN articles a ON a.id = ap.article_id AND a.revision = ap.revision
GROUP BY p.id
"""


async def assert_counts_exact(conn: asyncpg.Connection) -> dict[str, int]:
    """The stored counters equal the aggregate over current revisions (zero where nothing mentions an entity)."""
    expected = {r["id"]: r["n"] for r in await conn.fetch(_ENTITY_AGGREGATE)}
    stored = {r["id"]: r["articles"] for r in await conn.fetch("SELECT id, articles FROM entities")}
    assert stored == {i: expected.get(i, 0) for i in stored}
    places = {r["id"]: (r["n"], r["m"]) for r in await conn.fetch(_PLACE_AGGREGATE)}
    stored_places = {r["id"]: (r["articles"], r["mentions"])
                     for r in await conn.fetch("SELECT id, articles, mentions FROM places")}
    assert stored_places == {i: places.get(i, (0, 0)) for i in stored_places}
    names = await conn.fetch("SELECT name, articles FROM entities")
    return {r["name"]: r["articles"] for r in names}


def _tehran(start: int) -> Any:
    from shared.place_models import PlaceMention

    return PlaceMention(text="Tehran", start=start, end=start + 6, name="Tehran", geonameid=112931, country="IRN",
                        lat=35.69439, lon=51.42151, kind="city", confidence=0.9)


async def test_entity_and_place_counts_stay_exact_under_replays_and_new_revisions(conn: asyncpg.Connection) -> None:
    def with_places(message: ArticleEnriched, starts: list[int]) -> ArticleEnriched:
        return message.model_copy(update={"places": [_tehran(s) for s in starts]})

    tehran_twice = [
        EntityMention(text="Tehran", label="GPE", start=32, end=38, name="Tehran", country="IRN"),
        EntityMention(text="Tehran", label="GPE", start=40, end=46, name="Tehran", country="IRN"),
    ]
    await save_submitted(conn, [submitted("a1"), submitted("a2"), submitted("a3")])
    first = [with_places(enriched("a1"), [32]), with_places(enriched("a2", entities=tehran_twice), [32, 40])]
    await save_enriched(conn, first)
    assert (await assert_counts_exact(conn))["Tehran"] == 2
    assert await conn.fetchval("SELECT (articles, mentions)::text FROM places") == "(2,3)"

    # Replays of both streams change nothing.
    await save_submitted(conn, [submitted("a1"), submitted("a2")])
    await save_enriched(conn, first)
    assert (await assert_counts_exact(conn)) == {"Pakistan": 1, "Tehran": 2}

    # A new revision of a2 drops its mentions (and its place) until its enrichment arrives.
    await save_submitted(conn, [submitted("a2", "r2", T0 + timedelta(hours=1))])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 1, "Tehran": 1}
    assert await conn.fetchval("SELECT (articles, mentions)::text FROM places") == "(1,1)"
    # An enrichment of the superseded revision changes nothing; the new one counts again.
    await save_enriched(conn, [with_places(enriched("a2", "r1", T0 + timedelta(hours=2)), [32])])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 1, "Tehran": 1}
    await save_enriched(conn, [with_places(enriched("a2", "r2"), [32])])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 2, "Tehran": 2}

    # A later enrichment of the same revision replaces the mentions: Pakistan is no longer mentioned by a1.
    only_qatar = [EntityMention(text="Qatar", label="GPE", start=0, end=5, name="Qatar", country="QAT")]
    await save_enriched(conn, [enriched("a1", at=T0 + timedelta(hours=3), entities=only_qatar)])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 1, "Tehran": 1, "Qatar": 1}
    assert await conn.fetchval("SELECT (articles, mentions)::text FROM places") == "(1,1)"

    # An enrichment that arrives before its revision waits, and counts when the revision is stored.
    await save_enriched(conn, [enriched("a3", "r2", T0 + timedelta(hours=4))])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 1, "Tehran": 1, "Qatar": 1}
    await save_submitted(conn, [submitted("a3", "r2", T0 + timedelta(hours=4))])
    assert (await assert_counts_exact(conn)) == {"Pakistan": 2, "Tehran": 2, "Qatar": 1}


async def test_entity_counts_stay_exact_under_concurrent_batches(database_url: str) -> None:
    setup = await asyncpg.connect(database_url)
    await migrate(setup)
    pool = await asyncpg.create_pool(database_url, min_size=4, max_size=4)
    assert pool is not None
    try:
        ids = [f"c{i}" for i in range(40)]
        await save_submitted(setup, [submitted(i) for i in ids])

        async def enrich(chunk: list[str], hours: int) -> None:
            messages = [enriched(i, at=T0 + timedelta(hours=hours)) for i in chunk]
            await with_retries(pool, save_enriched, messages)

        await asyncio.gather(*(enrich(ids[k::4], 1) for k in range(4)))
        assert (await assert_counts_exact(setup)) == {"Pakistan": 40, "Tehran": 40}
        # New revisions of half of them, concurrently with re-enrichments of the rest.
        revised = [submitted(i, "r2", T0 + timedelta(hours=2)) for i in ids[::2]]
        await asyncio.gather(
            with_retries(pool, save_submitted, revised[:10]), with_retries(pool, save_submitted, revised[10:]),
            enrich(ids[1::4], 3), enrich(ids[3::4], 3),
        )
        assert (await assert_counts_exact(setup)) == {"Pakistan": 20, "Tehran": 20}
    finally:
        await pool.close()
        await setup.close()


async def test_dead_letter_ahead_of_its_article_waits_instead_of_being_lost(database_url: str) -> None:
    from services.store.repository import mark_failed
    from shared.messages import MessageDeadLettered

    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        letter = MessageDeadLettered(stream="articles.submitted", group="nlp", entry_id="1-0", delivery_count=2,
                                     error="ValueError: bad", article_id="early-1", revision="r1", payload="{}")
        with pytest.raises(LookupError):
            await mark_failed(conn, [letter])  # stays pending: the reclaimer retries it
        await save_submitted(conn, [submitted("early-1", "r1")])
        assert await mark_failed(conn, [letter]) == ["early-1"]
        assert await conn.fetchval("SELECT status FROM articles WHERE id = 'early-1'") == "failed"
    finally:
        await conn.close()
