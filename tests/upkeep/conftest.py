"""Upkeep tests: the whole service bundle on both stacks, a clock the test moves, and helpers
that place songs, fake rendition objects and interaction histories directly."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import insert

from tests.factories import make_draft
from tonearm.adapters.db.tables import StarredItemRow, UserInteractionRow
from tonearm.app import Runtime, open_runtime
from tonearm.library.models import StoredRendition
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio

# Distinct sizes per kind, small enough for a quick test.
SIZES = {"high": 32_000, "medium": 12_800, "low": 6_400, "efficient": 9_600, "preview": 3_000}
EXTENSIONS = {"efficient": "webm"}
PREFIXES = {"preview": "previews"}


@dataclass
class FakeClock:
    """A clock that only moves when told to."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    return stack_settings.model_copy(update={"tiering_url_settle_seconds": 0.05})


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    opened = await open_runtime(settings, clock=clock)
    yield opened
    await opened.close()


def rendition_key(song_id: UUID, kind: str) -> str:
    return f"{PREFIXES.get(kind, kind)}/{song_id}.{EXTENSIONS.get(kind, 'mp3')}"


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def put(services: Runtime, key: str, data: bytes) -> None:
    await services.store.put_stream(key, _chunks(data))


async def add_song(services: Runtime, *, added_at: datetime, **draft: object) -> UUID:
    """A song with an original object and all five renditions (random bytes)."""
    song_id = uuid.uuid4()
    original_key = f"original/{song_id}.flac"
    await services.songs.add(song_id, make_draft(original_key=original_key, **draft), added_at)
    await put(services, original_key, os.urandom(50_000))
    for kind, size in SIZES.items():
        key = rendition_key(song_id, kind)
        await put(services, key, os.urandom(size))
        codec = "opus" if kind == "efficient" else "mp3"
        await services.songs.add_rendition(
            song_id, StoredRendition(kind, codec, 128, size, key, added_at)
        )
    return song_id


async def add_user(services: Runtime, name: str) -> UUID:
    user = await services.domains.users.add_user(name, "correct horse battery", Role.USER)
    return user.id


async def add_interactions(
    services: Runtime,
    user_id: UUID,
    song_id: UUID,
    action: str,
    times: Iterable[datetime],
    *,
    counted: bool = True,
    play_state: str | None = None,
) -> None:
    """Bulk-insert interactions; plays count (counted_at set) unless told otherwise."""
    is_play = action in {"play", "replay", "complete"}
    rows = [
        {
            "user_id": user_id,
            "song_id": song_id,
            "action": action,
            "occurred_at": at,
            "session_id": "s",
            "client_event_id": uuid.uuid4().hex,
            "play_state": play_state or ("counted" if is_play and counted else None),
            "counted_at": at if is_play and counted else None,
        }
        for at in times
    ]
    if rows:
        async with services.database.sessions.begin() as session:
            await session.execute(insert(UserInteractionRow), rows)


async def like(services: Runtime, user_id: UUID, song_id: UUID, at: datetime) -> None:
    async with services.database.sessions.begin() as session:
        await session.execute(
            insert(StarredItemRow).values(
                user_id=user_id, item_kind="song", item_id=song_id, starred_at=at
            )
        )


async def stored_kinds(services: Runtime, song_id: UUID) -> set[str]:
    return {r.kind for r in await services.songs.renditions(song_id)}


async def object_hash(services: Runtime, key: str) -> str:
    digest = hashlib.sha256()
    async for chunk in services.store.get_range(key):
        digest.update(chunk)
    return digest.hexdigest()
