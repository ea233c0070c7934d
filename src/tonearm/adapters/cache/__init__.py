"""The Cache interface and its implementations, picked by URL with open_cache()."""

from __future__ import annotations

from urllib.parse import urlsplit

from tonearm.adapters.cache.base import Cache, LockNotAcquired, RateLimitResult
from tonearm.adapters.cache.memory import MemoryCache
from tonearm.adapters.cache.redis import RedisCache
from tonearm.errors import ConfigError
from tonearm.settings import mask_url

_REDIS_SCHEMES = {"redis", "rediss"}


def open_cache(url: str) -> Cache:
    """The Cache for `url`: memory:// for MemoryCache, redis:// or rediss:// for RedisCache.

    Opens no connection (call `check()` for that). Raises ConfigError naming
    TONEARM_CACHE_URL for any other scheme.
    """
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryCache()
    if scheme in _REDIS_SCHEMES:
        return RedisCache(url)
    raise ConfigError(
        "TONEARM_CACHE_URL",
        f"unsupported scheme {scheme!r} in {mask_url(url)}: use memory:// or redis://",
    )


__all__ = [
    "Cache",
    "LockNotAcquired",
    "MemoryCache",
    "RateLimitResult",
    "RedisCache",
    "open_cache",
]
