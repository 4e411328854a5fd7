"""The ingest API against a real Valkey: what a client sees and what lands on the stream."""

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from newsflow.embedded import EmbeddedValkey
from services.ingest.main import create_app
from services.ingest.settings import IngestSettings
from shared.auth import key_entry
from shared.messages import ArticleSubmitted
from shared.streams import ARTICLES_SUBMITTED

pytestmark = pytest.mark.integration

KEY = "nf_test-key-for-ingest"

ARTICLE = {
    "title": "Army chief visits Tehran",
    "text": "The Pakistani Army Chief visited Tehran on Monday.",
    "url": "https://Example.org/news/1?utm_source=feed",
    "source": "Example Times",
    "published_at": "2024-05-02T09:30:00",
    "metadata": {"section": "world"},
}


@pytest.fixture
async def client(redis: Redis, valkey: EmbeddedValkey) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(
        redis_url=valkey.url, max_body_bytes=4096, max_batch_bytes=100_000, max_batch_items=50,
        api_keys=key_entry("tester", ["ingest"], KEY),
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest", headers=headers) as http:
            yield http


async def stream_messages(redis: Redis) -> list[ArticleSubmitted]:
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    out = []
    for _, fields in await redis.xrange(ARTICLES_SUBMITTED):
        data, headers = BinaryMessageFormatV1.parse(fields[b"__data__"])
        assert headers["content-type"] == "application/json"
        out.append(ArticleSubmitted.model_validate_json(data))
    return out


async def test_post_article_is_queued_with_canonical_identity(client: httpx.AsyncClient, redis: Redis) -> None:
    response = await client.post("/articles", json=ARTICLE, headers={"X-Request-ID": "req-1"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["duplicate"] is False
    assert body["canonical_url"] == "https://example.org/news/1"
    assert response.headers["x-request-id"] == "req-1"
    [message] = await stream_messages(redis)
    assert message.article_id == body["id"]
    assert message.correlation_id == "req-1"
    assert message.published_at is not None and message.published_at.utcoffset().total_seconds() == 0
    assert message.metadata == {"section": "world"}


async def test_repost_is_a_duplicate_and_not_queued_again(client: httpx.AsyncClient, redis: Redis) -> None:
    first = (await client.post("/articles", json=ARTICLE)).json()
    again = await client.post("/articles", json={**ARTICLE, "url": "https://example.org/news/1#comments"})
    assert again.status_code == 202
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert len(await stream_messages(redis)) == 1


async def test_changed_text_is_a_new_revision_of_the_same_article(client: httpx.AsyncClient, redis: Redis) -> None:
    first = (await client.post("/articles", json=ARTICLE)).json()
    second = (await client.post("/articles", json={**ARTICLE, "text": ARTICLE["text"] + " Updated."})).json()
    assert second["id"] == first["id"] and second["revision"] != first["revision"]
    assert second["status"] == "accepted"
    assert [m.revision for m in await stream_messages(redis)] == [first["revision"], second["revision"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x"}, "body.title"),
        ({"title": "t", "text": "   \n "}, "body.text"),
        ({"title": "t", "text": "x", "url": "ftp://example.org/a"}, "body.url"),
        ({"title": "t", "text": "x", "published_at": "yesterday"}, "body.published_at"),
        ({"title": "t", "text": "x", "language": "English"}, "body.language"),
        ({"title": "t", "text": "x", "metadata": [1, 2]}, "body.metadata"),
        ({"title": "t", "text": "x", "unknown": 1}, "body.unknown"),
        ({"title": 5, "text": "x"}, "body.title"),
    ],
)
async def test_invalid_fields_are_named_in_a_422(client: httpx.AsyncClient, body: dict, field: str) -> None:
    response = await client.post("/articles", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]]


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/articles", content=b'{"title": "x", ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


async def test_body_over_the_limit_is_a_413(client: httpx.AsyncClient, redis: Redis) -> None:
    response = await client.post("/articles", json={**ARTICLE, "text": "word " * 2000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "t", "text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    chunked = await client.post("/articles", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert await stream_messages(redis) == []


async def test_control_characters_are_removed_and_html_kept_verbatim(client: httpx.AsyncClient, redis: Redis) -> None:
    text = "Nul\x00 byte and <script>alert(1)</script> and emoji 🗞️ and مرحبا"
    response = await client.post("/articles", json={"title": "T\x07", "text": text, "metadata": {"k\x00": "v\x01"}})
    assert response.status_code == 202
    [message] = await stream_messages(redis)
    assert message.text == "Nul byte and <script>alert(1)</script> and emoji 🗞️ and مرحبا"
    assert message.title == "T" and message.metadata == {"k": "v"}


async def test_batch_json_array_reports_each_entry(client: httpx.AsyncClient, redis: Redis) -> None:
    entries = [ARTICLE, {"title": "no text"}, {**ARTICLE, "url": "https://example.org/news/2"}, ARTICLE]
    response = await client.post("/articles/batch", json=entries)
    assert response.status_code == 202
    body = response.json()
    assert [i["status"] for i in body["items"]] == ["accepted", "invalid", "accepted", "duplicate"]
    assert (body["accepted"], body["duplicates"], body["invalid"]) == (2, 1, 1)
    assert body["items"][1]["errors"][0]["field"] == "text"
    assert len(await stream_messages(redis)) == 2


async def test_batch_ndjson_with_a_broken_line(client: httpx.AsyncClient, redis: Redis) -> None:
    import json

    lines = [json.dumps({**ARTICLE, "url": f"https://example.org/n/{i}"}) for i in range(3)]
    body = "\n".join([lines[0], "{not json", "", lines[1], lines[2]]) + "\n"
    response = await client.post("/articles/batch", content=body, headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 202
    assert [i["status"] for i in response.json()["items"]] == ["accepted", "invalid", "accepted", "accepted"]
    assert len(await stream_messages(redis)) == 3


async def test_batch_over_item_limit_is_a_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/articles/batch", json=[ARTICLE] * 51)
    assert response.status_code == 413


async def test_redis_down_is_a_503_with_retry_after() -> None:
    from newsflow.embedded import free_port

    app = create_app(IngestSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0", auth_open=True))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        response = await http.post("/articles", json=ARTICLE)
        ready = await http.get("/readyz")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "unavailable"
    assert ready.status_code == 503


async def test_backlog_over_the_bound_is_a_429_with_retry_after(redis: Redis, valkey: EmbeddedValkey) -> None:
    from shared.broker import ensure_groups

    await ensure_groups(redis)
    app = create_app(IngestSettings(redis_url=valkey.url, max_backlog=2, auth_open=True))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        app.state.backpressure._interval = 0  # re-read the backlog on every request in this test
        statuses = [
            (await http.post("/articles", json={**ARTICLE, "url": f"https://example.org/{i}"})).status_code
            for i in range(4)
        ]
        refused = await http.post("/articles", json={**ARTICLE, "url": "https://example.org/late"})
    assert statuses == [202, 202, 202, 429]  # nothing consumes: the backlog grows to 3 > 2
    assert refused.headers["retry-after"] == "10"
    assert refused.json()["error"]["code"] == "backlog_full"
    assert len(await stream_messages(redis)) == 3


async def test_api_keys_missing_wrong_scope_revoked_and_rate_limited(redis: Redis, valkey: EmbeddedValkey) -> None:
    reader, writer, revoked = "nf_reader", "nf_writer", "nf_revoked"
    entries = ",".join([key_entry("reader", ["read"], reader), key_entry("writer", ["ingest"], writer)])
    app = create_app(IngestSettings(redis_url=valkey.url, api_keys=entries, rate_limit_per_minute=2))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as http:

        async def post(key: str | None, n: int = 0) -> httpx.Response:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return await http.post("/articles", json={**ARTICLE, "url": f"https://e.org/{n}"}, headers=headers)

        missing, wrong_scope, unknown = await post(None), await post(reader), await post(revoked)
        first, second, third = await post(writer, 1), await post(writer, 2), await post(writer, 3)
        health = await http.get("/healthz")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong_scope.status_code == 403 and wrong_scope.json()["error"]["code"] == "forbidden"
    assert unknown.status_code == 401
    assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
    assert third.json()["error"]["code"] == "rate_limited"
    assert health.status_code == 200  # probes need no key
    assert len(await stream_messages(redis)) == 2


def test_key_entries_are_validated() -> None:
    from shared.auth import parse_keys

    [key] = parse_keys(key_entry("ops", ["admin", "read"], "nf_x"))
    assert key.name == "ops" and key.scopes == {"admin", "read"}
    for bad in ["ops:read", "ops:write:" + "0" * 64, "ops:read:nothex", "ops::" + "0" * 64]:
        with pytest.raises(ValueError):
            parse_keys(bad)


async def test_dead_letters_are_listed_and_replayed_by_admins_only(redis: Redis, valkey: EmbeddedValkey) -> None:
    from services.ingest.schemas import ArticleIn
    from services.ingest.submit import to_message
    from shared.broker import publish_many
    from shared.messages import MessageDeadLettered
    from shared.streams import ARTICLES_DEAD

    original = to_message(ArticleIn.model_validate(ARTICLE), "req-dead")
    dead = MessageDeadLettered(
        stream=ARTICLES_SUBMITTED, group="nlp", entry_id="1-0", delivery_count=5, error="RuntimeError: boom",
        article_id=original.article_id, revision=original.revision, payload=original.model_dump_json(),
    )
    await publish_many(redis, ARTICLES_DEAD, [dead])
    admin, writer = "nf_admin", "nf_writer"
    entries = ",".join([key_entry("ops", ["admin"], admin), key_entry("w", ["ingest"], writer)])
    app = create_app(IngestSettings(redis_url=valkey.url, api_keys=entries))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        as_admin = {"Authorization": f"Bearer {admin}"}
        forbidden = await http.get("/dead-letters", headers={"Authorization": f"Bearer {writer}"})
        listed = (await http.get("/dead-letters", headers=as_admin)).json()["items"]
        empty = await http.post("/dead-letters/replay", json={}, headers=as_admin)
        replayed = (await http.post("/dead-letters/replay", json={"ids": [listed[0]["id"], "9-9"]}, headers=as_admin))
    assert forbidden.status_code == 403
    assert [(d["article_id"], d["error"], d["delivery_count"]) for d in listed] == [
        (original.article_id, "RuntimeError: boom", 5)
    ]
    assert empty.status_code == 422
    assert replayed.json() == {"replayed": [listed[0]["id"]], "not_found": ["9-9"]}
    assert await redis.xlen(ARTICLES_DEAD) == 0
    [message] = await stream_messages(redis)
    assert message == original


@pytest.mark.parametrize("correlation_id", ["req-1:0", "r" * 300, "é-ü:3"])
async def test_envelope_is_byte_identical_to_faststreams(correlation_id: str) -> None:
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    from shared.broker import envelope

    for payload in (b'{"a":1}', b"", "ü".encode() * 1000):
        expected = await BinaryMessageFormatV1.encode(
            message=payload, reply_to=None, headers={"content-type": "application/json"}, correlation_id=correlation_id,
        )
        assert envelope(payload, correlation_id) == expected


async def test_batch_strips_control_characters_escaped_or_raw(client: httpx.AsyncClient, redis: Redis) -> None:
    body = b'[{"title": "A\\u0007 title\x7f", "text": "Body\\b text", "metadata": {"k\\f": "v\\u001f"}}]'
    response = await client.post("/articles/batch", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text
    assert response.json()["items"][0]["status"] == "accepted"
    [message] = await stream_messages(redis)
    assert (message.title, message.text, message.metadata) == ("A title", "Body text", {"k": "v"})


async def test_invalid_utf8_is_a_400_not_a_500(client: httpx.AsyncClient, redis: Redis) -> None:
    body = b'{"title": "caf\xe9", "text": "invalid \xff\xfe bytes"}'
    response = await client.post("/articles", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("bad_request", "malformed_json", "validation_error")
    batch = await client.post("/articles/batch", content=b"\xff\xfe\n" + body,
                              headers={"content-type": "application/x-ndjson"})
    assert batch.status_code == 202 and {i["status"] for i in batch.json()["items"]} == {"invalid"}
    assert await stream_messages(redis) == []


async def test_logs_above_debug_carry_neither_keys_nor_article_text(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    secret_text = "Zanzibar-sentinel-phrase in the article body."
    with caplog.at_level(logging.INFO):
        await client.post("/articles", json={**ARTICLE, "text": secret_text})
        await client.post("/articles/batch", json=[{**ARTICLE, "url": "https://e.org/b", "text": secret_text}])
        await client.post("/articles", json={**ARTICLE, "text": secret_text}, headers={"Authorization": "Bearer nf_x"})
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records if r.levelno > logging.DEBUG)
    assert caplog.records, "expected some INFO logs to inspect"
    assert "Zanzibar" not in logged and KEY not in logged and "nf_x" not in logged
