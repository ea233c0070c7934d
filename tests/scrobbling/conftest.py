"""Scrobbling on a real database (SQLite, then PostgreSQL) against the fake services, with a
clock tests move."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest

from tests.clock import FakeClock
from tests.factories import make_draft
from tests.scrobbling.fake_services import API_KEY, SECRET, FakeServices, running_fake
from tonearm.adapters.cache.memory import MemoryCache
from tonearm.adapters.db import (
    Database,
    SqlListeningRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.adapters.db.stars import SqlStarRepository
from tonearm.app import scrobble_service
from tonearm.listening import EventKind, ListeningEvent, ListeningService
from tonearm.listening.stars import StarService
from tonearm.scrobbling import ScrobbleService
from tonearm.settings import Settings
from tonearm.users import Role, User

START = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


@dataclass
class Scrobbling:
    """What a scrobbling test works with."""

    service: ScrobbleService
    listening: ListeningService
    stars: StarService
    songs: SqlSongRepository
    clock: FakeClock
    fake: FakeServices
    user_id: UUID
    database: Database

    async def add_song(self, **overrides: object) -> UUID:
        song_id = uuid.uuid4()
        await self.songs.add(song_id, make_draft(**overrides), START)
        return song_id

    async def play(self, song_id: UUID, at: datetime | None = None) -> None:
        """A completed listen (counts at once), as a player reports it."""
        at = at or self.clock()
        await self.listening.record_events(
            self.user_id,
            [
                ListeningEvent(
                    client_event_id=uuid.uuid4().hex,
                    kind=EventKind.COMPLETE,
                    song_id=song_id,
                    occurred_at=at,
                    session_id=uuid.uuid4().hex,
                )
            ],
        )

    async def connect_both(self) -> None:
        self.fake.state.lb_tokens["lb-token"] = "lb-listener"
        await self.service.connect_listenbrainz(self.user_id, "lb-token")
        url = self.service.lastfm_authorize_url(self.user_id, "http://tonearm.test/cb")
        state, token = await approve_on_lastfm(url)
        await self.service.finish_lastfm(state, token)


async def approve_on_lastfm(authorize_url: str) -> tuple[str, str]:
    """What the user's browser does: open Last.fm's page and approve; returns the `state`
    and `token` Last.fm sends it back to tonearm's callback with."""
    async with httpx.AsyncClient() as client:
        response = await client.get(authorize_url)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["state"][0], query["token"][0]


def settings_for(fake: FakeServices, data_dir: object, **more: object) -> Settings:
    return Settings(
        data_dir=data_dir,  # type: ignore[arg-type]
        listenbrainz_url=fake.url,
        lastfm_api_key=API_KEY,
        lastfm_secret=SECRET,  # type: ignore[arg-type]
        lastfm_api_url=fake.lastfm_api_url,
        lastfm_auth_url=fake.lastfm_auth_url,
        **more,  # type: ignore[arg-type]
    )


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with running_fake() as services:
        yield services


@pytest.fixture
async def scrobbling(
    database: Database, fake: FakeServices, tmp_path: object
) -> AsyncIterator[Scrobbling]:
    clock = FakeClock(START + timedelta(minutes=1))
    cache = MemoryCache()
    service = scrobble_service(settings_for(fake, tmp_path), database, cache, b"k" * 32, clock)
    users = SqlUserRepository(database.sessions)
    user = User(uuid.uuid4(), "listener", Role.USER, True, START)
    await users.add(user, "not-a-real-hash")
    setup = Scrobbling(
        service=service,
        listening=ListeningService(
            SqlListeningRepository(database.sessions), cache, clock, feed=service
        ),
        stars=StarService(SqlStarRepository(database.sessions), clock, feed=service),
        songs=SqlSongRepository(database.sessions),
        clock=clock,
        fake=fake,
        user_id=user.id,
        database=database,
    )
    yield setup
    await service.close()
