"""RadioService over the real station table: who may change stations, the media origins the
player page allows (kept in the process, read again after a change or 30 s), and a title
read once while it is cached."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tonearm.adapters.cache import MemoryCache
from tonearm.adapters.db import Database
from tonearm.adapters.db.radio import SqlStationRepository
from tonearm.errors import PermissionDenied
from tonearm.radio import InvalidStation, RadioService
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
ADMIN = User(uuid4(), "root", Role.ADMIN, True, datetime.now(UTC))
LISTENER = User(uuid4(), "bob", Role.USER, True, datetime.now(UTC))


class CountingReader:
    """A StreamTitleReader that answers a fixed title and counts the reads."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    async def read_title(self, stream_url: str) -> str | None:
        self.reads.append(stream_url)
        return "Now"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_only_admins_change_stations(database: Database) -> None:
    radio = RadioService(SqlStationRepository(database.sessions), MemoryCache(), CountingReader())
    with pytest.raises(PermissionDenied):
        await radio.add(LISTENER, "Mine", "https://radio.example/")
    station = await radio.add(ADMIN, "Mine", "https://radio.example/")
    with pytest.raises(PermissionDenied):
        await radio.update(LISTENER, station.id, name="Yours")
    with pytest.raises(PermissionDenied):
        await radio.delete(LISTENER, station.id)
    assert [s.name for s in await radio.stations()] == ["Mine"]


async def test_origins_follow_this_process_at_once_and_another_within_the_ttl(
    database: Database,
) -> None:
    clock = Clock()
    repository = SqlStationRepository(database.sessions)
    here = RadioService(repository, MemoryCache(), CountingReader(), monotonic=clock)
    elsewhere = RadioService(repository, MemoryCache(), CountingReader(), monotonic=clock)
    assert await here.media_origins() == frozenset()
    station = await elsewhere.add(ADMIN, "Far", "HTTP://Far.Example:80/live")
    assert await elsewhere.media_origins() == {"http://far.example"}
    assert await here.media_origins() == frozenset()  # another process's change: not yet
    clock.now += 31
    assert await here.media_origins() == {"http://far.example"}
    await here.update(ADMIN, station.id, stream_url="https://[::1]:8443/x")
    assert await here.media_origins() == {"https://[::1]:8443"}
    await here.delete(ADMIN, station.id)
    assert await here.media_origins() == frozenset()


async def test_a_title_is_read_once_while_cached(database: Database) -> None:
    reader = CountingReader()
    radio = RadioService(SqlStationRepository(database.sessions), MemoryCache(), reader)
    station = await radio.add(ADMIN, "Once", "https://once.example/live")
    assert [await radio.now_playing(station.id) for _ in range(3)] == ["Now"] * 3
    assert reader.reads == ["https://once.example/live"]


async def test_one_station_too_many_is_refused(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tonearm.radio.service.MAX_STATIONS", 2)
    radio = RadioService(SqlStationRepository(database.sessions), MemoryCache(), CountingReader())
    for name in ("one", "two"):
        await radio.add(ADMIN, name, "https://radio.example/")
    with pytest.raises(InvalidStation, match="at most 2 stations"):
        await radio.add(ADMIN, "three", "https://radio.example/")
