"""Rate limits as route dependencies: sliding windows in the cache, per user or per IP.

Two classes, both per minute and configurable: `control` (writes and expensive calls) and
`read` (library reads, stream-URL issue). `by_method` picks `read` for GET/HEAD and
`control` for the rest. Media bytes, art bytes, health and static files carry no limit.
The identity is the access token's user (checked by signature only, no database), else a
hash of the session cookie, else the client IP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import Request

from tonearm.api.deps import SAFE_METHODS, AuthDep, RateCounterDep, SettingsDep, client_ip
from tonearm.errors import RateLimited
from tonearm.users import AuthService
from tonearm.users.sessions import SESSION_COOKIE

LimitClass = Literal["control", "read", "by_method"]
WINDOW_SECONDS = 60


def _identity(request: Request, auth: AuthService) -> str:
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        user_id = auth.access_token_subject(token.strip())
        if user_id is not None:
            return f"user:{user_id}"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return "session:" + hashlib.sha256(cookie.encode()).hexdigest()[:32]
    return f"ip:{client_ip(request)}"


def rate_limit(limit_class: LimitClass) -> Callable[..., Awaitable[None]]:
    """A dependency counting the request against its class's limit; 429 when over."""

    async def check(
        request: Request, settings: SettingsDep, auth: AuthDep, counter: RateCounterDep
    ) -> None:
        chosen = limit_class
        if chosen == "by_method":
            chosen = "read" if request.method in SAFE_METHODS else "control"
        limit = (
            settings.rate_limit_read_per_minute
            if chosen == "read"
            else settings.rate_limit_control_per_minute
        )
        key = f"ratelimit:{chosen}:{_identity(request, auth)}"
        result = await counter.hit_rate_limit(key, limit, WINDOW_SECONDS)
        if not result.allowed:
            raise RateLimited(
                f"too many requests ({limit} per minute); slow down",
                max(1.0, result.reset_after_seconds),
            )

    return check


__all__ = ["LimitClass", "rate_limit"]
