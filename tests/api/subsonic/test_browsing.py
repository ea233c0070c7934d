"""Browsing: getMusicFolders, getIndexes, getMusicDirectory (real folders), getGenres,
getArtists, getArtist, getAlbum, getSong, startScan, getScanStatus — GET and POST, JSON and
XML (every answer checked against the XSD by the client)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.api.subsonic.ids import IMPORTED_MUSIC_FOLDER_ID, folder_id, folder_path
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio

NS = {"s": "http://subsonic.org/restapi"}
BOTH_WAYS = [("GET", "json"), ("POST", "json"), ("GET", "xml"), ("POST", "xml")]
_FOLDER_ID = re.compile(r"\bd[A-Za-z0-9_-]{4,}")


async def each_way(
    subsonic: SubsonicClient, method: str, params: dict[str, Any] | None = None
) -> list[tuple[str, httpx.Response]]:
    """The answers to one call over GET and POST, in JSON and XML."""
    return [
        (fmt, await subsonic.request(method, params, fmt=fmt, http_method=http_method))
        for http_method, fmt in BOTH_WAYS
    ]


def xml_of(response: httpx.Response) -> Any:
    return etree.fromstring(response.content)


def stable(text: str, root: str) -> str:
    """Snapshot text with folder ids shown as their paths below the music folder."""

    def readable(match: re.Match[str]) -> str:
        path = folder_path(match.group(0))
        return match.group(0) if path is None else "{dir:" + path.replace(root, "/music") + "}"

    return normalize(_FOLDER_ID.sub(readable, text))


@pytest.fixture
async def settings(stack_settings: Settings, tmp_path: Path) -> Settings:
    """One configured music folder, /…/music, for folder browsing."""
    return stack_settings.model_copy(update={"music_folders": [tmp_path / "music"]})


@pytest.fixture
def root(settings: Settings) -> str:
    return str(settings.music_folders[0].resolve())


async def add_tree(services: Runtime, root: str) -> dict[str, UUID]:
    """A nested tree: two artists' album folders, a disc subfolder, a loose song in the root,
    and one imported song without a folder."""
    nina = f"{root}/Nina Vale/Harbour Lights"
    songs = {
        "harbour": await add_song(
            services,
            title="Harbour Lights",
            artists=("Nina Vale",),
            album="Harbour Lights",
            album_artist="Nina Vale",
            track_number=1,
            year=2021,
            genres=("Folk", "Acoustic"),
            folder_path=nina,
            original_format="mp3",
            original_size_bytes=240_000,
            duration_ms=8_000,
            musicbrainz_recording_id="0f0e0d0c-0b0a-4009-8807-060504030201",
            isrc="USRC17607839",
            replaygain_track_gain_db=-6.5,
            replaygain_track_peak=0.98,
        ),
        "tide": await add_song(
            services,
            title="Low Tide",
            artists=("Nina Vale", "Ola Berg"),
            album="Harbour Lights",
            album_artist="Nina Vale",
            track_number=2,
            year=2021,
            genres=("Folk",),
            folder_path=nina,
        ),
        "bonus": await add_song(
            services,
            title="Bonus Wave",
            artists=("Nina Vale",),
            album="Harbour Lights",
            album_artist="Nina Vale",
            disc_number=2,
            track_number=1,
            year=2021,
            folder_path=f"{nina}/CD2",
        ),
        "signal": await add_song(
            services,
            title="Signal One",
            artists=("The Quiet Engines",),
            album="Signals",
            year=2019,
            genres=("Electronic",),
            folder_path=f"{root}/The Quiet Engines/Signals",
        ),
        "loose": await add_song(
            services,
            title="Loose Track",
            artists=("Zed",),
            album=None,
            genres=("Folk",),
            folder_path=root,
        ),
        "imported": await add_song(
            services, title="Uploaded Thing", artists=("Ola Berg",), album="Uploads"
        ),
    }
    return songs


async def test_music_folders_lists_the_root_then_imported(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    await add_tree(services, root)
    for fmt, response in await each_way(subsonic, "getMusicFolders"):
        if fmt == "json":
            folders = response.json()["subsonic-response"]["musicFolders"]["musicFolder"]
            assert folders == [
                {"id": 1, "name": "music"},
                {"id": IMPORTED_MUSIC_FOLDER_ID, "name": "Imported"},
            ]
        else:
            found = xml_of(response).findall("s:musicFolders/s:musicFolder", NS)
            assert [(f.get("id"), f.get("name")) for f in found] == [
                ("1", "music"),
                (str(IMPORTED_MUSIC_FOLDER_ID), "Imported"),
            ]


async def test_indexes_list_top_folders_by_letter_and_loose_songs(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    indexes = (await subsonic.call("getIndexes"))["indexes"]
    assert indexes["ignoredArticles"] == "The A An El La Los Las Le Les"
    assert indexes["lastModified"] > 0
    letters = {i["name"]: [a["name"] for a in i["artist"]] for i in indexes["index"]}
    # "The Quiet Engines" files under Q: the article is ignored.
    # The imported song's artist is a virtual folder of the Imported music folder.
    assert letters == {"N": ["Nina Vale"], "O": ["Ola Berg"], "Q": ["The Quiet Engines"]}
    assert [c["id"] for c in indexes["child"]] == [str(songs["loose"])]
    only_root = (await subsonic.call("getIndexes", {"musicFolderId": 1}))["indexes"]
    assert [i["name"] for i in only_root["index"]] == ["N", "Q"]
    unchanged = (await subsonic.call("getIndexes", {"ifModifiedSince": indexes["lastModified"]}))[
        "indexes"
    ]
    assert "index" not in unchanged and "child" not in unchanged
    assert unchanged["lastModified"] == indexes["lastModified"]


async def test_music_directory_walks_the_real_folder_tree(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    indexes = (await subsonic.call("getIndexes", {"musicFolderId": 1}))["indexes"]
    nina_id = indexes["index"][0]["artist"][0]["id"]
    nina = (await subsonic.call("getMusicDirectory", {"id": nina_id}))["directory"]
    assert nina["name"] == "Nina Vale" and nina["parent"] == folder_id(root)
    album_dir = nina["child"][0]
    assert album_dir["isDir"] is True and album_dir["title"] == "Harbour Lights"
    album = (await subsonic.call("getMusicDirectory", {"id": album_dir["id"]}))["directory"]
    assert [(c["title"], c["isDir"]) for c in album["child"]] == [
        ("CD2", True),
        ("Harbour Lights", False),
        ("Low Tide", False),
    ]
    assert all(c["parent"] == album_dir["id"] for c in album["child"])
    disc = (await subsonic.call("getMusicDirectory", {"id": album["child"][0]["id"]}))["directory"]
    assert [c["id"] for c in disc["child"]] == [str(songs["bonus"])]
    assert disc["parent"] == album_dir["id"]
    top = (await subsonic.call("getMusicDirectory", {"id": folder_id(root)}))["directory"]
    assert [c["title"] for c in top["child"]] == ["Nina Vale", "The Quiet Engines", "Loose Track"]
    assert "parent" not in top
    imported = (await subsonic.call("getMusicDirectory", {"id": folder_id("imported")}))[
        "directory"
    ]
    # Imported songs: a virtual folder per artist, in it one per album.
    assert [(c["title"], c["isDir"]) for c in imported["child"]] == [("Ola Berg", True)]
    ola = (await subsonic.call("getMusicDirectory", {"id": imported["child"][0]["id"]}))[
        "directory"
    ]
    assert [(c["title"], c["isDir"]) for c in ola["child"]] == [("Uploads", True)]
    uploads = (await subsonic.call("getMusicDirectory", {"id": ola["child"][0]["id"]}))["directory"]
    assert [c["id"] for c in uploads["child"]] == [str(songs["imported"])]


async def test_browsing_methods_answer_get_and_post_in_both_formats(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    album_dir = folder_id(f"{root}/Nina Vale/Harbour Lights")
    for fmt, response in await each_way(subsonic, "getMusicDirectory", {"id": album_dir}):
        if fmt == "json":
            children = response.json()["subsonic-response"]["directory"]["child"]
            titles = [c["title"] for c in children]
        else:
            titles = [c.get("title") for c in xml_of(response).findall("s:directory/s:child", NS)]
        assert titles == ["CD2", "Harbour Lights", "Low Tide"], fmt
    song_id = str(songs["tide"])
    for fmt, response in await each_way(subsonic, "getSong", {"id": song_id}):
        if fmt == "json":
            song = response.json()["subsonic-response"]["song"]
        else:
            song = dict(xml_of(response).find("s:song", NS).attrib)
        assert (song["id"], song["title"]) == (song_id, "Low Tide"), fmt
        album_id, artist_id = song["albumId"], song["artistId"]
    for fmt, response in await each_way(subsonic, "getAlbum", {"id": album_id}):
        if fmt == "json":
            count = len(response.json()["subsonic-response"]["album"]["song"])
        else:
            count = len(xml_of(response).findall("s:album/s:song", NS))
        assert count == 3, fmt
    for fmt, response in await each_way(subsonic, "getArtist", {"id": artist_id}):
        if fmt == "json":
            albums = response.json()["subsonic-response"]["artist"]["album"]
            names = [a["name"] for a in albums]
        else:
            names = [a.get("name") for a in xml_of(response).findall("s:artist/s:album", NS)]
        assert names == ["Harbour Lights"], fmt
    for method, path in (
        ("getArtists", "s:artists/s:index"),
        ("getIndexes", "s:indexes/s:index"),
        ("getScanStatus", "s:scanStatus"),
    ):
        for fmt, response in await each_way(subsonic, method):
            if fmt == "xml":
                assert xml_of(response).findall(path, NS), (method, fmt)
            else:
                assert response.json()["subsonic-response"]["status"] == "ok", (method, fmt)


async def test_music_directory_takes_artist_and_album_ids(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    song = (await subsonic.call("getSong", {"id": str(songs["tide"])}))["song"]
    album = (await subsonic.call("getMusicDirectory", {"id": song["albumId"]}))["directory"]
    assert [c["title"] for c in album["child"]] == ["Harbour Lights", "Low Tide", "Bonus Wave"]
    nina = album["parent"]
    artist = (await subsonic.call("getMusicDirectory", {"id": nina}))["directory"]
    assert artist["name"] == "Nina Vale"
    assert [(c["title"], c["isDir"]) for c in artist["child"]] == [("Harbour Lights", True)]


async def test_music_directory_refuses_folders_outside_the_roots(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    await add_tree(services, root)
    for raw in (folder_id("/etc"), folder_id(f"{root}/../x"), "dnot-base64!", "nope"):
        error = await subsonic.fail("getMusicDirectory", {"id": raw})
        assert error["code"] == 70, raw
    assert (await subsonic.fail("getMusicDirectory"))["code"] == 10


async def test_genres_count_songs_and_albums(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    await add_tree(services, root)
    for fmt, response in await each_way(subsonic, "getGenres"):
        if fmt == "json":
            genres = {
                g["value"]: (g["songCount"], g["albumCount"])
                for g in response.json()["subsonic-response"]["genres"]["genre"]
            }
        else:
            genres = {
                g.text: (int(g.get("songCount")), int(g.get("albumCount")))
                for g in xml_of(response).findall("s:genres/s:genre", NS)
            }
        # Folk: two songs of the album and the loose track (without an album).
        assert genres["Folk"] == (3, 1), fmt
        assert genres["Electronic"] == (1, 1), fmt
        assert genres["Acoustic"] == (1, 1), fmt


async def test_artists_are_indexed_by_letter_without_articles(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    await add_tree(services, root)
    artists = (await subsonic.call("getArtists"))["artists"]
    assert artists["ignoredArticles"] == "The A An El La Los Las Le Les"
    letters = {i["name"]: [a["name"] for a in i["artist"]] for i in artists["index"]}
    assert letters == {
        "N": ["Nina Vale"],
        "O": ["Ola Berg"],
        "Q": ["The Quiet Engines"],
        "Z": ["Zed"],
    }
    nina = artists["index"][0]["artist"][0]
    assert nina["albumCount"] == 1
    assert "coverArt" not in nina  # none of her songs has art (test_cover_art has one that does)
    in_root = (await subsonic.call("getArtists", {"musicFolderId": 1}))["artists"]
    names = [a["name"] for i in in_root["index"] for a in i["artist"]]
    assert "Ola Berg" in names  # credited on Low Tide, in the folder
    imported = (await subsonic.call("getArtists", {"musicFolderId": IMPORTED_MUSIC_FOLDER_ID}))[
        "artists"
    ]
    assert [a["name"] for i in imported["index"] for a in i["artist"]] == ["Ola Berg"]
    assert (await subsonic.fail("getArtists", {"musicFolderId": 9}))["code"] == 70


async def test_artist_lists_its_albums(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    song = (await subsonic.call("getSong", {"id": str(songs["harbour"])}))["song"]
    artist = (await subsonic.call("getArtist", {"id": song["artistId"]}, http_method="POST"))[
        "artist"
    ]
    assert artist["name"] == "Nina Vale" and artist["albumCount"] == 1
    assert [(a["name"], a["songCount"], a["year"]) for a in artist["album"]] == [
        ("Harbour Lights", 3, 2021)
    ]
    assert (await subsonic.fail("getArtist", {"id": str(songs["harbour"])}))["code"] == 70


async def test_album_has_its_songs_in_disc_and_track_order_with_user_state(
    subsonic: SubsonicClient, services: Runtime, root: str, alice: User
) -> None:
    songs = await add_tree(services, root)
    await services.domains.stars.like(alice.id, songs["tide"])
    album_id = (await subsonic.call("getSong", {"id": str(songs["tide"])}))["song"]["albumId"]
    album = (await subsonic.call("getAlbum", {"id": album_id}))["album"]
    assert album["name"] == "Harbour Lights" and album["artist"] == "Nina Vale"
    assert album["songCount"] == 3 and album["duration"] == 8 + 180 + 180
    assert [s["title"] for s in album["song"]] == ["Harbour Lights", "Low Tide", "Bonus Wave"]
    tide = album["song"][1]
    assert "starred" in tide and "starred" not in album["song"][0]
    assert "userRating" not in tide  # unrated: left out, as the XSD requires
    assert [a["name"] for a in tide["artists"]] == ["Nina Vale", "Ola Berg"]
    assert tide["displayArtist"] == "Nina Vale & Ola Berg"
    assert (await subsonic.fail("getAlbum", {"id": "not-an-id"}))["code"] == 70


async def test_song_carries_the_open_subsonic_fields(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    songs = await add_tree(services, root)
    song = (await subsonic.call("getSong", {"id": str(songs["harbour"])}))["song"]
    expected: dict[str, Any] = {
        "id": str(songs["harbour"]),
        "parent": folder_id(f"{root}/Nina Vale/Harbour Lights"),
        "isDir": False,
        "title": "Harbour Lights",
        "album": "Harbour Lights",
        "artist": "Nina Vale",
        "track": 1,
        "year": 2021,
        "genre": "Folk",
        "size": 240_000,
        "contentType": "audio/mpeg",
        "suffix": "mp3",
        "duration": 8,
        "bitRate": 240,
        "path": "Nina Vale/Harbour Lights/01 - Harbour Lights.mp3",
        "type": "music",
        "mediaType": "song",
        "musicBrainzId": "0f0e0d0c-0b0a-4009-8807-060504030201",
        "isrc": ["USRC17607839"],
        "genres": [{"name": "Folk"}, {"name": "Acoustic"}],
        "displayAlbumArtist": "Nina Vale",
        "replayGain": {"trackGain": -6.5, "trackPeak": 0.98},
        "playCount": 0,
        "sortName": "harbour lights",
    }
    assert {key: song.get(key) for key in expected} == expected
    assert (await subsonic.fail("getSong", {"id": "00000000-0000-4000-8000-000000000000"}))[
        "code"
    ] == 70


async def test_scan_is_for_admins_and_reported(
    subsonic: SubsonicClient, services: Runtime, root: str, alice: User
) -> None:
    await add_tree(services, root)
    assert (await subsonic.fail("startScan"))["code"] == 50
    status = (await subsonic.call("getScanStatus"))["scanStatus"]
    assert status == {"scanning": False, "count": 6}
    await services.domains.users.add_user("root", "admin password 1", role=Role.ADMIN)
    admin = SubsonicClient(subsonic.http, "root", "admin password 1")
    started = (await admin.call("startScan", http_method="POST"))["scanStatus"]
    assert started["scanning"] is True
    assert (await subsonic.call("getScanStatus"))["scanStatus"]["scanning"] is True
    await admin.call("startScan")  # one already queued: not queued twice
    runs = await services.domains.jobs.recent("library.scan")
    assert len(runs) == 1


@pytest.mark.parametrize("fmt", ["xml", "json"])
async def test_music_directory_and_artists_snapshots(
    subsonic: SubsonicClient, services: Runtime, root: str, fmt: str
) -> None:
    await add_tree(services, root)
    album_dir = folder_id(f"{root}/Nina Vale/Harbour Lights")
    for method, params in (("getMusicDirectory", {"id": album_dir}), ("getArtists", {})):
        response = await subsonic.request(method, params, fmt=fmt)
        text = format_xml(response.content) if fmt == "xml" else format_json(response.json())
        assert_matches_snapshot(f"browse_{method}.{fmt}", stable(text, root))
