"""Routes of the read API for events and places: `GET /events`, `/events/export`, `/events/{id}`, `/places`.

Consumes HTTP requests; produces JSON (events, places) and, for the export, a streamed CSV or NDJSON body with
GDELT-named columns. The SQL lives in `services.api.event_queries`; `services.api.main` registers these routes
with its pool, cursor signing and error handling.
"""

import csv
import io
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import asyncpg
import orjson
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import StreamingResponse

from services.api import cursor
from services.api.event_queries import (
    EXPORT_COLUMNS,
    EventFilters,
    Near,
    PlaceFilters,
    export_query,
    get_event,
    list_events,
    top_places,
)
from services.api.schemas import EventDetail, EventPage, PlaceCount, PlacePage
from shared.auth import require_scope
from shared.http import ApiError, ErrorResponse

log = logging.getLogger("newsflow.api")

MAX_EVENT_MENTIONS = 500
"""Most mentions `GET /events/{id}` lists; `num_mentions` still counts them all."""

EXPORT_CHUNK = 1000
"""Rows fetched from the server-side cursor per round trip while streaming an export."""

# Letters, digits and '-' ("---" is CAMEO's unknown country): also guarantees nothing in them is a LIKE wildcard.
_ACTOR_PATTERN = r"^[A-Za-z0-9-]{1,12}$"

Limit = Annotated[int, Query(ge=1, le=500, description="Most items on one page (1-500).")]
Cursor = Annotated[
    str | None,
    Query(alias="cursor", max_length=2000,
          description="`next_cursor` of the previous page; valid only with the same filters."),
]


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, f"Invalid request: {field}: {message}",
                    details=[{"field": field, "message": message, "type": "value_error"}])


def parse_near(value: str) -> Near:
    """`LAT,LON,KM` as a `Near`; `ValueError` saying what is wrong otherwise."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 3:
        raise ValueError("expected LAT,LON,KM (three comma-separated numbers)")
    try:
        lat, lon, km = (float(part) for part in parts)
    except ValueError:
        raise ValueError("expected LAT,LON,KM (three comma-separated numbers)") from None
    if not -90 <= lat <= 90:
        raise ValueError("latitude must be between -90 and 90")
    if not -180 <= lon <= 180:
        raise ValueError("longitude must be between -180 and 180")
    # NaN fails every comparison, so "nan" is refused here too; 20,038 km is half the equator, anything beyond
    # already covers the globe.
    if not 0 < km <= 20_038:
        raise ValueError("radius in km must be greater than 0 and at most 20038")
    return Near(lat, lon, km)


def event_filters(
    source: Annotated[str | None, Query(
        pattern=_ACTOR_PATTERN, examples=["PAK"],
        description="Source actor code prefix, case-insensitive: `PAK` matches PAK, PAKMIL, PAKGOV.")] = None,
    target: Annotated[str | None, Query(
        pattern=_ACTOR_PATTERN, examples=["IRN"], description="Target actor code prefix, case-insensitive.")] = None,
    actor: Annotated[str | None, Query(
        pattern=_ACTOR_PATTERN, examples=["USA"],
        description="Actor code prefix matched on either side (source or target).")] = None,
    country: Annotated[str | None, Query(
        pattern=r"^[A-Za-z]{3}$", examples=["IRN"],
        description="ISO 3166-1 alpha-3 code: either actor's country, or the country where it happened.")] = None,
    code: Annotated[str | None, Query(
        pattern=r"^[0-9]{2,4}$", examples=["04"],
        description="CAMEO event code, exact or prefix: `042` is 'make a visit', `04` the whole consult family.",
    )] = None,
    root_code: Annotated[str | None, Query(
        pattern=r"^[0-9]{2}$", examples=["19"], description="Two-digit CAMEO root code (exact).")] = None,
    quad_class: Annotated[int | None, Query(
        ge=1, le=4, description="1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material "
        "conflict.")] = None,
    since: Annotated[date | None, Query(
        description="Only events on or after this day (YYYY-MM-DD, UTC).", examples=["2024-05-01"])] = None,
    until: Annotated[date | None, Query(
        description="Only events strictly before this day (YYYY-MM-DD, UTC).", examples=["2024-06-01"])] = None,
    near: Annotated[str | None, Query(
        max_length=100, examples=["35.69,51.42,100"],
        description="`LAT,LON,KM`: only events located within KM kilometres (great-circle) of that point; "
        "latitude -90..90, longitude -180..180, radius 0 < KM <= 20038.")] = None,
) -> EventFilters:
    """The filters shared by `GET /events` and `/events/export`, validated and normalised (codes upper-case)."""
    circle = None
    if near is not None and near.strip():
        try:
            circle = parse_near(near)
        except ValueError as exc:
            raise _invalid("query.near", str(exc)) from None
    return EventFilters(
        source=source.upper() if source else None, target=target.upper() if target else None,
        actor=actor.upper() if actor else None, country=country.upper() if country else None,
        code=code, root_code=root_code, quad_class=quad_class, since=since, until=until, near=circle,
    )


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def _csv_chunk(rows: list[asyncpg.Record], header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    if header:
        writer.writerow(EXPORT_COLUMNS)
    writer.writerows([[_csv_value(r[c]) for c in EXPORT_COLUMNS] for r in rows])
    return out.getvalue().encode()


def _ndjson_chunk(rows: list[asyncpg.Record]) -> bytes:
    lines = []
    for r in rows:
        record = dict(r)
        record["Day"] = int(record["Day"])  # GDELT's Day is an integer, YYYYMMDD
        lines.append(orjson.dumps(record))
    return b"\n".join(lines) + b"\n" if lines else b""


def register(
    app: FastAPI,
    *,
    pool: Callable[[Request], asyncpg.Pool],
    after: Callable[[str, str | None], list[Any] | None],
    secret: bytes,
    errors: dict[int | str, dict[str, Any]],
) -> None:
    """Add the event and place routes to `app`. `after(scope, token)` checks a cursor (422 when bad)."""

    @app.get(
        "/events",
        dependencies=[Depends(require_scope("read"))],
        response_model=EventPage,
        responses=errors,
        summary="Search canonical events",
        description="Canonical events (one per day, source actor, target actor, CAMEO code and place, however many "
        "articles report it), newest day first, with counts of their mentions, articles and sources. Filters "
        "combine with AND.",
    )
    async def search_events(
        request: Request,
        filters: Annotated[EventFilters, Depends(event_filters)],
        limit: Limit = 50,
        cursor_token: Cursor = None,
    ) -> EventPage:
        scope = cursor.query_scope("events", **filters.scope())
        async with pool(request).acquire() as conn:
            rows, next_key = await list_events(conn, filters, limit, after(scope, cursor_token))
        return EventPage.model_validate({
            "items": rows,
            "next_cursor": cursor.encode(secret, scope, next_key) if next_key is not None else None,
        })

    # Declared before /events/{event_id}, which would otherwise take "export" for an id.
    @app.get(
        "/events/export",
        dependencies=[Depends(require_scope("read"))],
        response_class=StreamingResponse,
        responses={
            200: {"description": "The events, streamed.",
                  "content": {"text/csv": {}, "application/x-ndjson": {}}},
            **errors,
        },
        summary="Export events (CSV or NDJSON, GDELT-like columns)",
        description="The events `GET /events` would list with the same filters, in the same order, streamed with "
        f"GDELT 2.0 column names: {', '.join(EXPORT_COLUMNS)}. Country codes are ISO 3166-1 alpha-3 (GDELT's "
        "ActionGeo_CountryCode is FIPS); GlobalEventID is our hexadecimal event id; SOURCEURL is the first "
        "reporting article's URL.",
    )
    async def export_events(
        request: Request,
        filters: Annotated[EventFilters, Depends(event_filters)],
        format: Annotated[Literal["csv", "ndjson"], Query(
            description="`csv` (RFC 4180, with a header row) or `ndjson` (one JSON object per line).")] = "csv",
        limit: Annotated[int, Query(
            ge=1, le=100_000, description="Most events exported (1-100000).")] = 10_000,
    ) -> StreamingResponse:
        sql, args = export_query(filters, limit)
        db = pool(request)
        # The connection, transaction and first chunk are taken before the response starts, so a database
        # failure is still a JSON 503 rather than a 200 cut short.
        conn = await db.acquire()
        transaction = conn.transaction(readonly=True)
        started = False
        try:
            await transaction.start()
            started = True
            rows_cursor = await conn.cursor(sql, *args)
            first = await rows_cursor.fetch(EXPORT_CHUNK)
        except BaseException:
            await _close(db, conn, transaction if started else None)
            raise

        async def body() -> AsyncIterator[bytes]:
            try:
                rows = first
                if format == "csv":
                    yield _csv_chunk([], header=True)
                while rows:
                    yield _csv_chunk(rows, header=False) if format == "csv" else _ndjson_chunk(rows)
                    if len(rows) < EXPORT_CHUNK:
                        break
                    rows = await rows_cursor.fetch(EXPORT_CHUNK)
            finally:
                # Also runs when the client goes away mid-stream: the connection must go back to the pool.
                await _close(db, conn, transaction)

        media_type = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return StreamingResponse(
            body(), media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="newsflow-events-{stamp}.{format}"'},
        )

    @app.get(
        "/events/{event_id}",
        dependencies=[Depends(require_scope("read"))],
        response_model=EventDetail,
        responses={404: {"model": ErrorResponse, "description": "No event with this id."}, **errors},
        summary="One canonical event with its mentions",
        description="The event, and each sentence that reports it: the article, the sentence text, the trigger, "
        f"the actors as written, confidence and tone (oldest article first, at most {MAX_EVENT_MENTIONS}).",
    )
    async def read_event(
        request: Request,
        event_id: Annotated[str, Path(max_length=64, description="Event id, as listed by `GET /events`.")],
    ) -> EventDetail:
        async with pool(request).acquire() as conn:
            found = await get_event(conn, event_id, MAX_EVENT_MENTIONS)
        if found is None:
            raise ApiError(404, f"No event with id {event_id!r}.")
        return EventDetail.model_validate(found)

    @app.get(
        "/places",
        dependencies=[Depends(require_scope("read"))],
        response_model=PlacePage,
        responses=errors,
        summary="Top places",
        description="Places (gazetteer entries) ranked by the number of distinct articles that mention them.",
    )
    async def list_places(
        request: Request,
        country: Annotated[str | None, Query(
            pattern=r"^[A-Za-z]{3}$", examples=["IRN"],
            description="Only places in this country (ISO 3166-1 alpha-3, case-insensitive).")] = None,
        kind: Annotated[str | None, Query(
            pattern=r"^[a-z0-9_]{1,30}$", examples=["city"],
            description="Only this feature kind: country, admin1, city, region, continent, water or facility.")] = None,
        q: Annotated[str | None, Query(
            max_length=300, examples=["teh"],
            description="Only places whose name contains this text (case-insensitive).")] = None,
        since: Annotated[datetime | None, Query(
            description="Count only articles dated at or after this instant (ISO 8601; no offset means UTC).",
        )] = None,
        until: Annotated[datetime | None, Query(
            description="Count only articles dated strictly before this instant (ISO 8601, UTC default).")] = None,
        limit: Limit = 50,
        cursor_token: Cursor = None,
    ) -> PlacePage:
        query = q.strip() if q else None
        filters = PlaceFilters(country=country.upper() if country else None, kind=kind, q=query or None,
                               since=since, until=until)
        scope = cursor.query_scope(
            # `feature_kind`, not `kind`: query_scope's own first parameter is called that.
            "places", country=filters.country, feature_kind=filters.kind, q=filters.q.lower() if filters.q else None,
            since=since.isoformat() if since else None, until=until.isoformat() if until else None,
        )
        async with pool(request).acquire() as conn:
            rows, next_key = await top_places(conn, filters, limit, after(scope, cursor_token))
        return PlacePage(
            items=[PlaceCount.model_validate(row) for row in rows],
            next_cursor=cursor.encode(secret, scope, next_key) if next_key is not None else None,
        )


async def _close(db: asyncpg.Pool, conn: asyncpg.Connection, transaction: Any | None) -> None:
    """End the export's read-only transaction (if any) and give the connection back, whatever happens."""
    try:
        if transaction is not None:
            await transaction.rollback()
    except Exception as exc:  # a broken connection: the pool's release below discards it
        log.warning("export: could not end the transaction: %r", exc)
    finally:
        await db.release(conn)
