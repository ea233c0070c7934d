"""Folder browsing of imported songs (issue 16 item 11): a virtual Artist → Album → songs
tree under the Imported music folder, and every song's `parent` naming the directory it is
listed in, so a client walking getIndexes → getMusicDirectory reaches every song once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.api.subsonic.ids import IMPORTED_MUSIC_FOLDER_ID, folder_id
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import User

pytestmark = pytest.mark.anyio

NS = {"s": "http://subsonic.org/restapi"}


@pytest.fixture
async def settings(stack_settings: Settings, tmp_path: Path) -> Settings:
    return stack_settings.model_copy(update={"music_folders": [tmp_path / "music"]})


@pytest.fixture
def root(settings: Settings) -> str:
    return str(settings.music_folders[0].resolve())


async def add_mixed_library(services: Runtime, root: str) -> dict[str, UUID]:
    """Scanned songs in a folder, and imported ones: two albums of one artist (tracks
    interleaved by number), a song without an album, a song without an album artist,
    a various-artists album, and a song with no artist at all."""

    async def imported(key: str, **tags: Any) -> tuple[str, UUID]:
        return key, await add_song(services, **tags)

    songs = dict(
        [
            await imported(
                "hafid1",
                title="Vetrarljós",
                artists=("Sólveig Ólafsdóttir",),
                album="Hafið",
                album_artist="Sólveig Ólafsdóttir",
                track_number=1,
            ),
            await imported(
                "ete1",
                title="Matin",
                artists=("Sólveig Ólafsdóttir",),
                album="Été à Montréal",
                album_artist="Sólveig Ólafsdóttir",
                track_number=1,
            ),
            await imported(
                "hafid2",
                title="Norðurljós",
                artists=("Sólveig Ólafsdóttir", "Zoë Quinn"),
                album="Hafið",
                album_artist="Sólveig Ólafsdóttir",
                track_number=2,
            ),
            await imported(
                "single",
                title="Loose Single",
                artists=("Sólveig Ólafsdóttir",),
                album=None,
            ),
            await imported(
                "no_album_artist",
                title="Largo",
                artists=("Antonín Dvořák", "Zoë Quinn"),
                album="Dvořák: Symphony No. 9",
            ),
            await imported(
                "various1",
                title="Comp One",
                artists=("Zoë Quinn",),
                album="Nordic Mix",
                album_artist="Various Artists",
                track_number=1,
            ),
            await imported(
                "various2",
                title="Comp Two",
                artists=("Øystein Berg",),
                album="Nordic Mix",
                album_artist="Various Artists",
                track_number=2,
            ),
            await imported("nobody", title="Field Recording", artists=(), album=None),
        ]
    )
    songs["scanned"] = await add_song(
        services,
        title="Harbour Lights",
        artists=("Nina Vale",),
        album="Hafið",  # same album name, scanned: listed in its real folder only
        album_artist="Sólveig Ólafsdóttir",
        folder_path=f"{root}/Nina Vale/Harbour Lights",
    )
    songs["loose_scanned"] = await add_song(
        services, title="Loose Track", artists=("Zed",), album=None, folder_path=root
    )
    return songs


async def walk(subsonic: SubsonicClient, params: dict[str, Any]) -> dict[str, Any]:
    """Everything a client reaches from getIndexes: each song with the directories it was
    listed in, each directory with its answer."""
    indexes = (await subsonic.call("getIndexes", params))["indexes"]
    listed_in: dict[str, list[str | None]] = {}
    songs: dict[str, dict[str, Any]] = {}
    for child in indexes.get("child", []):
        listed_in.setdefault(child["id"], []).append(None)  # right in the indexes
        songs[child["id"]] = child
    todo = [a["id"] for i in indexes.get("index", []) for a in i["artist"]]
    directories: dict[str, dict[str, Any]] = {}
    while todo:
        raw = todo.pop()
        if raw in directories:
            continue
        directory = (await subsonic.call("getMusicDirectory", {"id": raw}))["directory"]
        directories[raw] = directory
        for child in directory.get("child", []):
            assert child.get("parent") == raw, (directory["name"], child)
            if child["isDir"]:
                todo.append(child["id"])
            else:
                listed_in.setdefault(child["id"], []).append(raw)
                songs[child["id"]] = child
    return {"listed_in": listed_in, "songs": songs, "directories": directories}


async def test_a_client_walking_the_folders_reaches_every_song_once(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    added = await add_mixed_library(services, root)
    seen = await walk(subsonic, {})
    assert set(seen["listed_in"]) == {str(song_id) for song_id in added.values()}
    assert Counter(len(places) for places in seen["listed_in"].values()) == {1: len(added)}
    # Every parent a client sees (of songs and of directories) is a directory it can open.
    parents = {s["parent"] for s in seen["songs"].values()}
    parents |= {d["parent"] for d in seen["directories"].values() if "parent" in d}
    for parent in parents:
        opened = (await subsonic.call("getMusicDirectory", {"id": parent}))["directory"]
        assert opened["id"] == parent
    # The loose scanned song sits in the root folder, which is listed in getIndexes.
    assert seen["songs"][str(added["loose_scanned"])]["parent"] == folder_id(root)


async def test_imported_songs_browse_as_artist_then_album(
    subsonic: SubsonicClient, services: Runtime, root: str
) -> None:
    added = await add_mixed_library(services, root)
    params = {"musicFolderId": IMPORTED_MUSIC_FOLDER_ID}
    indexes = (await subsonic.call("getIndexes", params))["indexes"]
    assert not indexes.get("child")  # no flat list of every imported song
    artists = {a["name"]: a["id"] for i in indexes["index"] for a in i["artist"]}
    assert set(artists) == {
        "Antonín Dvořák",  # no album artist: the first credited artist
        "Sólveig Ólafsdóttir",
        "Unknown Artist",
        "Various Artists",
    }
    letters = {i["name"]: [a["name"] for a in i["artist"]] for i in indexes["index"]}
    assert letters["S"] == ["Sólveig Ólafsdóttir"] and letters["A"] == ["Antonín Dvořák"]
    solveig = (await subsonic.call("getMusicDirectory", {"id": artists["Sólveig Ólafsdóttir"]}))[
        "directory"
    ]
    assert solveig["name"] == "Sólveig Ólafsdóttir"
    assert solveig["parent"] == folder_id("imported")
    # Albums by folded name ("Été" among the E's), then the songs without an album.
    assert [(c["title"], c["isDir"]) for c in solveig["child"]] == [
        ("Été à Montréal", True),
        ("Hafið", True),
        ("Loose Single", False),
    ]
    hafid = (await subsonic.call("getMusicDirectory", {"id": solveig["child"][1]["id"]}))[
        "directory"
    ]
    assert hafid["name"] == "Hafið" and hafid["parent"] == solveig["id"]
    # Only the imported tracks, in track order: the scanned one stays in its folder.
    assert [c["id"] for c in hafid["child"]] == [str(added["hafid1"]), str(added["hafid2"])]
    various = (await subsonic.call("getMusicDirectory", {"id": artists["Various Artists"]}))[
        "directory"
    ]
    [mix] = various["child"]
    mix_songs = (await subsonic.call("getMusicDirectory", {"id": mix["id"]}))["directory"]
    assert [c["title"] for c in mix_songs["child"]] == ["Comp One", "Comp Two"]
    imported_root = (await subsonic.call("getMusicDirectory", {"id": folder_id("imported")}))[
        "directory"
    ]
    assert imported_root["name"] == "Imported"
    assert [c["title"] for c in imported_root["child"]] == [
        "Antonín Dvořák",
        "Sólveig Ólafsdóttir",
        "Unknown Artist",
        "Various Artists",
    ]
    # The same directories in XML (checked against the XSD by the client).
    response = await subsonic.request("getMusicDirectory", {"id": hafid["id"]}, fmt="xml")
    children = etree.fromstring(response.content).findall("s:directory/s:child", NS)
    assert [c.get("parent") for c in children] == [hafid["id"], hafid["id"]]


async def test_every_song_answer_names_the_directory_it_is_listed_in(
    subsonic: SubsonicClient, services: Runtime, root: str, alice: User
) -> None:
    added = await add_mixed_library(services, root)
    listed_in = {
        song: places[0] for song, places in (await walk(subsonic, {}))["listed_in"].items()
    }
    root_id = folder_id(root)

    def check(songs: list[dict[str, Any]], where: str) -> None:
        assert songs, where
        for song in songs:
            assert song["parent"] == (listed_in[song["id"]] or root_id), (where, song["title"])

    for key in ("hafid1", "single", "no_album_artist", "nobody", "scanned"):
        check([(await subsonic.call("getSong", {"id": str(added[key])}))["song"]], "getSong")
        xml = await subsonic.request("getSong", {"id": str(added[key])}, fmt="xml")
        element = etree.fromstring(xml.content).find("s:song", NS)
        assert element.get("parent") == (listed_in[str(added[key])] or root_id)
    album_id = (await subsonic.call("getSong", {"id": str(added["hafid1"])}))["song"]["albumId"]
    check((await subsonic.call("getAlbum", {"id": album_id}))["album"]["song"], "getAlbum")
    check(
        (await subsonic.call("search3", {"query": "", "songCount": 50}))["searchResult3"]["song"],
        "search3",
    )
    check((await subsonic.call("search2", {"query": "hafid"}))["searchResult2"]["song"], "search2")
    check((await subsonic.call("getRandomSongs", {"size": 50}))["randomSongs"]["song"], "random")
    await services.domains.stars.like(alice.id, added["various2"])
    check((await subsonic.call("getStarred2"))["starred2"]["song"], "getStarred2")


async def test_the_catalog_lists_the_virtual_tree_and_refuses_unknown_paths(
    services: Runtime, root: str
) -> None:
    added = await add_mixed_library(services, root)
    imported = await services.domains.catalog.folder("imported")
    names = [f.name for f in imported.folders]
    assert names == ["Antonín Dvořák", "Sólveig Ólafsdóttir", "Unknown Artist", "Various Artists"]
    solveig = await services.domains.catalog.folder(imported.folders[1].path)
    assert solveig.name == "Sólveig Ólafsdóttir" and solveig.parent == "imported"
    assert [s.id for s in solveig.songs] == [added["single"]]
    hafid = await services.domains.catalog.folder(solveig.folders[1].path)
    assert hafid.parent == solveig.path and hafid.name == "Hafið"
    for bad in ("imported/x", "imported/-/-", f"imported/{added['hafid1']}", "imported/-/a/b"):
        with pytest.raises(Exception, match="not in the library"):
            await services.domains.catalog.folder(bad)
