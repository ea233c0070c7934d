"""The Cache interface: short-lived shared values, counters, locks and rate limits.

Key families come from the specification: `hot:songs:{id}`, `user:recent:{user_id}`,
`trending:daily`, `cdn:urls:{song_id}:…`. Implementations: MemoryCache (in-process, the
default) and RedisCache (any Redis, Upstash's included). Standard library only.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from tonearm.errors import Unavailable


class LockNotAcquired(Unavailable):
    """Someone else holds the lock and it did not come free in time."""

    def __init__(self, name: str) -> None:
        super().__init__(f"lock {name!r} is held elsewhere")
        self.name = name


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    """The outcome of one hit on a sliding-window limit."""

    allowed: bool
    limit: int
    remaining: int
    reset_after_seconds: float


class Cache(Protocol):
    """Bytes by key with optional expiry, counters, expiring locks and sliding-window limits."""

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        """Store `value`; it disappears after `ttl_seconds` (None: never)."""
        ...

    async def delete(self, *keys: str) -> None:
        """Remove the keys; missing keys are ignored."""
        ...

    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        """Add `amount` atomically and return the new value (absent counts as 0).

        `ttl_seconds` is applied when the counter is created.
        """
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until `key` expires; None when absent or without expiry."""
        ...

    def lock(
        self, name: str, expire_seconds: float, wait_seconds: float = 0.0
    ) -> AbstractAsyncContextManager[None]:
        """Hold `name` exclusively inside the `async with` block.

        The lock frees itself after `expire_seconds` even if its holder died. Raises
        LockNotAcquired when it is not free within `wait_seconds`.
        """
        ...

    async def hit_rate_limit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult:
        """Count one hit against at most `limit` hits per sliding `window_seconds`."""
        ...

    async def check(self) -> None:
        """Raise Unavailable (with the reason) if the cache cannot be used."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


__all__ = ["Cache", "LockNotAcquired", "RateLimitResult"]
