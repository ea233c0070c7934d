"""RedisCache beyond the Cache contract: failure messages, key prefixing, open_cache()."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.servers import RunningServer, free_port
from tonearm.adapters.cache import MemoryCache, RedisCache, open_cache
from tonearm.errors import ConfigError, Unavailable

pytestmark = pytest.mark.anyio


@pytest.fixture
def dead_url() -> str:
    """A Redis URL where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
async def raw_redis(redis_server: RunningServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def test_check_against_a_dead_port_names_the_url_in_one_line(dead_url: str) -> None:
    cache = RedisCache(dead_url)
    try:
        with pytest.raises(Unavailable) as raised:
            await cache.check()
    finally:
        await cache.close()
    assert str(raised.value) == f"cannot reach {dead_url} (Connection refused)"


async def test_check_masks_the_password_in_the_url(dead_url: str) -> None:
    url = dead_url.replace("redis://", "redis://:hunter2@")
    cache = RedisCache(url)
    try:
        with pytest.raises(Unavailable) as raised:
            await cache.check()
    finally:
        await cache.close()
    message = str(raised.value)
    assert "hunter2" not in message
    assert message.startswith("cannot reach redis://:***@127.0.0.1:")
    assert "\n" not in message


async def test_commands_against_a_dead_port_raise_unavailable(dead_url: str) -> None:
    cache = RedisCache(dead_url)
    try:
        with pytest.raises(Unavailable, match="cannot reach"):
            await cache.get("k")
        with pytest.raises(Unavailable, match="cannot reach"):
            async with cache.lock("trending", expire_seconds=10):
                pass
        with pytest.raises(Unavailable, match="cannot reach"):
            await cache.hit_rate_limit("login", 1, 60)
    finally:
        await cache.close()


async def test_check_passes_against_a_running_server(redis_server: RunningServer) -> None:
    cache = RedisCache(redis_server.url)
    try:
        await cache.check()
    finally:
        await cache.close()


async def test_every_key_lands_under_the_prefix(
    redis_server: RunningServer, raw_redis: Redis
) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    limited = f"login-{uuid.uuid4().hex}"
    cache = RedisCache(redis_server.url, key_prefix=prefix)
    try:
        await cache.set("hot:songs:1", b"v")
        await cache.incr("plays")
        await cache.hit_rate_limit(limited, 5, 60)
        async with cache.lock("trending", expire_seconds=60):
            assert await raw_redis.exists(f"{prefix}lock:trending") == 1
    finally:
        await cache.close()

    assert await raw_redis.get(f"{prefix}hot:songs:1") == b"v"
    assert await raw_redis.get(f"{prefix}plays") == b"1"
    ours = {key.decode() async for key in raw_redis.scan_iter(match=f"{prefix}*")}
    assert {f"{prefix}hot:songs:1", f"{prefix}plays"} < ours
    assert any(key.startswith(f"{prefix}ratelimit:") and limited in key for key in ours)
    elsewhere = {key.decode() async for key in raw_redis.scan_iter()} - ours
    assert not any(limited in key for key in elsewhere)


def test_open_cache_memory_url_gives_a_memory_cache() -> None:
    assert isinstance(open_cache("memory://"), MemoryCache)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://user:pw@example.org:6380"])
async def test_open_cache_redis_urls_give_a_redis_cache(url: str) -> None:
    cache = open_cache(url)
    assert isinstance(cache, RedisCache)
    await cache.close()


def test_open_cache_refuses_other_schemes() -> None:
    with pytest.raises(ConfigError) as raised:
        open_cache("mysql://x")
    assert raised.value.setting == "TONEARM_CACHE_URL"
    assert "mysql" in str(raised.value)
