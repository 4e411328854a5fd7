"""Opaque, tamper-checked keyset-pagination cursors.

Consumes the sort key of the last row of a page and a fingerprint of the query that produced it; produces a
URL-safe token `payload.signature`. The signature is an HMAC-SHA256 over the query fingerprint and the
payload, so a cursor that was forged, garbled, or taken from a different query (other filters) fails to
verify. The payload is JSON, base64url-encoded: opaque to clients, but not secret -- it holds nothing a client
couldn't see in the page itself.
"""

import base64
import hashlib
import hmac
from typing import Any

import orjson

_SIGNATURE_BYTES = 16  # 128 bits is plenty against forgery and keeps URLs short.


class InvalidCursor(ValueError):
    """The cursor is not one this API issued for this query."""


def derive_secret(material: str) -> bytes:
    """A signing key derived from `material` (the database URL when no secret is configured)."""
    return hashlib.sha256(b"newsflow-cursor-v1\0" + material.encode()).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, scope: str, payload: str) -> bytes:
    return hmac.new(secret, scope.encode() + b"\0" + payload.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def query_scope(kind: str, **filters: Any) -> str:
    """A canonical fingerprint of a query: which endpoint and which filters (the limit may change freely)."""
    return orjson.dumps([kind, filters], option=orjson.OPT_SORT_KEYS).decode()


def encode(secret: bytes, scope: str, key: list[Any]) -> str:
    """The cursor that continues the query `scope` after the row whose sort key is `key`."""
    payload = _b64encode(orjson.dumps(key))
    return f"{payload}.{_b64encode(_sign(secret, scope, payload))}"


def decode(secret: bytes, scope: str, token: str) -> list[Any]:
    """The sort key in `token`, if this API issued it for the query `scope`; else `InvalidCursor`."""
    payload, _, signature = token.partition(".")
    try:
        given = _b64decode(signature)
        expected = _sign(secret, scope, payload)
        if not hmac.compare_digest(given, expected):
            raise InvalidCursor("cursor is invalid, or belongs to a different query")
        key = orjson.loads(_b64decode(payload))
    except (ValueError, TypeError) as exc:  # binascii.Error and orjson's decode error are ValueErrors
        raise InvalidCursor("cursor is invalid, or belongs to a different query") from exc
    if not isinstance(key, list):
        raise InvalidCursor("cursor is invalid")
    return key
