"""The Cache contract, run against every implementation (MemoryCache, RedisCache).

Expiry is driven through `pass_time`: MemoryCache gets a fake clock moved on instantly,
Redis really waits a short TTL. Whatever waited on is then polled for with a generous
deadline, so a slow machine makes a test slower, never red. Rate limits use real time on
both (the `limits` library reads time.time() itself), with one-second windows.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.clock import FakeClock
from tests.servers import RunningServer
from tonearm.adapters.cache import Cache, LockNotAcquired, MemoryCache, RedisCache

pytestmark = pytest.mark.anyio

# Long enough that a value set just now is still there when read back, short enough to wait.
SHORT_TTL_SECONDS = 0.3
LONG_SECONDS = 60.0
# How long a poll waits for something that should happen: far beyond what it needs.
DEADLINE_SECONDS = 5.0

PassTime = Callable[[float], Awaitable[None]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def memory_cache(clock: FakeClock) -> MemoryCache:
    return MemoryCache(clock=clock.monotonic)


@pytest.fixture
async def redis_cache(redis_server: RunningServer) -> AsyncIterator[RedisCache]:
    cache = RedisCache(redis_server.url, key_prefix=f"test-{uuid.uuid4().hex}:")
    yield cache
    await cache.close()


@pytest.fixture(params=["memory_cache", "redis_cache"])
def cache(request: pytest.FixtureRequest) -> Cache:
    cache: Cache = request.getfixturevalue(request.param)  # Redis starts only when asked for
    return cache


@pytest.fixture
def pass_time(cache: Cache, clock: FakeClock) -> PassTime:
    """Let `seconds` go by as the cache sees it."""

    async def pass_time(seconds: float) -> None:
        if isinstance(cache, MemoryCache):
            clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)

    return pass_time


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    """Whether `check` comes true within DEADLINE_SECONDS of real time."""
    give_up_at = time.monotonic() + DEADLINE_SECONDS
    while not await check():
        if time.monotonic() > give_up_at:
            return False
        await asyncio.sleep(0.02)
    return True


async def is_gone(cache: Cache, key: str) -> bool:
    return await eventually(lambda: _is_absent(cache, key))


async def _is_absent(cache: Cache, key: str) -> bool:
    return await cache.get(key) is None


# Values


async def test_get_of_a_missing_key_is_none(cache: Cache) -> None:
    assert await cache.get("missing") is None


async def test_set_then_get_returns_the_same_bytes(cache: Cache) -> None:
    value = bytes(range(256))
    await cache.set("hot:songs:1", value)
    assert await cache.get("hot:songs:1") == value


async def test_set_overwrites_the_previous_value(cache: Cache) -> None:
    await cache.set("k", b"first")
    await cache.set("k", b"second")
    assert await cache.get("k") == b"second"


async def test_delete_removes_every_key_given_and_ignores_missing_ones(cache: Cache) -> None:
    await cache.set("a", b"1")
    await cache.set("b", b"2")
    await cache.set("c", b"3")
    await cache.delete("a", "b", "never-set")
    assert await cache.get("a") is None
    assert await cache.get("b") is None
    assert await cache.get("c") == b"3"


async def test_delete_of_no_keys_does_nothing(cache: Cache) -> None:
    await cache.set("a", b"1")
    await cache.delete()
    assert await cache.get("a") == b"1"


# Expiry


async def test_value_disappears_after_its_ttl(cache: Cache, pass_time: PassTime) -> None:
    await cache.set("k", b"v", ttl_seconds=SHORT_TTL_SECONDS)
    assert await cache.get("k") == b"v"
    await pass_time(SHORT_TTL_SECONDS)
    assert await is_gone(cache, "k")


async def test_value_without_ttl_stays(cache: Cache, pass_time: PassTime) -> None:
    await cache.set("k", b"v")
    await pass_time(SHORT_TTL_SECONDS)
    assert await cache.get("k") == b"v"


async def test_ttl_reports_the_time_left(cache: Cache) -> None:
    await cache.set("k", b"v", ttl_seconds=LONG_SECONDS)
    left = await cache.ttl("k")
    assert left is not None
    assert 0 < left <= LONG_SECONDS


async def test_ttl_is_none_for_a_missing_key_or_one_without_expiry(cache: Cache) -> None:
    await cache.set("forever", b"v")
    assert await cache.ttl("forever") is None
    assert await cache.ttl("missing") is None


async def test_set_without_ttl_removes_an_earlier_expiry(cache: Cache) -> None:
    await cache.set("k", b"v", ttl_seconds=LONG_SECONDS)
    await cache.set("k", b"w")
    assert await cache.ttl("k") is None


async def test_non_positive_ttl_is_refused(cache: Cache) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        await cache.set("k", b"v", ttl_seconds=0)


# Counters


async def test_incr_of_a_missing_key_starts_from_zero(cache: Cache) -> None:
    assert await cache.incr("plays") == 1
    assert await cache.incr("plays") == 2
    assert await cache.get("plays") == b"2"


async def test_incr_adds_the_amount_given(cache: Cache) -> None:
    assert await cache.incr("plays", 5) == 5
    assert await cache.incr("plays", -2) == 3


async def test_incr_of_a_non_integer_value_is_refused(cache: Cache) -> None:
    await cache.set("title", b"Blue in Green")
    with pytest.raises(ValueError, match="integer"):
        await cache.incr("title")
    assert await cache.get("title") == b"Blue in Green"


async def test_incr_counts_every_concurrent_call(cache: Cache) -> None:
    results = await asyncio.gather(*(cache.incr("plays") for _ in range(200)))
    assert sorted(results) == list(range(1, 201))
    assert await cache.get("plays") == b"200"


async def test_incr_ttl_applies_only_when_the_counter_is_created(
    cache: Cache, pass_time: PassTime
) -> None:
    assert await cache.incr("hits", ttl_seconds=SHORT_TTL_SECONDS) == 1
    assert await cache.incr("hits", ttl_seconds=LONG_SECONDS) == 2
    left = await cache.ttl("hits")
    assert left is not None
    assert left <= SHORT_TTL_SECONDS
    await pass_time(SHORT_TTL_SECONDS)
    assert await is_gone(cache, "hits")
    assert await cache.incr("hits") == 1


async def test_incr_with_ttl_leaves_an_existing_counter_without_expiry(cache: Cache) -> None:
    await cache.incr("total")
    await cache.incr("total", ttl_seconds=LONG_SECONDS)
    assert await cache.ttl("total") is None


# Locks


async def test_lock_excludes_a_second_holder(cache: Cache) -> None:
    async with cache.lock("trending", expire_seconds=LONG_SECONDS):
        with pytest.raises(LockNotAcquired) as raised:
            async with cache.lock("trending", expire_seconds=LONG_SECONDS):
                pass
    assert raised.value.name == "trending"


async def test_lock_is_free_again_after_release(cache: Cache) -> None:
    async with cache.lock("trending", expire_seconds=LONG_SECONDS):
        pass
    async with cache.lock("trending", expire_seconds=LONG_SECONDS):
        pass


async def test_locks_with_different_names_are_independent(cache: Cache) -> None:
    async with (
        cache.lock("trending", expire_seconds=LONG_SECONDS),
        cache.lock("tiering", expire_seconds=LONG_SECONDS),
    ):
        pass


async def test_lock_frees_itself_after_expiry_when_its_holder_died(
    cache: Cache, pass_time: PassTime
) -> None:
    dead_holder = cache.lock("trending", expire_seconds=SHORT_TTL_SECONDS)
    await dead_holder.__aenter__()  # and does not leave while the lock matters
    try:
        await pass_time(SHORT_TTL_SECONDS)
        async with cache.lock(
            "trending", expire_seconds=LONG_SECONDS, wait_seconds=DEADLINE_SECONDS
        ):
            pass
    finally:
        # Leave before the cache closes, or the abandoned block would run at loop shutdown.
        await dead_holder.__aexit__(None, None, None)


async def test_releasing_an_expired_lock_leaves_the_new_holder_alone(
    cache: Cache, pass_time: PassTime
) -> None:
    slow_holder = cache.lock("trending", expire_seconds=SHORT_TTL_SECONDS)
    await slow_holder.__aenter__()
    await pass_time(SHORT_TTL_SECONDS)
    async with cache.lock("trending", expire_seconds=LONG_SECONDS, wait_seconds=DEADLINE_SECONDS):
        await slow_holder.__aexit__(None, None, None)
        with pytest.raises(LockNotAcquired):
            async with cache.lock("trending", expire_seconds=LONG_SECONDS):
                pass


async def test_waiter_gets_the_lock_once_the_holder_releases(cache: Cache) -> None:
    order: list[str] = []
    holding = asyncio.Event()

    async def holder() -> None:
        async with cache.lock("trending", expire_seconds=LONG_SECONDS):
            holding.set()
            await asyncio.sleep(0.1)
            order.append("holder done")

    async def waiter() -> None:
        await holding.wait()
        async with cache.lock(
            "trending", expire_seconds=LONG_SECONDS, wait_seconds=DEADLINE_SECONDS
        ):
            order.append("waiter in")

    await asyncio.gather(holder(), waiter())
    assert order == ["holder done", "waiter in"]


# Rate limits


async def test_rate_limit_allows_limit_hits_then_refuses(cache: Cache) -> None:
    results = [await cache.hit_rate_limit("login:1.2.3.4", 3, 60) for _ in range(4)]
    assert [result.allowed for result in results] == [True, True, True, False]
    assert [result.remaining for result in results] == [2, 1, 0, 0]
    assert all(result.limit == 3 for result in results)
    refused = results[-1]
    assert 0 < refused.reset_after_seconds <= 60


async def test_rate_limit_keys_are_independent(cache: Cache) -> None:
    assert (await cache.hit_rate_limit("login:a", 1, 60)).allowed
    assert not (await cache.hit_rate_limit("login:a", 1, 60)).allowed
    assert (await cache.hit_rate_limit("login:b", 1, 60)).allowed


async def test_rate_limit_hit_cost_counts_several(cache: Cache) -> None:
    first = await cache.hit_rate_limit("upload", 5, 60, cost=3)
    assert first.allowed
    assert first.remaining == 2
    assert not (await cache.hit_rate_limit("upload", 5, 60, cost=3)).allowed


async def test_rate_limit_window_slides(cache: Cache) -> None:
    # Hits at t=0 and t=0.5 fill a limit of 2 per second. At t=1 only the first has left,
    # so exactly one more fits; a fixed window would have reset and let two through.
    assert (await cache.hit_rate_limit("search", 2, 1)).allowed
    await asyncio.sleep(0.5)
    assert (await cache.hit_rate_limit("search", 2, 1)).allowed
    assert not (await cache.hit_rate_limit("search", 2, 1)).allowed

    async def one_more_allowed() -> bool:
        return (await cache.hit_rate_limit("search", 2, 1)).allowed

    assert await eventually(one_more_allowed)
    after = await cache.hit_rate_limit("search", 2, 1)
    assert not after.allowed
    assert after.remaining == 0
    assert 0 < after.reset_after_seconds <= 1
