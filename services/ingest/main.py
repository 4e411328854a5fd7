"""The ingest HTTP API: validates posted articles and appends them to `articles.submitted`.

Consumes HTTP requests; produces `ArticleSubmitted` messages. Nothing else: no database, no NLP.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import Body, Depends, FastAPI, Query, Request, Response
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.ingest.backpressure import Backpressure
from services.ingest.dead_letters import list_dead, replay
from services.ingest.schemas import (
    NO_CONTROLS,
    Accepted,
    ArticleIn,
    BatchResult,
    DeadLetter,
    DeadLetterList,
    ReplayRequest,
    ReplayResult,
    json_has_no_controls,
)
from services.ingest.settings import IngestSettings
from services.ingest.submit import Submitter, to_message
from shared.auth import KeyRing, RateLimiter, require_scope
from shared.http import (
    REQUEST_ID_HEADER,
    ApiError,
    BodySizeLimit,
    ErrorResponse,
    RejectNulBytes,
    error_response,
    install_cors,
    install_error_handlers,
    install_metrics,
    request_id,
    validation_details,
)
from shared.messages import ArticleSubmitted

log = logging.getLogger("newsflow.ingest")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Body is not valid JSON."},
    413: {"model": ErrorResponse, "description": "Body over the configured size limit."},
    401: {"model": ErrorResponse, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorResponse, "description": "The API key lacks the `ingest` scope."},
    422: {"model": ErrorResponse, "description": "Invalid fields, each named in `details`."},
    429: {"model": ErrorResponse, "description": "Backlog over its bound, or the key's rate limit reached."},
    503: {"model": ErrorResponse, "description": "Redis unreachable; retry after `Retry-After` seconds."},
}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": "Articles as a JSON array, or as NDJSON (one JSON object per line).",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def _redis_down() -> ApiError:
    return ApiError(503, "The message broker is unreachable; nothing was accepted.", headers={"Retry-After": "5"})


def parse_batch(body: bytes, content_type: str) -> list[Any]:
    """Entries of a batch body: a JSON array, or NDJSON lines (blank lines skipped).

    An NDJSON line that is not JSON becomes an `_Unparsable` entry, reported invalid on its own.
    """
    stripped = body.lstrip()
    if "ndjson" not in content_type and "jsonl" not in content_type and stripped.startswith(b"["):
        try:
            entries = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"Body is not a valid JSON array: {exc}", code="malformed_json") from None
        if not isinstance(entries, list):
            raise ApiError(422, "Body must be a JSON array of articles or NDJSON.")
        return entries
    entries = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            entries.append(_Unparsable(number))
    return entries


def _item(index: int, status: str, id: str | None = None, revision: str | None = None,
          errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One `BatchItem` as the dict FastAPI would have serialised it."""
    return {"index": index, "status": status, "id": id, "revision": revision, "errors": errors}


class _Unparsable:
    def __init__(self, line: int) -> None:
        self.line = line


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    """The ingest app; the Redis connection lives in its lifespan."""
    settings = settings or IngestSettings()
    ttl = settings.dedup_ttl_days * 86400

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=15)
        app.state.redis = redis
        app.state.submitter = Submitter(redis, ttl)
        app.state.backpressure = Backpressure(redis, settings.max_backlog)
        log.info("ingest ready on %s:%s", settings.host, settings.port)
        yield
        await redis.aclose()

    app = FastAPI(
        title="Newsflow ingest",
        version="0.1.0",
        description="Submit news articles for enrichment. Accepted articles are queued durably and processed "
        "asynchronously; query them at the read API.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_metrics(app, settings.redis_url)
    app.add_middleware(RejectNulBytes)
    install_cors(app, settings.cors_origins)
    # Built here, not in the lifespan, so a bad NEWSFLOW_API_KEYS stops the service at start with a clear error.
    app.state.keyring = KeyRing(settings.api_keys, settings.auth_open)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    can_ingest = [Depends(require_scope("ingest"))]
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, per_path={"/articles/batch": settings.max_batch_bytes}
    )

    async def submit(request: Request, messages: list[ArticleSubmitted]) -> list[bool]:
        try:
            if await request.app.state.backpressure.overloaded():
                backlog = request.app.state.backpressure.backlog
                raise ApiError(
                    429, f"The pipeline is {backlog} articles behind; retry later.", code="backlog_full",
                    details={"backlog": backlog, "max_backlog": settings.max_backlog}, headers={"Retry-After": "10"},
                )
            result: list[bool] = await request.app.state.submitter.submit(messages)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            log.warning("redis unreachable while accepting %d article(s)", len(messages))
            raise _redis_down() from None
        return result

    @app.post(
        "/articles",
        status_code=202,
        response_model=Accepted,
        responses=_ERRORS,
        summary="Submit one article",
        dependencies=can_ingest,
        description="Queues the article for enrichment. Re-posting the same revision is answered with the same "
        "id and `duplicate: true` and is not processed again; a changed text under the same URL is a new revision.",
    )
    async def post_article(
        article: Annotated[ArticleIn, Body(description="The article.")], request: Request, response: Response
    ) -> Accepted:
        rid = request_id(request)
        response.headers[REQUEST_ID_HEADER] = rid
        message = to_message(article, rid)
        [appended] = await submit(request, [message])
        log.debug(
            "article %s", "accepted" if appended else "duplicate",
            extra={"article_id": message.article_id, "correlation_id": rid},
        )
        return Accepted(
            id=message.article_id,
            revision=message.revision,
            status="accepted" if appended else "duplicate",
            duplicate=not appended,
            canonical_url=message.canonical_url,
        )

    @app.post(
        "/articles/batch",
        status_code=202,
        response_model=BatchResult,
        responses=_ERRORS,
        summary="Submit many articles",
        dependencies=can_ingest,
        description="JSON array or NDJSON. Each entry is validated on its own: invalid entries are reported with "
        "their errors and the valid ones are still accepted.",
        openapi_extra=_BATCH_BODY,
    )
    async def post_batch(request: Request) -> Response:
        rid = request_id(request)
        body = await request.body()
        entries = parse_batch(body, request.headers.get("content-type", ""))
        if len(entries) > settings.max_batch_items:
            raise ApiError(413, f"A batch holds at most {settings.max_batch_items} articles; got {len(entries)}.")
        # Without control characters anywhere in the body, the validators need not look for them in each string.
        context = {NO_CONTROLS: json_has_no_controls(body)}
        validate = ArticleIn.model_validate
        # Items are plain dicts in `BatchItem`'s field order, and the body is serialised once here rather than
        # validated again against `BatchResult` (which stays the documented response model).
        items: list[dict[str, Any]] = []
        valid: list[tuple[int, ArticleSubmitted]] = []
        for index, entry in enumerate(entries):
            if isinstance(entry, _Unparsable):
                errors = [{"field": f"line {entry.line}", "message": "not valid JSON", "type": "json_invalid"}]
                items.append(_item(index, "invalid", errors=errors))
                continue
            try:
                article = validate(entry, context=context)
            except ValidationError as exc:
                items.append(_item(index, "invalid", errors=validation_details(exc.errors())))
                continue
            message = to_message(article, f"{rid}:{index}")
            valid.append((index, message))
            items.append(_item(index, "accepted", message.article_id, message.revision))
        appended = await submit(request, [m for _, m in valid])
        for (index, _), ok in zip(valid, appended, strict=True):
            if not ok:
                items[index]["status"] = "duplicate"
        accepted = sum(appended)
        invalid = len(items) - len(valid)
        log.info("batch: %d accepted, %d duplicate, %d invalid", accepted, len(valid) - accepted, invalid,
                 extra={"correlation_id": rid})
        result = {"accepted": accepted, "duplicates": len(valid) - accepted, "invalid": invalid, "items": items}
        return Response(orjson.dumps(result), status_code=202, media_type="application/json",
                        headers={REQUEST_ID_HEADER: rid})

    can_admin = [Depends(require_scope("admin"))]

    @app.get(
        "/dead-letters",
        summary="List dead letters",
        description="Messages that kept failing and were moved to `articles.dead`, oldest first (admin scope).",
        dependencies=can_admin,
        response_model=DeadLetterList,
        responses={401: _ERRORS[401], 403: {"model": ErrorResponse, "description": "Key lacks the admin scope."}},
    )
    async def get_dead_letters(
        request: Request, limit: Annotated[int, Query(ge=1, le=1000, description="Most letters to list.")] = 100
    ) -> DeadLetterList:
        entries = await list_dead(request.app.state.redis, limit)
        return DeadLetterList(
            items=[
                DeadLetter(
                    id=entry_id, stream=d.stream, group=d.group, entry_id=d.entry_id, error=d.error,
                    delivery_count=d.delivery_count, article_id=d.article_id, occurred_at=d.occurred_at,
                )
                for entry_id, d in entries
            ]
        )

    @app.post(
        "/dead-letters/replay",
        summary="Replay dead letters",
        description="Re-append dead letters to the stream they came from and remove them (admin scope).",
        dependencies=can_admin,
        response_model=ReplayResult,
        responses={401: _ERRORS[401], 403: {"model": ErrorResponse, "description": "Key lacks the admin scope."},
                   422: _ERRORS[422]},
    )
    async def replay_dead_letters(request: Request, body: Annotated[ReplayRequest, Body()]) -> ReplayResult:
        if not body.all and not body.ids:
            raise ApiError(422, "Give `ids`, or `all: true`.")
        result = await replay(request.app.state.redis, None if body.all else body.ids)
        log.info("replayed %d dead letter(s)", len(result["replayed"]))
        return ReplayResult(**result)

    @app.get("/healthz", summary="Liveness: the process is up", response_model=dict[str, str])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        summary="Readiness: Redis is reachable",
        response_model=dict[str, str],
        responses={503: {"model": ErrorResponse}},
    )
    async def readyz(request: Request) -> Any:
        try:
            await request.app.state.redis.ping()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            return error_response(503, "Redis is unreachable.", headers={"Retry-After": "5"})
        return {"status": "ready"}

    return app
