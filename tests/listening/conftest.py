"""A ListeningService on a real database (SQLite, then PostgreSQL), with a clock tests move."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from tests.clock import FakeClock
from tests.factories import make_draft
from tonearm.adapters.cache.memory import MemoryCache
from tonearm.adapters.db import (
    Database,
    SqlListeningRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.listening import EventKind, ListeningEvent, ListeningService
from tonearm.users import Role, User

START = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


@dataclass
class Listening:
    """What a play-rule test works with."""

    service: ListeningService
    songs: SqlSongRepository
    users: SqlUserRepository
    cache: MemoryCache
    clock: FakeClock
    user_id: UUID

    async def add_song(self) -> UUID:
        song_id = uuid.uuid4()
        await self.songs.add(song_id, make_draft(), START)
        return song_id

    async def add_user(self, name: str) -> UUID:
        user = User(uuid.uuid4(), name, Role.USER, True, START)
        await self.users.add(user, "not-a-real-hash")
        return user.id

    async def play_count(self, song_id: UUID) -> int:
        return (await self.songs.get(song_id)).play_count

    async def history_song_ids(self, user_id: UUID | None = None) -> list[UUID]:
        page = await self.service.history(user_id or self.user_id, limit=200)
        return [entry.song.id for entry in page.items]


@pytest.fixture
async def listening(database: Database) -> Listening:
    clock = FakeClock(START + timedelta(minutes=1))
    cache = MemoryCache()
    service = ListeningService(SqlListeningRepository(database.sessions), cache, clock)
    setup = Listening(
        service,
        SqlSongRepository(database.sessions),
        SqlUserRepository(database.sessions),
        cache,
        clock,
        user_id=uuid.uuid4(),
    )
    setup.user_id = await setup.add_user("listener")
    return setup


def event(
    kind: str,
    song_id: UUID,
    at_seconds: float,
    *,
    session: str = "s1",
    event_id: str | None = None,
) -> ListeningEvent:
    """An event `at_seconds` after START in `session`, with a fresh client id."""
    return ListeningEvent(
        client_event_id=event_id or uuid.uuid4().hex,
        kind=EventKind(kind),
        song_id=song_id,
        occurred_at=START + timedelta(seconds=at_seconds),
        session_id=session,
    )
