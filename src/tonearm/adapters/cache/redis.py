"""RedisCache: the Cache in any Redis (Upstash's included), shared by every server process.

Every key lives under one prefix (`tonearm:` by default): values as `{prefix}{key}`, locks as
`{prefix}lock:{name}` and rate-limit windows under `{prefix}ratelimit:`, so value keys must
not start with `lock:` or `ratelimit:`. Connection failures become Unavailable naming the URL,
its password masked.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import cast

import structlog
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockNotOwnedError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tonearm.adapters.cache.base import LockNotAcquired, RateLimitResult
from tonearm.adapters.cache.ratelimit import hit_sliding_window
from tonearm.errors import Unavailable
from tonearm.settings import mask_url

log = structlog.get_logger(__name__)

_CONNECT_TIMEOUT_SECONDS = 3.0
# Bounds every command, so a Redis that stops answering fails a request instead of hanging it.
_COMMAND_TIMEOUT_SECONDS = 5.0
# Idle connections are pinged before reuse; hosted Redis (Upstash) drops idle ones.
_HEALTH_CHECK_INTERVAL_SECONDS = 30
_LOCK_POLL_SECONDS = 0.05

# INCRBY then PEXPIRE only if INCRBY created the key, in one step so a concurrent incr cannot
# slip between (PEXPIRE NX would also set a TTL on an existing counter that has none).
_INCR_SCRIPT = """
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl_ms = tonumber(ARGV[2])
if created and ttl_ms > 0 then
    redis.call('PEXPIRE', KEYS[1], ttl_ms)
end
return value
"""


class RedisCache:
    """The Cache interface on a Redis server reached at `url` (redis:// or rediss://).

    Nothing connects until the first command; call check() at start-up to fail early. Rate
    limits store client timestamps (`limits` uses `time.time()`), so the clocks of the
    processes sharing a Redis should agree to well under a window.
    """

    def __init__(self, url: str, key_prefix: str = "tonearm:") -> None:
        self._url = url
        self._prefix = key_prefix
        self._client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=_COMMAND_TIMEOUT_SECONDS,
            health_check_interval=_HEALTH_CHECK_INTERVAL_SECONDS,
        )
        self._incr_script = self._client.register_script(_INCR_SCRIPT)
        # Sharing our connection pool means one set of connections, closed by close().
        # `limits` types its pass-through options as scalars; redis-py takes the pool.
        self._rate_storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=f"{key_prefix}ratelimit",
            connection_pool=self._client.connection_pool,  # type: ignore[arg-type]
        )
        self._rate_limiter = MovingWindowRateLimiter(self._rate_storage)

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        with self._reachable():
            value: bytes | None = await self._client.get(self._key(key))
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        """Store `value`; it disappears after `ttl_seconds` (None: never).

        Raises ValueError when `ttl_seconds` is not positive.
        """
        ttl_ms = None if ttl_seconds is None else _milliseconds(ttl_seconds)
        with self._reachable():
            await self._client.set(self._key(key), value, px=ttl_ms)

    async def delete(self, *keys: str) -> None:
        """Remove the keys; missing keys are ignored."""
        if not keys:
            return
        with self._reachable():
            await self._client.delete(*(self._key(key) for key in keys))

    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        """Add `amount` atomically and return the new value (absent counts as 0).

        `ttl_seconds` is applied only when the counter is created. Raises ValueError when
        `ttl_seconds` is not positive or the stored value is not an integer.
        """
        ttl_ms = 0 if ttl_seconds is None else _milliseconds(ttl_seconds)
        try:
            with self._reachable():
                value = await self._incr_script(keys=[self._key(key)], args=[amount, ttl_ms])
        except ResponseError as error:
            # The only reply error INCRBY gives: the value is not an integer (or overflows).
            raise ValueError(f"{key!r} does not hold an integer ({error})") from error
        return int(value)

    async def ttl(self, key: str) -> float | None:
        """Seconds until `key` expires; None when absent or without expiry."""
        with self._reachable():
            ttl_ms = int(await self._client.pttl(self._key(key)))
        # PTTL answers -2 for a missing key and -1 for one without expiry.
        return None if ttl_ms < 0 else ttl_ms / 1000

    def lock(
        self, name: str, expire_seconds: float, wait_seconds: float = 0.0
    ) -> AbstractAsyncContextManager[None]:
        """Hold `name` exclusively inside the `async with` block.

        The lock frees itself after `expire_seconds` even if its holder died; leaving the
        block releases it only if it is still ours (a token check in Redis). Raises
        LockNotAcquired when it is not free within `wait_seconds`.
        """
        return self._hold(name, expire_seconds, wait_seconds)

    async def hit_rate_limit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult:
        """Count one hit against at most `limit` hits per sliding `window_seconds`.

        A refused hit is not counted. Raises ValueError when `window_seconds` is below 1.
        """
        with self._reachable():
            return await hit_sliding_window(self._rate_limiter, key, limit, window_seconds, cost)

    async def check(self) -> None:
        """Ping Redis; raise Unavailable with one line naming the URL and the reason if not."""
        try:
            # redis-py types ping() for both its sync and async clients: narrow it.
            await cast(Awaitable[bool], self._client.ping())
        except RedisError as error:
            raise Unavailable(self._cannot_reach(error)) from error

    async def close(self) -> None:
        """Close the connections (the rate limiter shares them)."""
        await self._client.aclose()

    # Internals

    def _key(self, key: str) -> str:
        return f"{self._prefix}{key}"

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise Unavailable(self._cannot_reach(error)) from error

    def _cannot_reach(self, error: BaseException) -> str:
        return f"cannot reach {mask_url(self._url)} ({_reason(error)})"

    @asynccontextmanager
    async def _hold(
        self, name: str, expire_seconds: float, wait_seconds: float
    ) -> AsyncIterator[None]:
        if expire_seconds <= 0:
            raise ValueError(f"expire_seconds must be positive, not {expire_seconds}")
        lock = Lock(
            self._client,
            self._key(f"lock:{name}"),
            timeout=expire_seconds,
            sleep=_LOCK_POLL_SECONDS,
            blocking=wait_seconds > 0,
            blocking_timeout=wait_seconds,
            # Each hold has its own Lock object; a thread-local token would be shared by
            # every task on the loop's thread.
            thread_local=False,
        )
        with self._reachable():
            acquired = await lock.acquire()
        if not acquired:
            raise LockNotAcquired(name)
        try:
            yield
        finally:
            try:
                with self._reachable():
                    await lock.release()
            except LockNotOwnedError:
                # It expired while held and may belong to someone else now: leave it be.
                log.warning("cache.lock_expired_before_release", lock=name)


def _milliseconds(ttl_seconds: float) -> int:
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
    # Rounded up, so a tiny TTL still gives the value a moment rather than an error.
    return math.ceil(ttl_seconds * 1000)


def _reason(error: BaseException) -> str:
    """A short, single-line cause: the OS's words for a socket error, else the message."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, socket.gaierror) and cause.strerror:
            return cause.strerror
        if isinstance(cause, OSError) and cause.errno is not None:
            return os.strerror(cause.errno)
        if isinstance(cause, TimeoutError | RedisTimeoutError):
            return "timed out"
        cause = cause.__cause__ or cause.__context__
    return " ".join(str(error).split()).rstrip(".") or type(error).__name__


__all__ = ["RedisCache"]
