"""Catalogue reads for a viewer carry that user's stars, ratings and counted plays, read
with the items (adapters/db/catalog_marks.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from tests.factories import make_draft
from tonearm.adapters.cache.memory import MemoryCache
from tonearm.adapters.db import (
    Database,
    SqlCatalog,
    SqlListeningRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.adapters.db.related_repository import SqlRelatedRepository
from tonearm.adapters.db.stars import SqlStarRepository
from tonearm.library.catalog import AlbumFilter, AlbumListType, SongFilter
from tonearm.library.catalog_service import CatalogService
from tonearm.library.related import RelatedMusic
from tonearm.listening import NO_STATE, EventKind, ItemKind, ListeningEvent, ListeningService
from tonearm.listening.stars import StarService
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


async def _user(database: Database, name: str) -> UUID:
    user = User(uuid.uuid4(), name, Role.USER, True, NOW)
    await SqlUserRepository(database.sessions).add(user, "not-a-real-hash")
    return user.id


async def _complete(
    listening: ListeningService, user_id: UUID, song_id: UUID, at: datetime
) -> None:
    # A `complete` counts on its own: one counted play.
    played = ListeningEvent(uuid.uuid4().hex, EventKind.COMPLETE, song_id, at, uuid.uuid4().hex)
    result = await listening.record_events(user_id, [played])
    assert result.accepted == 1


async def test_reads_for_a_viewer_carry_their_marks_and_nobody_elses(database: Database) -> None:
    songs = SqlSongRepository(database.sessions)
    catalog = CatalogService(SqlCatalog(database.sessions), b"secret", ["/music"])
    clock = lambda: NOW + timedelta(hours=1)  # noqa: E731
    stars = StarService(SqlStarRepository(database.sessions), clock)
    listening = ListeningService(SqlListeningRepository(database.sessions), MemoryCache(), clock)
    first, second = uuid.uuid4(), uuid.uuid4()
    for song_id, track in ((first, 1), (second, 2)):
        draft = make_draft(
            album="Harbour", album_artist="Nina Vale", artists=("Nina Vale",), track_number=track
        )
        await songs.add(song_id, draft, NOW)
    alice, bob = await _user(database, "alice"), await _user(database, "bob")
    song = await catalog.song(first)
    assert song.album_id is not None and song.album_artist_id is not None
    album_id, artist_id = song.album_id, song.album_artist_id

    await stars.like(alice, first)
    await stars.set_rating(alice, first, 5)
    await stars.star(alice, ItemKind.ALBUM, album_id)
    await stars.set_rating(alice, album_id, 3)
    await stars.star(alice, ItemKind.ARTIST, artist_id)
    await stars.set_rating(alice, artist_id, 4)
    await _complete(listening, alice, first, NOW + timedelta(minutes=1))
    await _complete(listening, alice, first, NOW + timedelta(minutes=9))
    await _complete(listening, alice, second, NOW + timedelta(minutes=5))
    await _complete(listening, bob, second, NOW + timedelta(minutes=7))

    detail = await catalog.album(album_id, viewer=alice)
    assert detail.album.user_state.starred_at == NOW + timedelta(hours=1)
    assert detail.album.user_state.rating == 3
    assert detail.album.user_state.play_count == 3  # its songs' counted plays
    assert detail.album.user_state.played_at is not None
    marks = {track.id: track.user_state for track in detail.tracks}
    assert marks[first].starred_at == NOW + timedelta(hours=1)
    assert marks[first].rating == 5
    assert marks[first].play_count == 2
    assert marks[second].starred_at is None and marks[second].rating is None
    assert marks[second].play_count == 1

    # Bob sees only his own play; no viewer: nothing marked.
    bobs = await catalog.album(album_id, viewer=bob)
    assert bobs.album.user_state.play_count == 1 and bobs.album.user_state.rating is None
    assert {t.id: t.user_state.play_count for t in bobs.tracks} == {first: 0, second: 1}
    anonymous = await catalog.album(album_id)
    assert anonymous.album.user_state == NO_STATE
    assert all(track.user_state == NO_STATE for track in anonymous.tracks)

    artist = await catalog.artist(artist_id, viewer=alice)
    assert artist.artist.user_state.rating == 4
    assert artist.artist.user_state.starred_at is not None
    assert artist.albums[0].user_state.rating == 3
    (everyone,) = await catalog.every_artist(viewer=alice)
    assert everyone.user_state.rating == 4
    assert (await catalog.find_artists("nina", 0, 10, viewer=alice))[0].user_state.rating == 4
    assert (await catalog.find_albums("harbour", 0, 10, viewer=alice))[0].user_state.rating == 3
    (starred,) = await catalog.album_list(AlbumListType.STARRED, AlbumFilter(), alice, 0, 10)
    assert starred.user_state.rating == 3
    listed = await catalog.song_list(SongFilter(), random=False, offset=0, limit=10, viewer=alice)
    assert {s.id: s.user_state.play_count for s in listed} == {first: 2, second: 1}
    in_order = await catalog.songs_in_order([second, first], viewer=alice)
    assert [s.user_state.rating for s in in_order] == [None, 5]
    assert (await catalog.song(first, viewer=alice)).user_state.play_count == 2
    related = RelatedMusic(SqlRelatedRepository(database.sessions))
    top = await related.top_songs("Nina Vale", 10, viewer=alice)
    assert {s.id: s.user_state.rating for s in top} == {first: 5, second: None}
