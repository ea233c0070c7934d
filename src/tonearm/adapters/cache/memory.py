"""MemoryCache: the Cache kept in this process's memory, the default for a single server.

Values live in a dict with per-key expiry; rate limits use the `limits` library's in-memory
moving window. Nothing is shared between processes, so run one server process with it (or use
RedisCache). Everything happens on one event loop: do not share an instance across threads.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import structlog

from tonearm.adapters.cache.base import LockNotAcquired, RateLimitResult

log = structlog.get_logger(__name__)

# How often a waiting lock() looks again: short enough that a waiter barely lags the release.
_LOCK_POLL_SECONDS = 0.01


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires_at: float | None  # on the cache's clock; None: never


@dataclass(slots=True)
class _Lease:
    token: object
    expires_at: float


class MemoryCache:
    """The Cache interface over a dict, with lazy expiry, a periodic sweep and a size bound.

    `clock` (seconds, monotonic) decides when values, counters and locks expire, so tests can
    move time on. Two things use real time regardless: waiting for a lock (`wait_seconds`)
    and rate limits (`time.monotonic()`, as the Redis cache's `limits` reads the time itself).

    At `max_entries` values, storing a new key evicts the one written longest ago. Expired
    values go when read, and all at once every `sweep_interval_seconds` of `clock` time.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_entries: int = 100_000,
        sweep_interval_seconds: float = 60.0,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self._clock = clock
        self._max_entries = max_entries
        self._sweep_interval_seconds = sweep_interval_seconds
        self._entries: dict[str, _Entry] = {}
        self._leases: dict[str, _Lease] = {}
        self._last_sweep = clock()
        # Rate limits: per key, the times of the hits inside its window, oldest first, and
        # the window. A sliding log like `limits`' moving window (Redis), without its cost
        # of counting every hit in the window on each hit.
        self._hits: dict[str, tuple[deque[float], int]] = {}

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        entry = self._live_entry(key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        """Store `value`; it disappears after `ttl_seconds` (None: never).

        Raises ValueError when `ttl_seconds` is not positive.
        """
        self._store(key, _Entry(bytes(value), self._expiry(ttl_seconds)))

    async def delete(self, *keys: str) -> None:
        """Remove the keys; missing keys are ignored."""
        for key in keys:
            self._entries.pop(key, None)

    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        """Add `amount` and return the new value (absent counts as 0).

        `ttl_seconds` is applied only when the counter is created. Atomic because nothing
        here awaits. Raises ValueError when the stored value is not an integer.
        """
        entry = self._live_entry(key)
        if entry is None:
            self._store(key, _Entry(str(amount).encode(), self._expiry(ttl_seconds)))
            return amount
        # Counters are stored as decimal text, as Redis does, so get() reads the same on both.
        try:
            value = int(entry.value) + amount
        except ValueError:
            raise ValueError(f"{key!r} does not hold an integer") from None
        entry.value = str(value).encode()
        return value

    async def ttl(self, key: str) -> float | None:
        """Seconds until `key` expires; None when absent or without expiry."""
        entry = self._live_entry(key)
        if entry is None or entry.expires_at is None:
            return None
        return entry.expires_at - self._clock()

    def lock(
        self, name: str, expire_seconds: float, wait_seconds: float = 0.0
    ) -> AbstractAsyncContextManager[None]:
        """Hold `name` exclusively inside the `async with` block.

        The lock frees itself after `expire_seconds` of `clock` time even if never released;
        leaving the block releases it only if it is still ours. Raises LockNotAcquired when
        it is not free within `wait_seconds` (real time).
        """
        return self._hold(name, expire_seconds, wait_seconds)

    async def hit_rate_limit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult:
        """Count one hit against at most `limit` hits per sliding `window_seconds`.

        A refused hit is not counted. Raises ValueError when `window_seconds` is below 1.
        """
        if window_seconds < 1:
            raise ValueError(f"window_seconds must be at least 1, not {window_seconds}")
        now = time.monotonic()
        # One log per key, limit and window, as `limits` keeps them (the Redis cache).
        key = f"{key}/{limit}/{window_seconds}"
        found = self._hits.get(key)
        hits = found[0] if found is not None else deque()
        while hits and hits[0] <= now - window_seconds:
            hits.popleft()
        allowed = len(hits) + cost <= limit
        if allowed:
            hits.extend([now] * cost)
        if hits:
            self._hits[key] = (hits, window_seconds)
        else:
            self._hits.pop(key, None)
        remaining = max(0, limit - len(hits))
        # When the oldest hit in the window leaves it (nothing needs to, with none inside).
        reset_after = max(0.0, hits[0] + window_seconds - now) if remaining < limit else 0.0
        return RateLimitResult(allowed, limit, remaining, reset_after)

    async def check(self) -> None:
        """Always usable: the memory is in this process."""

    async def close(self) -> None:
        """Drop everything held."""
        self._entries.clear()
        self._leases.clear()
        self._hits.clear()

    # Internals

    def _expiry(self, ttl_seconds: float | None) -> float | None:
        if ttl_seconds is None:
            return None
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
        return self._clock() + ttl_seconds

    def _live_entry(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        return entry

    def _store(self, key: str, entry: _Entry) -> None:
        self._sweep_if_due()
        # Re-inserting moves the key to the end, so dict order is the order of last write
        # and the first key is the one to evict.
        self._entries.pop(key, None)
        while len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = entry

    def _sweep_if_due(self) -> None:
        now = self._clock()
        if now - self._last_sweep < self._sweep_interval_seconds:
            return
        self._last_sweep = now
        expired = [
            key
            for key, entry in self._entries.items()
            if entry.expires_at is not None and entry.expires_at <= now
        ]
        for key in expired:
            del self._entries[key]
        for name in [name for name, lease in self._leases.items() if lease.expires_at <= now]:
            del self._leases[name]
        real_now = time.monotonic()
        for key in [k for k, (hits, window) in self._hits.items() if hits[-1] <= real_now - window]:
            del self._hits[key]

    @asynccontextmanager
    async def _hold(
        self, name: str, expire_seconds: float, wait_seconds: float
    ) -> AsyncIterator[None]:
        if expire_seconds <= 0:
            raise ValueError(f"expire_seconds must be positive, not {expire_seconds}")
        token = object()
        await self._acquire(name, token, expire_seconds, wait_seconds)
        try:
            yield
        finally:
            lease = self._leases.get(name)
            if lease is not None and lease.token is token:
                del self._leases[name]
            else:
                log.warning("cache.lock_expired_before_release", lock=name)

    async def _acquire(
        self, name: str, token: object, expire_seconds: float, wait_seconds: float
    ) -> None:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + wait_seconds
        while True:
            now = self._clock()
            lease = self._leases.get(name)
            if lease is None or lease.expires_at <= now:
                self._sweep_if_due()
                self._leases[name] = _Lease(token, now + expire_seconds)
                return
            left_seconds = give_up_at - loop.time()
            if left_seconds <= 0:
                raise LockNotAcquired(name)
            await asyncio.sleep(min(_LOCK_POLL_SECONDS, left_seconds))


__all__ = ["MemoryCache"]
