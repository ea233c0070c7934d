"""RadioService: internet radio stations and what they play now, for REST, Subsonic and
the web player's Content-Security-Policy."""

from __future__ import annotations

import enum
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from tonearm.adapters.cache.base import Cache, LockNotAcquired
from tonearm.errors import PermissionDenied
from tonearm.radio.models import (
    MAX_STATIONS,
    InvalidStation,
    Station,
    check_name,
    check_url,
)
from tonearm.radio.repository import StationRepository, StreamTitleReader
from tonearm.users import User

# Many listeners of one station cause one read of its stream per this many seconds.
TITLE_TTL_SECONDS = 15.0
# A reader gives up well before this (adapters/icy.py); the lock only outlives a dead holder.
TITLE_LOCK_SECONDS = 20.0
TITLE_WAIT_SECONDS = 12.0
# Another process's change reaches this one's media origins after at most this long; this
# process's own changes at once.
ORIGINS_TTL_SECONDS = 30.0


class Keep(enum.Enum):
    """Marks a field an update leaves as it is (None would mean "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


class RadioService:
    """Stations everyone signed in may list and play; only admins add, change or remove them.

    Raises PermissionDenied for a change by someone else, InvalidStation for a bad name or
    URL (or one station too many), StationNotFound for an unknown id.
    """

    def __init__(
        self,
        repository: StationRepository,
        cache: Cache,
        titles: StreamTitleReader,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._titles = titles
        self._clock = clock
        self._monotonic = monotonic
        self._origins: frozenset[str] | None = None
        self._origins_read_at = 0.0

    async def stations(self) -> list[Station]:
        """Every station, by name."""
        return await self._repository.list()

    async def station(self, station_id: UUID) -> Station:
        """One station; raises StationNotFound."""
        return await self._repository.get(station_id)

    async def add(
        self, actor: User, name: str, stream_url: str, homepage_url: str | None = None
    ) -> Station:
        """Add a station (admins only)."""
        _require_admin(actor)
        if await self._repository.count() >= MAX_STATIONS:
            raise InvalidStation(f"at most {MAX_STATIONS} stations; remove one first")
        now = self._clock()
        station = Station(
            id=uuid.uuid4(),
            name=check_name(name),
            stream_url=check_url(stream_url, "stream URL"),
            homepage_url=_homepage(homepage_url),
            created_at=now,
            updated_at=now,
        )
        await self._repository.add(station)
        self._origins = None
        return station

    async def update(
        self,
        actor: User,
        station_id: UUID,
        *,
        name: str | Keep = KEEP,
        stream_url: str | Keep = KEEP,
        homepage_url: str | Keep | None = KEEP,
    ) -> Station:
        """Change what is not KEEP (admins only); an empty homepage URL clears it."""
        _require_admin(actor)
        old = await self._repository.get(station_id)
        station = Station(
            id=old.id,
            name=old.name if isinstance(name, Keep) else check_name(name),
            stream_url=(
                old.stream_url
                if isinstance(stream_url, Keep)
                else check_url(stream_url, "stream URL")
            ),
            homepage_url=(
                old.homepage_url if isinstance(homepage_url, Keep) else _homepage(homepage_url)
            ),
            created_at=old.created_at,
            updated_at=self._clock(),
        )
        await self._repository.replace(station)
        self._origins = None
        await self._cache.delete(_title_key(station_id))
        return station

    async def delete(self, actor: User, station_id: UUID) -> None:
        """Remove a station (admins only)."""
        _require_admin(actor)
        await self._repository.delete(station_id)
        self._origins = None
        await self._cache.delete(_title_key(station_id))

    async def media_origins(self) -> frozenset[str]:
        """The origins (`scheme://host[:port]`) of every station's stream: what the web
        player's page must allow as media sources. Kept in this process, read again after
        a change here or ORIGINS_TTL_SECONDS."""
        now = self._monotonic()
        if self._origins is None or now - self._origins_read_at > ORIGINS_TTL_SECONDS:
            stations = await self._repository.list()
            self._origins = frozenset(station.stream_origin for station in stations)
            self._origins_read_at = now
        return self._origins

    async def now_playing(self, station_id: UUID) -> str | None:
        """The title the station's stream announces now (ICY metadata), or None.

        Read from the stream at most once per TITLE_TTL_SECONDS however many ask: the
        first caller reads it under a lock, the others wait for its answer in the cache.
        Raises StationNotFound.
        """
        station = await self._repository.get(station_id)
        key = _title_key(station_id)
        cached = await self._cache.get(key)
        if cached is not None:
            return _title_of(cached)
        try:
            async with self._cache.lock(
                f"lock:{key}", TITLE_LOCK_SECONDS, wait_seconds=TITLE_WAIT_SECONDS
            ):
                cached = await self._cache.get(key)
                if cached is not None:
                    return _title_of(cached)
                title = await self._titles.read_title(station.stream_url)
                await self._cache.set(key, json.dumps({"title": title}).encode(), TITLE_TTL_SECONDS)
                return title
        except LockNotAcquired:
            return None


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only admins may add, change or remove internet radio stations")


def _homepage(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    return check_url(raw, "homepage URL")


def _title_key(station_id: UUID) -> str:
    return f"radio:title:{station_id}"


def _title_of(cached: bytes) -> str | None:
    title = json.loads(cached).get("title")
    return title if isinstance(title, str) else None
