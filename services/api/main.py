"""The read API: `create_app()` builds the FastAPI app that `python -m services.api` serves.

Consumes HTTP requests and the PostgreSQL tables the store writes (it runs no migrations, and answers 503 on
`/readyz` until the store has applied them); produces JSON: articles with their entities, places and events,
full-text search, top entities, and (routes in `services.api.events`) canonical events -- search, detail and a
streamed CSV/NDJSON export -- and top places. Errors are always the JSON envelope of `shared.http`; OpenAPI at
`/docs`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, Path, Query, Request

from services.api import cursor, events
from services.api.queries import ArticleFilters, EntityFilters, get_article, list_articles, schema_ready, top_entities
from services.api.schemas import Article, ArticlePage, ArticleSummary, EntityCount, EntityPage, Ready
from services.api.settings import ApiSettings
from shared.auth import KeyRing, require_scope
from shared.http import (
    ApiError,
    ErrorResponse,
    JsonResponse,
    RejectNulBytes,
    error_response,
    install_cors,
    install_error_handlers,
    install_metrics,
)

log = logging.getLogger("newsflow.api")

# Failures of the database rather than of the request: answered 503 with Retry-After, not 500.
_DB_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # connection refused or reset; TimeoutError is an OSError too
    asyncpg.PostgresConnectionError,  # includes a connection lost mid-query
    asyncpg.exceptions.OperatorInterventionError,  # server shutting down or starting
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    asyncpg.exceptions.QueryCanceledError,  # statement timeout
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid parameter(s), each named in `details`."},
    503: {"model": ErrorResponse, "description": "Database unreachable or not migrated yet; retry later."},
}

Limit = Annotated[int, Query(ge=1, le=500, description="Most items on one page (1-500).")]
# Named `cursor` on the wire; the Python name differs only to keep the `cursor` module in reach.
Cursor = Annotated[
    str | None,
    Query(alias="cursor", max_length=2000,
          description="`next_cursor` of the previous page; valid only with the same filters."),
]
Since = Annotated[
    datetime | None,
    Query(description="Only articles dated at or after this instant (ISO 8601; no offset means UTC). The date is "
          "`published_at`, or `received_at` when the submitter gave none."),
]
Until = Annotated[
    datetime | None, Query(description="Only articles dated strictly before this instant (ISO 8601, UTC default).")
]
Country = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 country code (case-insensitive).",
          examples=["IRN"]),
]


def _blank_to_none(value: str | None) -> str | None:
    # `?q=` from a form means "no search", not "search for nothing".
    if value is None:
        return None
    value = value.strip()
    return value or None


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The read API; its PostgreSQL pool lives in the lifespan."""
    settings = settings or ApiSettings()
    secret = (
        settings.cursor_secret.get_secret_value().encode()
        if settings.cursor_secret is not None
        else cursor.derive_secret(settings.database_url)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # min_size=0: no connection is opened here, so the API starts (and reports 503 on /readyz) while the
        # database is still down, instead of crash-looping; released connections stay pooled.
        server_settings = {"statement_timeout": str(settings.statement_timeout_ms), "application_name": "newsflow-api"}
        pool = await asyncpg.create_pool(
            settings.database_url, min_size=0, max_size=settings.pool_max_size, server_settings=server_settings,
        )
        app.state.pool = pool
        log.info("api ready on %s:%s", settings.host, settings.port)
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="Newsflow read API",
        version="0.1.0",
        description="Articles, their named entities, places and events, full-text search, and GDELT-style "
        "canonical events over everything the pipeline stored. "
        "Lists are paginated with opaque cursors: pass `next_cursor` back as `cursor` with the same filters.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_metrics(app, None)
    app.add_middleware(RejectNulBytes)
    install_cors(app, settings.cors_origins)
    app.state.keyring = KeyRing(settings.api_keys, settings.auth_open)

    @app.exception_handler(asyncpg.exceptions.UndefinedTableError)
    async def _not_migrated(request: Request, exc: Exception) -> JsonResponse:
        log.warning("database schema missing: %s", exc)
        return error_response(503, "The database schema is not migrated yet.", headers={"Retry-After": "5"})

    for exc_class in _DB_UNAVAILABLE:

        @app.exception_handler(exc_class)
        async def _db_down(request: Request, exc: Exception) -> JsonResponse:
            log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
            return error_response(503, "The database is unavailable; retry later.", headers={"Retry-After": "5"})

    def pool(request: Request) -> asyncpg.Pool:
        return request.app.state.pool  # type: ignore[no-any-return]

    def after(scope: str, token: str | None) -> list[Any] | None:
        if token is None:
            return None
        try:
            return cursor.decode(secret, scope, token)
        except cursor.InvalidCursor as exc:
            raise ApiError(
                422, f"Invalid request: query.cursor: {exc}",
                details=[{"field": "query.cursor", "message": str(exc), "type": "cursor_invalid"}],
            ) from None

    @app.get(
        "/articles/{article_id}",
        dependencies=[Depends(require_scope("read"))],
        response_model=Article,
        responses={404: {"model": ErrorResponse, "description": "No article with this id."}, **_ERRORS},
        summary="One article with its entities",
        description="The latest stored revision of the article, its processing status, and its entity mentions "
        "in text order (empty while `pending`).",
    )
    async def read_article(
        request: Request,
        article_id: Annotated[str, Path(max_length=200, description="Article id, as returned by ingest.")],
    ) -> Article:
        async with pool(request).acquire() as conn:
            found = await get_article(conn, article_id)
        if found is None:
            raise ApiError(404, f"No article with id {article_id!r}.")
        return Article.model_validate(found)

    @app.get(
        "/articles",
        dependencies=[Depends(require_scope("read"))],
        response_model=ArticlePage,
        responses=_ERRORS,
        summary="Search and list articles",
        description="Full-text search (`q`, ranked by relevance) or the newest articles first, filtered by "
        "entity, country, source and date. Filters combine with AND.",
    )
    async def search_articles(
        request: Request,
        q: Annotated[
            str | None,
            Query(max_length=500, description="Full-text query in web-search syntax: words, \"a phrase\", "
                  "`or`, `-excluded` (English stemming; title weighs more than text).", examples=["army chief"]),
        ] = None,
        entity: Annotated[
            str | None,
            Query(max_length=300, description="Only articles mentioning this canonical entity name "
                  "(case-insensitive).", examples=["Tehran"]),
        ] = None,
        country: Country = None,
        source: Annotated[
            str | None, Query(max_length=300, description="Only articles from this source (exact).")
        ] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        cursor_token: Cursor = None,
    ) -> ArticlePage:
        filters = ArticleFilters(
            q=_blank_to_none(q), entity=_blank_to_none(entity), country=country.upper() if country else None,
            source=_blank_to_none(source), since=since, until=until,
        )
        scope = cursor.query_scope(
            "articles", q=filters.q, entity=filters.entity.lower() if filters.entity else None,
            country=filters.country, source=filters.source,
            since=since.isoformat() if since else None, until=until.isoformat() if until else None,
        )
        async with pool(request).acquire() as conn:
            rows, next_key = await list_articles(conn, filters, limit, after(scope, cursor_token))
        return ArticlePage(
            items=[ArticleSummary.model_validate(row) for row in rows],
            next_cursor=cursor.encode(secret, scope, next_key) if next_key is not None else None,
        )

    @app.get(
        "/entities",
        dependencies=[Depends(require_scope("read"))],
        response_model=EntityPage,
        responses=_ERRORS,
        summary="Top entities",
        description="Canonical entities ranked by the number of distinct articles that mention them.",
    )
    async def list_entities(
        request: Request,
        label: Annotated[
            str | None, Query(max_length=50, description="Only this entity label (e.g. GPE, ORG, PERSON).")
        ] = None,
        country: Country = None,
        q: Annotated[
            str | None,
            Query(max_length=300, description="Only entities whose name contains this text (case-insensitive).",
                  examples=["tehr"]),
        ] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        cursor_token: Cursor = None,
    ) -> EntityPage:
        filters = EntityFilters(
            label=_blank_to_none(label), country=country.upper() if country else None, q=_blank_to_none(q),
            since=since, until=until,
        )
        scope = cursor.query_scope(
            "entities", label=filters.label.upper() if filters.label else None, country=filters.country,
            q=filters.q.lower() if filters.q else None,
            since=since.isoformat() if since else None, until=until.isoformat() if until else None,
        )
        async with pool(request).acquire() as conn:
            rows, next_key = await top_entities(conn, filters, limit, after(scope, cursor_token))
        return EntityPage(
            items=[EntityCount.model_validate(row) for row in rows],
            next_cursor=cursor.encode(secret, scope, next_key) if next_key is not None else None,
        )

    events.register(app, pool=pool, after=after, secret=secret, errors=_ERRORS)

    @app.get("/healthz", summary="Liveness: the process is up", response_model=dict[str, str])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        summary="Readiness: the database answers and is migrated",
        response_model=Ready,
        responses={503: {"model": ErrorResponse, "description": "Database unreachable or not migrated."}},
    )
    async def readyz(request: Request) -> Any:
        try:
            async with asyncio.timeout(3):
                async with pool(request).acquire() as conn:
                    migrated = await schema_ready(conn)
        except (*_DB_UNAVAILABLE, asyncpg.PostgresError) as exc:
            log.warning("not ready: database unavailable: %r", exc)
            return error_response(503, "The database is unreachable.", headers={"Retry-After": "5"})
        if not migrated:
            return error_response(503, "The database schema is not migrated yet.", headers={"Retry-After": "5"})
        return Ready(status="ready")

    return app
