"""HTTP conventions shared by the ingest and api services (FastAPI): one JSON error envelope, request ids,
and a request-body size limit. Imported only by HTTP services, so workers don't need FastAPI.

Every error a client sees is `{"error": {"code": ..., "message": ..., "details": ...}}`; a 5xx is a bug,
logged here with its stack trace and answered without one.
"""

import logging
import re
from typing import Any
from uuid import uuid4

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited", 500: "internal_error", 503: "unavailable",
}


class JsonResponse(Response):
    """A JSON response rendered with orjson (UTF-8, no escaping of non-ASCII)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(description="Stable machine-readable error code.", examples=["validation_error"])
    message: str = Field(description="Human-readable explanation.", examples=["title: Field required"])
    details: Any = Field(None, description="Per-field problems or other structured context, when any.")


class ErrorResponse(BaseModel):
    """Envelope of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """An error to answer with a given status and code."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int, message: str, code: str | None = None, details: Any = None, headers: dict[str, str] | None = None
) -> JsonResponse:
    body = {"error": {"code": code or _CODES.get(status, "error"), "message": message, "details": details}}
    return JsonResponse(body, status_code=status, headers=headers)


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as `[{field, message, type}]`, `field` a dotted path such as `body.title` or `query.limit`."""
    out = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        out.append({"field": ".".join(loc), "message": err.get("msg", "invalid"), "type": err.get("type", "")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, expected or not, with the JSON envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JsonResponse:
        return error_response(exc.status, exc.message, exc.code, exc.details, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JsonResponse:
        details = validation_details(exc.errors())
        if any(d["type"] == "json_invalid" for d in details):
            return error_response(400, "Request body is not valid JSON.", "malformed_json", details)
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return error_response(422, f"Invalid request: {summary}", "validation_error", details)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal error; it has been logged.")


def request_id(request: Request) -> str:
    """The caller's `X-Request-ID` when it is safe to log, else a fresh one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SAFE_REQUEST_ID.match(given) else uuid4().hex


class BodySizeLimit:
    """Refuses bodies over `max_bytes` with 413, by Content-Length up front or by counting a chunked body.

    Per-path limits let a batch endpoint accept more than a single-article one.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(scope, receive, send, limit)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._reject(scope, receive, send, limit)

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, f"Request body exceeds the limit of {limit} bytes.", details={"limit": limit})
        await response(scope, receive, send)


class _BodyTooLarge(StarletteHTTPException):
    # An HTTPException so that FastAPI's body parsing re-raises it untouched and the handler above answers 413.
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds the limit of {limit} bytes.")
        self.limit = limit


class RejectNulBytes:
    """Answers 422 when the path or a query parameter holds a NUL character.

    PostgreSQL cannot store or compare text containing NUL, so such a value could only fail deep in a query;
    refused here, it is a clear client error naming the parameter.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            from urllib.parse import parse_qsl, unquote

            bad = ["path"] if "\x00" in unquote(scope.get("path", "")) else []
            query = scope.get("query_string", b"").decode("latin-1")
            bad += [f"query.{k}" for k, v in parse_qsl(query, keep_blank_values=True) if "\x00" in k + v]
            if bad:
                details = [{"field": f, "message": "must not contain NUL characters", "type": "nul"} for f in bad]
                response = error_response(422, f"Invalid request: {', '.join(bad)} contains a NUL character.",
                                          "validation_error", details)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Allow browser calls from `origins` only; with none configured, no CORS headers are sent at all."""
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )


def install_metrics(app: FastAPI, redis_url: str | None = None) -> None:
    """Serve `/metrics` (Prometheus text format); with `redis_url`, include the stream and group gauges."""
    import asyncio

    from shared.metrics import CONTENT_TYPE, exposition, watch_streams

    if redis_url:
        watch_streams(redis_url)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(await asyncio.to_thread(exposition), media_type=CONTENT_TYPE)
