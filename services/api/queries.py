"""The read API's SQL: plain async functions over an asyncpg connection, testable without HTTP.

Consumes the tables written by the store (`articles`, `entities`, `article_entities`, `schema_migrations`, and
for an article's places and events those read by `services.api.event_queries`);
produces plain dicts. Every user-supplied value travels as a bind parameter: the SQL text is assembled only
from the constant fragments below, never from input.

Pagination is keyset (no OFFSET): each list is ordered by a unique, total key and a page continues strictly
after the last key of the previous one, so pages never overlap or skip rows that existed throughout.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from services.api.event_queries import article_events, article_places
from services.api.sql import Params, like_pattern, utc

REQUIRED_MIGRATION = "0003_entity_place_counts"
"""The newest schema migration these queries rely on; bump it when a query needs a newer one."""

_ARTICLE = """
SELECT id, revision, url, canonical_url, title, text, source, language, published_at, received_at, status,
       error, enriched_at, model, metadata, tone, focus
FROM articles WHERE id = $1
"""

_MENTIONS = """
SELECT ae.text, e.label, ae.start_char AS start, ae.end_char AS "end", e.name, e.country
FROM article_entities AS ae JOIN entities AS e ON e.id = ae.entity_id
WHERE ae.article_id = $1 AND ae.revision = $2
ORDER BY ae.start_char, ae.end_char, e.label, e.name
"""

_SUMMARY_COLUMNS = (
    "a.id, a.revision, a.url, a.title, a.source, a.language, a.published_at, a.received_at, a.status, "
    "a.enriched_at, a.dated_at"
)


@dataclass(frozen=True)
class ArticleFilters:
    """Filters of `GET /articles`; `None` means "not filtered"."""

    q: str | None = None
    entity: str | None = None
    country: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class EntityFilters:
    """Filters of `GET /entities`; `None` means "not filtered"."""

    label: str | None = None
    country: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def schema_ready(conn: asyncpg.Connection) -> bool:
    """Whether the store has applied the migrations these queries need."""
    try:
        found = await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", REQUIRED_MIGRATION)
    except asyncpg.exceptions.UndefinedTableError:
        return False
    return found is not None


async def get_article(conn: asyncpg.Connection, article_id: str) -> dict[str, Any] | None:
    """One article with its entity, place and event mentions (of its current revision) in text order, its tone
    and focus; `None` if unknown."""
    row = await conn.fetchrow(_ARTICLE, article_id)
    if row is None:
        return None
    article = dict(row)
    article["metadata"] = orjson.loads(article["metadata"]) if article["metadata"] else {}
    article["focus"] = orjson.loads(article["focus"]) if article["focus"] else None
    article["entities"] = [dict(m) for m in await conn.fetch(_MENTIONS, article_id, row["revision"])]
    article["places"] = await article_places(conn, article_id, row["revision"])
    article["events"] = await article_events(conn, article_id, row["revision"])
    return article


async def list_articles(
    conn: asyncpg.Connection, filters: ArticleFilters, limit: int, after: list[Any] | None = None
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """A page of article summaries and the sort key to continue after (`None` on the last page).

    With `q`: ranked by full-text relevance (`ts_rank`), key `[score, id]`. Without: newest first by
    publication time (else arrival time), key `[dated_at, id]`. `after` is such a key from a previous page.
    """
    p = Params()
    where: list[str] = []
    sources = "articles AS a"
    if filters.q is not None:
        sources += f", websearch_to_tsquery('english', {p(filters.q)}) AS query"
        where.append("a.search @@ query")
        columns = f"{_SUMMARY_COLUMNS}, ts_rank(a.search, query) AS score"
        order = "score DESC, a.id DESC"
    else:
        columns = f"{_SUMMARY_COLUMNS}, NULL::real AS score"
        order = "a.dated_at DESC, a.id DESC"
    if filters.entity is not None:
        where.append(
            "EXISTS (SELECT 1 FROM article_entities AS ae JOIN entities AS e ON e.id = ae.entity_id "
            f"WHERE ae.article_id = a.id AND ae.revision = a.revision AND lower(e.name) = lower({p(filters.entity)}))"
        )
    if filters.country is not None:
        where.append(
            "EXISTS (SELECT 1 FROM article_entities AS ae JOIN entities AS e ON e.id = ae.entity_id "
            f"WHERE ae.article_id = a.id AND ae.revision = a.revision AND e.country = upper({p(filters.country)}))"
        )
    if filters.source is not None:
        where.append(f"a.source = {p(filters.source)}")
    if filters.since is not None:
        where.append(f"a.dated_at >= {p(utc(filters.since))}")
    if filters.until is not None:
        where.append(f"a.dated_at < {p(utc(filters.until))}")
    if after is not None:
        if filters.q is not None:
            where.append(f"(ts_rank(a.search, query), a.id) < ({p(float(after[0]))}::real, {p(str(after[1]))})")
        else:
            where.append(f"(a.dated_at, a.id) < ({p(datetime.fromisoformat(after[0]))}, {p(str(after[1]))})")
    sql = f"SELECT {columns} FROM {sources}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    # One row more than asked: its presence says whether there is a next page.
    sql += f" ORDER BY {order} LIMIT {p(limit + 1)}"
    rows = [dict(r) for r in await conn.fetch(sql, *p.values)]
    page, more = rows[:limit], len(rows) > limit
    next_key = None
    if more:
        last = page[-1]
        next_key = [last["score"], last["id"]] if filters.q is not None else [last["dated_at"].isoformat(), last["id"]]
    return page, next_key


async def top_entities(
    conn: asyncpg.Connection, filters: EntityFilters, limit: int, after: list[Any] | None = None
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """Canonical entities by the number of distinct articles mentioning them (current revisions only), most
    first, ties by name; key `[-articles, name, id]`. Dates filter the articles counted.

    Without dates the store's exact counts (`entities.articles`) are read in index order; with dates the
    mentions of the articles in the range (found by date) are aggregated.
    """
    p = Params()
    where: list[str] = []
    if filters.label is not None:
        where.append(f"e.label = upper({p(filters.label)})")
    if filters.country is not None:
        where.append(f"e.country = upper({p(filters.country)})")
    if filters.q is not None:
        where.append(f"e.name ILIKE {p(like_pattern(filters.q))}")
    if filters.since is None and filters.until is None:
        where.append("e.articles > 0")
        if after is not None:
            where.append(f"(-e.articles, e.name, e.id) > ({p(int(after[0]))}, {p(str(after[1]))}, {p(int(after[2]))})")
        sql = (
            "SELECT e.id, e.name, e.label, e.country, e.articles FROM entities AS e WHERE " + " AND ".join(where)
            + f" ORDER BY -e.articles, e.name, e.id LIMIT {p(limit + 1)}"
        )
    else:
        dated: list[str] = []
        if filters.since is not None:
            dated.append(f"a.dated_at >= {p(utc(filters.since))}")
        if filters.until is not None:
            dated.append(f"a.dated_at < {p(utc(filters.until))}")
        if after is not None:
            where.append(
                f"(-c.articles, e.name, e.id) > "
                f"({p(int(after[0]))}::bigint, {p(str(after[1]))}, {p(int(after[2]))}::bigint)"
            )
        sql = (
            "SELECT e.id, e.name, e.label, e.country, c.articles "
            "FROM (SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles "
            "      FROM articles AS a "
            "      JOIN article_entities AS ae ON ae.article_id = a.id AND ae.revision = a.revision "
            "      WHERE " + " AND ".join(dated) + " GROUP BY ae.entity_id) AS c "
            "JOIN entities AS e ON e.id = c.entity_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY c.articles DESC, e.name, e.id LIMIT {p(limit + 1)}"
    rows = [dict(r) for r in await conn.fetch(sql, *p.values)]
    page, more = rows[:limit], len(rows) > limit
    next_key = None
    if more:
        last = page[-1]
        next_key = [-last["articles"], last["name"], last["id"]]
    return page, next_key
