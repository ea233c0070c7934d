"""StarService on SQLite and PostgreSQL: likes are song stars (with their event), albums
and artists are starred without one, ratings; and only one adapter writes the stars."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.listening.conftest import START, Listening, event
from tonearm.adapters.db import Database, SqlCatalog
from tonearm.adapters.db.stars import SqlStarRepository
from tonearm.adapters.db.tables import UserInteractionRow
from tonearm.errors import InvalidInput
from tonearm.library.models import SongNotFound
from tonearm.listening import ItemKind
from tonearm.listening.stars import ItemNotFound, StarService

pytestmark = pytest.mark.anyio

ADAPTERS = Path(__file__).parents[2] / "src" / "tonearm" / "adapters" / "db"


@pytest.fixture
def stars(listening: Listening, database: Database) -> StarService:
    return StarService(SqlStarRepository(database.sessions), listening.clock)


async def _like_events(database: Database, user_id: uuid.UUID) -> list[tuple[str, object]]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(UserInteractionRow.action, UserInteractionRow.occurred_at)
            .where(
                UserInteractionRow.user_id == user_id,
                UserInteractionRow.action.in_(("like", "unlike")),
            )
            .order_by(UserInteractionRow.id)
        )
        return [(action, at) for action, at in rows]


async def test_a_like_stars_the_song_and_records_its_event(
    listening: Listening, stars: StarService, database: Database
) -> None:
    song_id = await listening.add_song()
    await stars.like(listening.user_id, song_id)
    listening.clock.advance(60)
    await stars.like(listening.user_id, song_id)  # a second like keeps the first time
    page = await stars.likes(listening.user_id)
    assert [(like.song.id, like.liked_at) for like in page.items] == [
        (song_id, START + timedelta(minutes=1))
    ]
    starred = await stars.starred(listening.user_id)
    assert [(s.kind, s.item_id) for s in starred] == [(ItemKind.SONG, song_id)]
    await stars.unlike(listening.user_id, song_id)
    assert (await stars.likes(listening.user_id)).items == []
    assert [action for action, _ in await _like_events(database, listening.user_id)] == [
        "like",
        "like",
        "unlike",
    ]
    with pytest.raises(SongNotFound):
        await stars.like(listening.user_id, uuid.uuid4())


async def test_a_song_star_is_a_like_and_albums_are_starred_without_an_event(
    listening: Listening, stars: StarService, database: Database
) -> None:
    song_id = await listening.add_song()
    catalog = SqlCatalog(database.sessions)
    song = await catalog.song(song_id)
    assert song.album_id is not None
    await stars.star(listening.user_id, None, song_id)
    await stars.star(listening.user_id, ItemKind.ALBUM, song.album_id)
    await stars.star(listening.user_id, None, song.artist_ids[0])
    liked = await stars.likes(listening.user_id)
    assert [like.song.id for like in liked.items] == [song_id]
    kinds = {s.kind for s in await stars.starred(listening.user_id)}
    assert kinds == {ItemKind.SONG, ItemKind.ALBUM, ItemKind.ARTIST}
    assert [action for action, _ in await _like_events(database, listening.user_id)] == ["like"]
    with pytest.raises(ItemNotFound):
        await stars.star(listening.user_id, ItemKind.ARTIST, song.album_id)
    with pytest.raises(ItemNotFound):
        await stars.unstar(listening.user_id, None, uuid.uuid4())
    await stars.unstar(listening.user_id, ItemKind.ALBUM, song.album_id)
    await stars.unstar(listening.user_id, ItemKind.ALBUM, song.album_id)  # not starred: fine
    kinds = {s.kind for s in await stars.starred(listening.user_id)}
    assert kinds == {ItemKind.SONG, ItemKind.ARTIST}


async def test_a_like_event_in_a_batch_stars_the_song(
    listening: Listening, stars: StarService
) -> None:
    song_id = await listening.add_song()
    await listening.service.record_events(listening.user_id, [event("like", song_id, 10)])
    assert [like.song.id for like in (await stars.likes(listening.user_id)).items] == [song_id]
    await listening.service.record_events(listening.user_id, [event("unlike", song_id, 20)])
    assert (await stars.likes(listening.user_id)).items == []


async def test_ratings_are_set_replaced_and_removed(
    listening: Listening, stars: StarService, database: Database
) -> None:
    song_id = await listening.add_song()
    catalog = SqlCatalog(database.sessions)
    await stars.set_rating(listening.user_id, song_id, 4)
    await stars.set_rating(listening.user_id, song_id, 2)
    song = await catalog.song(song_id, viewer=listening.user_id)
    assert song.user_state.rating == 2
    await stars.set_rating(listening.user_id, song_id, 0)
    song = await catalog.song(song_id, viewer=listening.user_id)
    assert song.user_state.rating is None
    with pytest.raises(InvalidInput):
        await stars.set_rating(listening.user_id, song_id, 6)
    with pytest.raises(ItemNotFound):
        await stars.set_rating(listening.user_id, uuid.uuid4(), 3)


def test_only_the_star_adapter_writes_starred_items() -> None:
    # Two writers of one table drift apart (issue 17): every INSERT and DELETE of a star
    # lives in adapters/db/stars.py.
    writes = re.compile(r"(insert|delete)\)?(\(session\))?\(\s*(StarredItemRow|RatingRow)\b")
    writers = sorted(path.name for path in ADAPTERS.glob("*.py") if writes.search(path.read_text()))
    assert writers == ["stars.py"]
