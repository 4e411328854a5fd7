"""API keys with scopes, for the HTTP services (ingest, api).

Keys are configured by the operator in `NEWSFLOW_API_KEYS` as comma-separated entries `NAME:SCOPES:SHA256`,
where SCOPES is `+`-joined from `ingest`, `read`, `admin` and SHA256 is the hex digest of the key (the key itself
is never stored; `newsflow keys new NAME` makes one). Clients send `Authorization: Bearer <key>`. Removing an
entry revokes its key. With no keys configured every request is refused, unless the operator explicitly
switches on open mode (`NEWSFLOW_AUTH_OPEN=true`).
"""

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http import ApiError

log = logging.getLogger(__name__)

SCOPES = frozenset({"ingest", "read", "admin"})
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


@dataclass(frozen=True)
class ApiKey:
    """A configured key: its name (for logs and rate limits), scopes and SHA-256 digest."""

    name: str
    scopes: frozenset[str]
    digest: bytes


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh random key (256 bits), prefixed so it is recognisable in a secret scanner."""
    return "nf_" + secrets.token_urlsafe(32)


def key_entry(name: str, scopes: list[str] | frozenset[str], key: str) -> str:
    """The `NEWSFLOW_API_KEYS` entry for a key."""
    return f"{name}:{'+'.join(sorted(scopes))}:{hash_key(key)}"


def parse_keys(spec: str) -> list[ApiKey]:
    """Keys from a `NEWSFLOW_API_KEYS` value; raises ValueError naming the first bad entry."""
    keys = []
    for raw in spec.replace("\n", ",").split(","):
        entry = raw.strip()
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) != 3:
            raise ValueError(f"API key entry {parts[0]!r}: expected NAME:SCOPES:SHA256")
        name, scopes_text, digest = parts
        scopes = frozenset(s for s in scopes_text.split("+") if s)
        if not scopes or not scopes <= SCOPES:
            raise ValueError(f"API key {name!r}: scopes must be among {sorted(SCOPES)}, got {scopes_text!r}")
        try:
            digest_bytes = bytes.fromhex(digest)
        except ValueError:
            digest_bytes = b""
        if len(digest_bytes) != 32:
            raise ValueError(f"API key {name!r}: the third field must be the key's SHA-256 hex digest")
        keys.append(ApiKey(name, scopes, digest_bytes))
    return keys


class RateLimiter:
    """A token bucket per key name: `per_minute` requests, refilled continuously (0 = unlimited)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, name: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        tokens, last = self._buckets.get(name, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60)
        if tokens < 1:
            self._buckets[name] = (tokens, now)
            return False
        self._buckets[name] = (tokens - 1, now)
        return True


class KeyRing:
    """Checks a presented key against the configured ones, in constant time per comparison."""

    def __init__(self, spec: str, open_mode: bool) -> None:
        self.keys = parse_keys(spec)
        self.open_mode = open_mode
        if open_mode:
            log.warning("open mode: API keys are not checked (NEWSFLOW_AUTH_OPEN=true)")
        elif not self.keys:
            log.warning("no API keys configured (NEWSFLOW_API_KEYS): every request needing a key will get 401")

    def check(self, presented: str | None, scope: str) -> ApiKey | None:
        """The matching key; raises 401 without a valid key, 403 when it lacks `scope`. None in open mode."""
        if self.open_mode:
            return None
        if not presented:
            raise ApiError(401, "An API key is required: send `Authorization: Bearer <key>`.",
                           headers={"WWW-Authenticate": "Bearer"})
        digest = hashlib.sha256(presented.encode()).digest()
        match = None
        for key in self.keys:  # every key compared, so timing tells nothing about which one nearly matched
            if hmac.compare_digest(digest, key.digest):
                match = key
        if match is None:
            raise ApiError(
                401, "The API key is not valid (unknown or revoked).", headers={"WWW-Authenticate": "Bearer"}
            )
        if scope not in match.scopes and "admin" not in match.scopes:
            raise ApiError(403, f"The API key {match.name!r} lacks the {scope!r} scope.", code="forbidden")
        return match


def require_scope(scope: str) -> Callable[..., Awaitable[ApiKey | None]]:
    """A FastAPI dependency: the request's key must have `scope` (reads `app.state.keyring`)."""

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> ApiKey | None:
        key = request.app.state.keyring.check(credentials.credentials if credentials else None, scope)
        limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
        if key is not None and limiter is not None and not limiter.allow(key.name):
            raise ApiError(429, f"Rate limit of {limiter.per_minute} requests per minute reached for this key.",
                           code="rate_limited", headers={"Retry-After": "5"})
        return key

    return dependency
