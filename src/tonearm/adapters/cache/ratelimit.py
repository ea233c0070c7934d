"""One sliding-window hit through the `limits` library, shared by both caches."""

from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from tonearm.adapters.cache.base import RateLimitResult


async def hit_sliding_window(
    limiter: MovingWindowRateLimiter, key: str, limit: int, window_seconds: int, cost: int
) -> RateLimitResult:
    """Count `cost` hits on `key` against `limit` per `window_seconds`; a refused hit is not
    counted. Raises ValueError when `window_seconds` is below 1."""
    if window_seconds < 1:
        raise ValueError(f"window_seconds must be at least 1, not {window_seconds}")
    item = RateLimitItemPerSecond(limit, window_seconds)
    allowed = await limiter.hit(item, key, cost=cost)
    stats = await limiter.get_window_stats(item, key)
    remaining = max(0, stats.remaining)
    # `limits` reports, on time.time(), when the oldest hit in the window leaves it; with
    # none inside, its answer can be stale and nothing needs to leave anyway.
    reset_after = max(0.0, stats.reset_time - time.time()) if remaining < limit else 0.0
    return RateLimitResult(allowed, limit, remaining, reset_after)
