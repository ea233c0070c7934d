"""Album and song lists: getAlbumList and getAlbumList2 (every type, with data that tells
the orders apart), getRandomSongs, getSongsByGenre. Runs on both stacks: the list SQL
(random(), per-user joins, year ranges, folder prefixes) differs between databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.adapters.db.tables import RatingRow, StarredItemRow, UserInteractionRow
from tonearm.api.subsonic.ids import IMPORTED_MUSIC_FOLDER_ID
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import User

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]

NS = {"s": "http://subsonic.org/restapi"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def settings(stack_settings: Settings, tmp_path: Path) -> Settings:
    return stack_settings.model_copy(update={"music_folders": [tmp_path / "music"]})


@dataclass
class Shelf:
    """Four albums (two songs each) that every list orders differently."""

    albums: dict[str, UUID]
    songs: dict[str, list[UUID]]


ALBUMS = [
    # name, album artist, year, genre, in the music folder?
    ("Alpha", "Zulu Band", 2001, "Jazz", True),
    ("Bravo", "Yankee", 1999, "Rock", True),
    ("Charlie", "Xray", 2010, "Jazz", False),
    ("Delta", "Whiskey", 2005, "Pop", False),
]


async def add_shelf(services: Runtime, settings: Settings) -> Shelf:
    root = str(settings.music_folders[0].resolve())
    songs: dict[str, list[UUID]] = {}
    for name, artist, year, genre, in_folder in ALBUMS:  # added in this order
        songs[name] = [
            await add_song(
                services,
                title=f"{name} {track}",
                artists=(artist,),
                album=name,
                album_artist=artist,
                year=year,
                genres=(genre,),
                track_number=track,
                folder_path=f"{root}/{artist}/{name}" if in_folder else None,
            )
            for track in (1, 2)
        ]
    catalog = services.domains.catalog
    albums = {name: (await catalog.song(ids[0])).album_id for name, ids in songs.items()}
    return Shelf({name: album_id for name, album_id in albums.items() if album_id}, songs)


async def mark(services: Runtime, user: User, shelf: Shelf) -> None:
    """Ratings C=5, A=3; plays B×3 (older), D×1 (newest); stars A then D."""
    async with services.database.sessions.begin() as session:
        for name, rating in (("Charlie", 5), ("Alpha", 3)):
            session.add(
                RatingRow(
                    user_id=user.id,
                    item_kind="album",
                    item_id=shelf.albums[name],
                    rating=rating,
                    rated_at=T0,
                )
            )
        plays = [("Bravo", 0, 1), ("Bravo", 1, 2), ("Bravo", 0, 3), ("Delta", 1, 10)]
        for name, track, hours in plays:
            at = T0 + timedelta(hours=hours)
            session.add(
                UserInteractionRow(
                    user_id=user.id,
                    song_id=shelf.songs[name][track],
                    action="play",
                    occurred_at=at,
                    play_state="counted",
                    counted_at=at,
                )
            )
        for name, hours in (("Alpha", 1), ("Delta", 2)):
            session.add(
                StarredItemRow(
                    user_id=user.id,
                    item_kind="album",
                    item_id=shelf.albums[name],
                    starred_at=T0 + timedelta(hours=hours),
                )
            )


async def names(subsonic: SubsonicClient, params: dict[str, object]) -> list[str]:
    document = await subsonic.call("getAlbumList2", params)
    return [album["name"] for album in document["albumList2"].get("album", [])]


async def test_every_album_list_type_has_its_own_order(
    subsonic: SubsonicClient, services: Runtime, settings: Settings, alice: User
) -> None:
    shelf = await add_shelf(services, settings)
    await mark(services, alice, shelf)
    expected = {
        "newest": ["Delta", "Charlie", "Bravo", "Alpha"],
        "alphabeticalByName": ["Alpha", "Bravo", "Charlie", "Delta"],
        "alphabeticalByArtist": ["Delta", "Charlie", "Bravo", "Alpha"],
        "highest": ["Charlie", "Alpha"],
        "frequent": ["Bravo", "Delta"],
        "recent": ["Delta", "Bravo"],
        "starred": ["Delta", "Alpha"],
    }
    for kind, wanted in expected.items():
        assert await names(subsonic, {"type": kind}) == wanted, kind
    by_year = {"type": "byYear", "fromYear": 2000, "toYear": 2010}
    assert await names(subsonic, by_year) == ["Alpha", "Delta", "Charlie"]
    backwards = {"type": "byYear", "fromYear": 2010, "toYear": 2000}
    assert await names(subsonic, backwards) == ["Charlie", "Delta", "Alpha"]
    assert await names(subsonic, {"type": "byGenre", "genre": "jazz"}) == ["Alpha", "Charlie"]
    random = await names(subsonic, {"type": "random", "size": 4})
    assert sorted(random) == ["Alpha", "Bravo", "Charlie", "Delta"]


async def test_album_lists_show_the_users_marks(
    subsonic: SubsonicClient, services: Runtime, settings: Settings, alice: User
) -> None:
    shelf = await add_shelf(services, settings)
    await mark(services, alice, shelf)
    albums = (await subsonic.call("getAlbumList2", {"type": "alphabeticalByName"}))["albumList2"][
        "album"
    ]
    by_name = {album["name"]: album for album in albums}
    assert by_name["Alpha"]["userRating"] == 3 and "starred" in by_name["Alpha"]
    assert by_name["Bravo"]["playCount"] == 3 and "played" in by_name["Bravo"]
    assert "userRating" not in by_name["Bravo"] and "starred" not in by_name["Bravo"]
    assert by_name["Delta"]["songCount"] == 2 and by_name["Delta"]["year"] == 2005


async def test_album_list_pages_and_folders(
    subsonic: SubsonicClient, services: Runtime, settings: Settings
) -> None:
    await add_shelf(services, settings)
    page = {"type": "alphabeticalByName", "size": 2, "offset": 1}
    assert await names(subsonic, page) == ["Bravo", "Charlie"]
    assert await names(subsonic, {**page, "offset": 4}) == []
    in_folder = {"type": "alphabeticalByName", "musicFolderId": 1}
    assert await names(subsonic, in_folder) == ["Alpha", "Bravo"]
    assert await names(subsonic, {**in_folder, "musicFolderId": IMPORTED_MUSIC_FOLDER_ID}) == [
        "Charlie",
        "Delta",
    ]
    big = (await subsonic.call("getAlbumList2", {"type": "newest", "size": 9999}))["albumList2"]
    assert len(big["album"]) == 4  # size is capped at 500, not refused


async def test_album_list_refuses_bad_requests(
    subsonic: SubsonicClient, services: Runtime, settings: Settings
) -> None:
    await add_shelf(services, settings)
    assert (await subsonic.fail("getAlbumList2"))["code"] == 10
    assert (await subsonic.fail("getAlbumList2", {"type": "bestOf"}))["code"] == 10
    assert (await subsonic.fail("getAlbumList2", {"type": "byYear", "fromYear": 2000}))[
        "code"
    ] == 10
    assert (await subsonic.fail("getAlbumList", {"type": "byGenre"}))["code"] == 10
    assert (await subsonic.fail("getAlbumList", {"type": "newest", "musicFolderId": 7}))[
        "code"
    ] == 70


async def test_album_lists_over_get_and_post_in_both_formats(
    subsonic: SubsonicClient, services: Runtime, settings: Settings
) -> None:
    shelf = await add_shelf(services, settings)
    params = {"type": "alphabeticalByArtist", "size": 3}
    wanted = ["Delta", "Charlie", "Bravo"]
    for method, key in (("getAlbumList", "albumList"), ("getAlbumList2", "albumList2")):
        for http_method in ("GET", "POST"):
            document = await subsonic.call(method, params, http_method=http_method)
            albums = document[key]["album"]
            titles = [a["title"] if method == "getAlbumList" else a["name"] for a in albums]
            assert titles == wanted, (method, http_method)
            response = await subsonic.request(method, params, fmt="xml", http_method=http_method)
            found = etree.fromstring(response.content).findall(f"s:{key}/s:album", NS)
            attribute = "title" if method == "getAlbumList" else "name"
            assert [a.get(attribute) for a in found] == wanted, (method, http_method)
    directory = (await subsonic.call("getAlbumList", params))["albumList"]["album"][0]
    assert directory["isDir"] is True and directory["id"] == str(shelf.albums["Delta"])


async def test_random_songs_filter_by_genre_years_and_folder(
    subsonic: SubsonicClient, services: Runtime, settings: Settings
) -> None:
    shelf = await add_shelf(services, settings)

    async def song_ids(params: dict[str, object], http_method: str = "GET") -> set[str]:
        document = await subsonic.call("getRandomSongs", params, http_method=http_method)
        return {song["id"] for song in document["randomSongs"].get("song", [])}

    def ids_of(*albums: str) -> set[str]:
        return {str(song_id) for name in albums for song_id in shelf.songs[name]}

    assert await song_ids({"size": 500}) == ids_of("Alpha", "Bravo", "Charlie", "Delta")
    assert len(await song_ids({"size": 3})) == 3
    assert await song_ids({"genre": "Jazz"}, "POST") == ids_of("Alpha", "Charlie")
    assert await song_ids({"fromYear": 2001, "toYear": 2005}) == ids_of("Alpha", "Delta")
    assert await song_ids({"fromYear": 2006}) == ids_of("Charlie")
    assert await song_ids({"musicFolderId": 1}) == ids_of("Alpha", "Bravo")
    response = await subsonic.request("getRandomSongs", {"genre": "Pop"}, fmt="xml")
    found = etree.fromstring(response.content).findall("s:randomSongs/s:song", NS)
    assert {song.get("id") for song in found} == ids_of("Delta")


async def test_songs_by_genre_are_paged_by_title(
    subsonic: SubsonicClient, services: Runtime, settings: Settings
) -> None:
    await add_shelf(services, settings)

    async def titles(params: dict[str, object], http_method: str = "GET") -> list[str]:
        document = await subsonic.call("getSongsByGenre", params, http_method=http_method)
        return [song["title"] for song in document["songsByGenre"].get("song", [])]

    jazz = ["Alpha 1", "Alpha 2", "Charlie 1", "Charlie 2"]
    assert await titles({"genre": "Jazz"}) == jazz
    assert await titles({"genre": "Jazz", "count": 2, "offset": 1}, "POST") == jazz[1:3]
    assert await titles({"genre": "Jazz", "musicFolderId": IMPORTED_MUSIC_FOLDER_ID}) == jazz[2:]
    assert await titles({"genre": "Polka"}) == []
    assert (await subsonic.fail("getSongsByGenre"))["code"] == 10
    response = await subsonic.request("getSongsByGenre", {"genre": "Rock"}, fmt="xml")
    found = etree.fromstring(response.content).findall("s:songsByGenre/s:song", NS)
    assert [song.get("title") for song in found] == ["Bravo 1", "Bravo 2"]
