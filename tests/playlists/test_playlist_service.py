"""PlaylistService over SqlPlaylistRepository, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import (
    Database,
    SqlPlaylistRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.playlists import (
    MAX_ENTRIES,
    InvalidPlaylistComment,
    InvalidPlaylistName,
    InvalidPosition,
    Playlist,
    PlaylistContents,
    PlaylistEntryNotFound,
    PlaylistNotFound,
    PlaylistOrder,
    PlaylistService,
    PlaylistTooLong,
    UnknownSongs,
)
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
START = datetime(2026, 11, 1, tzinfo=UTC)


def ticking_clock() -> Callable[[], datetime]:
    """A clock one second further on at every call, so each change has its own time."""
    ticks = iter(range(1_000_000))
    return lambda: START + timedelta(seconds=next(ticks))


@pytest.fixture
def service(database: Database) -> PlaylistService:
    return PlaylistService(SqlPlaylistRepository(database.sessions), clock=ticking_clock())


@pytest.fixture
def library(database: Database) -> SqlSongRepository:
    return SqlSongRepository(database.sessions)


async def add_user(database: Database, username: str) -> UUID:
    user = User(uuid.uuid4(), username, Role.USER, True, START)
    await SqlUserRepository(database.sessions).add(user, "not-a-real-hash")
    return user.id


@pytest.fixture
async def alice(database: Database) -> UUID:
    return await add_user(database, "alice")


@pytest.fixture
async def bob(database: Database) -> UUID:
    return await add_user(database, "bob")


async def add_songs(library: SqlSongRepository, count: int, **overrides: object) -> list[UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    for song_id in ids:
        await library.add(song_id, make_draft(**overrides), START)
    return ids


def song_order(contents: PlaylistContents) -> list[UUID]:
    assert [entry.position for entry in contents.entries] == list(range(len(contents.entries)))
    return [entry.song_id for entry in contents.entries]


async def test_create_keeps_the_songs_in_order_with_their_summary(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    first = uuid.uuid4()
    await library.add(
        first,
        make_draft(title="Get Lucky", artists=("Daft Punk", "Pharrell"), duration_ms=248_000),
        START,
    )
    (second,) = await add_songs(library, 1, album=None, duration_ms=2_000)
    created = await service.create_playlist(alice, "  Road trip ", "for the car", [second, first])

    assert created.playlist.name == "Road trip"
    assert created.playlist.comment == "for the car"
    assert created.playlist.owner_id == alice
    assert created.playlist.song_count == 2
    assert created.playlist.duration_ms == 250_000
    assert song_order(created) == [second, first]
    lucky = created.entries[1]
    assert (lucky.title, lucky.artists, lucky.duration_ms) == (
        "Get Lucky",
        ("Daft Punk", "Pharrell"),
        248_000,
    )
    assert created.entries[0].album is None
    assert all(entry.available for entry in created.entries)
    assert await service.get_playlist(alice, created.playlist.id) == created


@pytest.mark.parametrize(
    ("name", "comment", "error"),
    [
        ("   ", None, InvalidPlaylistName),
        ("x" * 201, None, InvalidPlaylistName),
        ("ok", "c" * 2001, InvalidPlaylistComment),
    ],
)
async def test_create_refuses_bad_names_and_comments(
    service: PlaylistService, alice: UUID, name: str, comment: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await service.create_playlist(alice, name, comment)
    assert await service.list_playlists(alice) == []


async def test_a_name_of_200_characters_after_trimming_is_accepted(
    service: PlaylistService, alice: UUID
) -> None:
    created = await service.create_playlist(alice, f"  {'n' * 200}  ")
    assert created.playlist.name == "n" * 200


async def test_create_with_an_unknown_or_removed_song_names_it_and_creates_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    good, removed = await add_songs(library, 2)
    await library.tombstone(removed, START)
    unknown = uuid.uuid4()
    with pytest.raises(UnknownSongs) as raised:
        await service.create_playlist(alice, "Mix", song_ids=[good, removed, unknown])
    assert raised.value.song_ids == sorted([removed, unknown])
    assert str(removed) in str(raised.value)
    assert str(unknown) in str(raised.value)
    assert await service.list_playlists(alice) == []


async def test_add_appends_or_inserts_and_allows_duplicates(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b, c = await add_songs(library, 3)
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=[a, b])).playlist.id

    appended = await service.add_songs(alice, playlist_id, [a])
    assert song_order(appended) == [a, b, a]
    at_start = await service.add_songs(alice, playlist_id, [c, c], position=0)
    assert song_order(at_start) == [c, c, a, b, a]
    in_middle = await service.add_songs(alice, playlist_id, [b], position=3)
    assert song_order(in_middle) == [c, c, a, b, b, a]
    at_end = await service.add_songs(alice, playlist_id, [c], position=6)
    assert song_order(at_end) == [c, c, a, b, b, a, c]
    assert at_end.playlist.song_count == 7


async def test_insert_past_the_end_is_refused_and_changes_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b = await add_songs(library, 2)
    before = await service.create_playlist(alice, "Mix", song_ids=[a])
    with pytest.raises(InvalidPosition, match="position 2"):
        await service.add_songs(alice, before.playlist.id, [b], position=2)
    assert await service.get_playlist(alice, before.playlist.id) == before


async def test_adding_unknown_or_removed_songs_names_them_and_changes_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b, removed = await add_songs(library, 3)
    before = await service.create_playlist(alice, "Mix", song_ids=[a])
    await library.tombstone(removed, START)
    unknown = uuid.uuid4()
    with pytest.raises(UnknownSongs) as raised:
        await service.add_songs(alice, before.playlist.id, [b, removed, unknown])
    assert raised.value.song_ids == sorted([removed, unknown])
    # Not even updated_at moved.
    assert await service.get_playlist(alice, before.playlist.id) == before


async def test_remove_closes_the_gap(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b, c, d = await add_songs(library, 4)
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=[a, b, c, d])).playlist.id
    assert song_order(await service.remove_entries(alice, playlist_id, [1])) == [a, c, d]
    assert song_order(await service.remove_entries(alice, playlist_id, [2])) == [a, c]
    assert song_order(await service.remove_entries(alice, playlist_id, [0])) == [c]


async def test_removing_several_positions_counts_them_before_any_is_removed(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    # Subsonic's updatePlaylist sends every songIndexToRemove against the old order.
    a, b, c, d = await add_songs(library, 4)
    playlist_id = (
        await service.create_playlist(alice, "Mix", song_ids=[a, b, a, c, d])
    ).playlist.id
    assert song_order(await service.remove_entries(alice, playlist_id, [4, 0, 2])) == [b, c]


async def test_removing_a_missing_position_changes_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b = await add_songs(library, 2)
    before = await service.create_playlist(alice, "Mix", song_ids=[a, b])
    with pytest.raises(PlaylistEntryNotFound, match="position 2"):
        await service.remove_entries(alice, before.playlist.id, [0, 2])
    assert await service.get_playlist(alice, before.playlist.id) == before


@pytest.mark.parametrize(
    ("from_position", "to_position", "expected"),
    [(0, 3, "bcda"), (3, 0, "dabc"), (1, 2, "acbd"), (2, 2, "abcd")],
)
async def test_move_puts_the_entry_at_the_target_position(
    service: PlaylistService,
    library: SqlSongRepository,
    alice: UUID,
    from_position: int,
    to_position: int,
    expected: str,
) -> None:
    ids = await add_songs(library, 4)
    by_letter = dict(zip("abcd", ids, strict=True))
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=ids)).playlist.id
    moved = await service.move_entry(alice, playlist_id, from_position, to_position)
    assert song_order(moved) == [by_letter[letter] for letter in expected]


async def test_move_outside_the_playlist_changes_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    ids = await add_songs(library, 2)
    before = await service.create_playlist(alice, "Mix", song_ids=ids)
    for from_position, to_position in [(2, 0), (0, 2)]:
        with pytest.raises(InvalidPosition):
            await service.move_entry(alice, before.playlist.id, from_position, to_position)
    assert await service.get_playlist(alice, before.playlist.id) == before


async def test_replace_sets_the_whole_order(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b, c = await add_songs(library, 3)
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=[a, b, c])).playlist.id
    assert song_order(await service.replace_songs(alice, playlist_id, [c, a, c, b])) == [
        c,
        a,
        c,
        b,
    ]
    assert song_order(await service.replace_songs(alice, playlist_id, [b])) == [b]
    assert song_order(await service.replace_songs(alice, playlist_id, [])) == []


async def test_removed_songs_stay_flagged_and_uncounted_and_survive_a_reorder(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, gone, c = await add_songs(library, 3, duration_ms=1_000)
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=[a, gone, c])).playlist.id
    await library.tombstone(gone, START)

    contents = await service.get_playlist(alice, playlist_id)
    assert [entry.available for entry in contents.entries] == [True, False, True]
    assert contents.entries[1].song_id == gone
    assert (contents.playlist.song_count, contents.playlist.duration_ms) == (2, 2_000)
    listed = (await service.list_playlists(alice))[0]
    assert (listed.song_count, listed.duration_ms) == (2, 2_000)

    # A drag-reorder sends back what GET showed, the removed song included: that must save.
    assert song_order(await service.replace_songs(alice, playlist_id, [gone, c, a])) == [
        gone,
        c,
        a,
    ]
    # But a removed song cannot be added anew, not even as a second copy.
    with pytest.raises(UnknownSongs):
        await service.add_songs(alice, playlist_id, [gone])


async def test_every_change_bumps_updated_at(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    a, b = await add_songs(library, 2)
    created = await service.create_playlist(alice, "Mix", song_ids=[a])
    playlist_id = created.playlist.id
    seen = [created.playlist.updated_at]
    assert created.playlist.created_at == created.playlist.updated_at

    changes: list[Callable[[], Awaitable[object]]] = [
        lambda: service.update_playlist(alice, playlist_id, name="Renamed"),
        lambda: service.update_playlist(alice, playlist_id, comment="note"),
        lambda: service.add_songs(alice, playlist_id, [b]),
        lambda: service.move_entry(alice, playlist_id, 0, 1),
        lambda: service.replace_songs(alice, playlist_id, [a, b, a]),
        lambda: service.remove_entries(alice, playlist_id, [2]),
    ]
    for change in changes:
        await change()
        seen.append((await service.get_playlist(alice, playlist_id)).playlist.updated_at)
    assert seen == sorted(set(seen)), "each change must move updated_at forward"
    assert (await service.get_playlist(alice, playlist_id)).playlist.created_at == seen[0]


async def test_update_changes_only_the_fields_given(service: PlaylistService, alice: UUID) -> None:
    playlist_id = (await service.create_playlist(alice, "Mix", "a comment")).playlist.id
    renamed = await service.update_playlist(alice, playlist_id, name=" Renamed ")
    assert (renamed.name, renamed.comment) == ("Renamed", "a comment")
    cleared = await service.update_playlist(alice, playlist_id, comment=None)
    assert (cleared.name, cleared.comment) == ("Renamed", None)
    with pytest.raises(InvalidPlaylistName):
        await service.update_playlist(alice, playlist_id, name="")
    assert (await service.get_playlist(alice, playlist_id)).playlist.name == "Renamed"


async def test_delete_removes_the_playlist_but_not_its_songs(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    (a,) = await add_songs(library, 1)
    playlist_id = (await service.create_playlist(alice, "Mix", song_ids=[a, a])).playlist.id
    await service.delete_playlist(alice, playlist_id)
    with pytest.raises(PlaylistNotFound):
        await service.get_playlist(alice, playlist_id)
    with pytest.raises(PlaylistNotFound):
        await service.delete_playlist(alice, playlist_id)
    assert (await library.get(a)).deleted_at is None


async def test_another_owner_sees_and_changes_nothing(
    service: PlaylistService, library: SqlSongRepository, alice: UUID, bob: UUID
) -> None:
    a, b = await add_songs(library, 2)
    before = await service.create_playlist(alice, "Alice's", song_ids=[a, b])
    playlist_id = before.playlist.id
    await service.create_playlist(bob, "Bob's")

    assert [p.name for p in await service.list_playlists(bob)] == ["Bob's"]
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: service.get_playlist(bob, playlist_id),
        lambda: service.update_playlist(bob, playlist_id, name="Mine now"),
        lambda: service.add_songs(bob, playlist_id, [a]),
        lambda: service.remove_entries(bob, playlist_id, [0]),
        lambda: service.replace_songs(bob, playlist_id, [b]),
        lambda: service.move_entry(bob, playlist_id, 0, 1),
        lambda: service.delete_playlist(bob, playlist_id),
    ]
    for attempt in attempts:
        with pytest.raises(PlaylistNotFound) as raised:
            await attempt()
        # The same message as for an id that never existed.
        assert str(raised.value) == f"no playlist {playlist_id}"
    assert await service.get_playlist(alice, playlist_id) == before


async def test_list_orders_by_creation_change_or_name(
    service: PlaylistService, alice: UUID
) -> None:
    for name in ["beta", "Alpha", "gamma"]:
        await service.create_playlist(alice, name)
    beta = next(p for p in await service.list_playlists(alice) if p.name == "beta")
    await service.update_playlist(alice, beta.id, comment="touched last")

    def names(playlists: list[Playlist]) -> list[str]:
        return [p.name for p in playlists]

    assert names(await service.list_playlists(alice)) == ["gamma", "Alpha", "beta"]
    assert names(await service.list_playlists(alice, PlaylistOrder.UPDATED)) == [
        "beta",
        "gamma",
        "Alpha",
    ]
    assert names(await service.list_playlists(alice, PlaylistOrder.NAME)) == [
        "Alpha",
        "beta",
        "gamma",
    ]


async def test_a_playlist_holds_at_most_max_entries(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    (a,) = await add_songs(library, 1)
    with pytest.raises(PlaylistTooLong):
        await service.create_playlist(alice, "Too long", song_ids=[a] * (MAX_ENTRIES + 1))
    full = await service.create_playlist(alice, "Full", song_ids=[a] * MAX_ENTRIES)
    assert full.playlist.song_count == MAX_ENTRIES
    assert full.entries[-1].position == MAX_ENTRIES - 1
    with pytest.raises(PlaylistTooLong, match="10001 entries"):
        await service.add_songs(alice, full.playlist.id, [a])
    # A reorder of a full playlist rewrites every row without colliding on (playlist, position).
    (b,) = await add_songs(library, 1)
    reordered = await service.replace_songs(alice, full.playlist.id, [b] + [a] * (MAX_ENTRIES - 1))
    assert reordered.entries[0].song_id == b
    assert len(reordered.entries) == MAX_ENTRIES


async def test_concurrent_additions_to_one_playlist_all_land(
    service: PlaylistService, library: SqlSongRepository, alice: UUID
) -> None:
    ids = await add_songs(library, 6)
    playlist_id = (await service.create_playlist(alice, "Party")).playlist.id
    await asyncio.gather(*(service.add_songs(alice, playlist_id, [s, s]) for s in ids))
    final = await service.get_playlist(alice, playlist_id)
    order = song_order(final)
    assert sorted(order) == sorted(ids * 2)
    # Each call's pair stays together: no edit interleaved with another.
    assert all(order[i] == order[i + 1] for i in range(0, len(order), 2))
