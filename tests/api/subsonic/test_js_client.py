"""A third independent client library, the npm package `subsonic-api` (3.3.1, run by node),
against a real `tonearm serve`: tests/clients/js/drive.mjs calls the library the way a player
app does and prints what each call answered; here we assert on it.

It runs three ways: token auth (salt + MD5) over GET, the same over POST form bodies
(OpenSubsonic formPost), and an API key (apiKeyAuthentication); the library has no clear
password mode. Its requests go through the checking proxy, so every Subsonic document it gets
is also validated against the XSD and the OpenAPI schemas.

node and the library come from `make install-test` (`npm ci --prefix tests/clients/js`); when
either is missing the test fails and says so, it is never skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.subsonic.live import (
    LiveServer,
    cover_png,
    start_live_server,
    write_demo_library,
)
from tests.api.subsonic.proxy import CheckingProxy, checking_proxy
from tests.ingest.audio_factory import make_audio_file

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "js"
DRIVER = CLIENT_DIR / "drive.mjs"
LIBRARY = CLIENT_DIR / "node_modules" / "subsonic-api" / "package.json"
MODES = ("token", "token-post", "apikey")


def node_binary() -> str:
    """node, with subsonic-api installed next to the driver; a clear failure otherwise."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run `make system-deps install-test` (Debian nodejs)")
    if not LIBRARY.exists():
        pytest.fail(f"subsonic-api is not installed in {CLIENT_DIR}: run `make install-test`")
    version = json.loads(LIBRARY.read_text())["version"]
    assert version == "3.3.1", f"subsonic-api {version} installed: run `make install-test`"
    return node


def library_with_accents(root: Path) -> list[Path]:
    """The demo library plus an artist, album and song whose names carry accents."""
    return [
        *write_demo_library(root),
        make_audio_file(
            root,
            "mp3",
            seconds=5,
            frequency_hz=330,
            name="Chloé Durand/Été Indien/01 Rêverie.mp3",
            tags={
                "artists": ["Chloé Durand"],
                "album": "Été Indien",
                "title": "Rêverie",
                "track_number": 1,
                "year": 2020,
                "genres": ["Chanson"],
            },
            picture=cover_png((40, 40, 200)),
        ),
    ]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shared live server, on the demo library plus one accented artist."""
    server = start_live_server(tmp_path_factory.mktemp("live-js"), library=library_with_accents)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def proxy(live_server: LiveServer) -> Iterator[CheckingProxy]:
    with checking_proxy(live_server.url) as running:
        yield running
    assert running.faults == [], "\n\n".join(running.faults)


@pytest.fixture(scope="module")
def api_key(live_server: LiveServer) -> str:
    return live_server.new_api_key("subsonic-api")


@pytest.fixture(scope="module", params=MODES)
def run(
    request: pytest.FixtureRequest, live_server: LiveServer, proxy: CheckingProxy, api_key: str
) -> dict[str, Any]:
    """What drive.mjs printed, driving the server through the proxy in one auth mode."""
    node = node_binary()
    if request.param == "apikey":
        credentials = ["--api-key", api_key]
    else:
        credentials = ["--username", live_server.username, "--password", live_server.password]
        credentials += ["--post"] if request.param == "token-post" else []
    done = subprocess.run(
        [node, str(DRIVER), "--url", proxy.url, *credentials],
        cwd=CLIENT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"drive.mjs failed ({request.param}):\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["auth"] == {"apikey": "apiKey"}.get(request.param, request.param)
    return result


def test_system(run: dict[str, Any]) -> None:
    ping = run["ping"]
    assert (ping["status"], ping["version"], ping["openSubsonic"]) == ("ok", "1.16.1", True)
    assert ping["type"] == "tonearm" and ping["serverVersion"]
    assert run["license"] == {"valid": True}
    extensions = run["extensions"]
    assert {"formPost", "apiKeyAuthentication", "songLyrics"} <= set(extensions)
    assert extensions["formPost"] == [1] and extensions["songLyrics"] == [1]


def test_browsing_round_trips_ids(run: dict[str, Any], live_server: LiveServer) -> None:
    assert [folder["name"] for folder in run["musicFolders"]] == [live_server.music_dir.name]
    artists = [a for index in run["artists"]["indexes"] for a in index["artists"]]
    assert sorted(a["name"] for a in artists) == ["Chloé Durand", "Nina Vale", "The Quiet Engines"]
    # Chloé files under C, not under an index of its own for the accent.
    letters = {
        a["name"]: index["name"] for index in run["artists"]["indexes"] for a in index["artists"]
    }
    assert letters["Chloé Durand"] == "C" and letters["The Quiet Engines"] == "Q"
    nina = next(a for a in artists if a["name"] == "Nina Vale")
    assert run["artist"]["id"] == nina["id"] and run["artist"]["albumCount"] == 1
    [listed_album] = run["artist"]["albums"]
    assert (listed_album["name"], listed_album["artistId"]) == ("Harbour Lights", nina["id"])
    album = run["album"]
    assert (album["id"], album["name"], album["artist"]) == (
        listed_album["id"],
        "Harbour Lights",
        "Nina Vale",
    )
    assert (album["artistId"], album["year"], album["songCount"]) == (nina["id"], 2021, 2)
    assert [(s["track"], s["title"]) for s in album["songs"]] == [
        (1, "Harbour Lights"),
        (2, "Low Tide"),
    ]
    assert album["duration"] == sum(s["duration"] for s in album["songs"]) == 16
    song = run["song"]
    low_tide = next(s for s in album["songs"] if s["title"] == "Low Tide")
    assert song["id"] == low_tide["id"]
    assert (song["albumId"], song["artistId"], song["album"]) == (
        album["id"],
        nina["id"],
        "Harbour Lights",
    )
    assert (song["suffix"], song["contentType"], song["duration"], song["genre"]) == (
        "flac",
        "audio/flac",
        8,
        "Folk",
    )
    assert song["coverArt"] and album["coverArt"]
    genres = {g["value"]: (g["songCount"], g["albumCount"]) for g in run["genres"]}
    assert genres == {"Folk": (2, 1), "Electronic": (1, 1), "Chanson": (1, 1)}


def test_folders(run: dict[str, Any]) -> None:
    assert sorted(run["indexes"]) == ["Chloé Durand", "Nina Vale", "The Quiet Engines"]
    directory = run["directory"]
    assert (directory["id"], directory["name"]) == (run["song"]["parent"], "Harbour Lights")
    assert [(c["title"], c["isDir"]) for c in directory["children"]] == [
        ("Harbour Lights", False),
        ("Low Tide", False),
    ]
    assert run["song"]["id"] in {c["id"] for c in directory["children"]}


def test_rating_and_bookmark(run: dict[str, Any]) -> None:
    assert (run["ratingAfterSet"], run["ratingAfterClear"]) == (4, None)
    assert run["bookmarks"] == [
        {
            "position": 4321,
            "comment": "pick up here",
            "username": "alice",
            "entry": run["song"]["id"],
        }
    ]
    assert run["bookmarksAfterDelete"] == 0


def test_search_lists_and_random(run: dict[str, Any]) -> None:
    search = run["search"]
    assert [s["title"] for s in search["plain"]["songs"]] == ["Signal One"]
    assert search["plain"]["albums"] == ["Signals"]
    # Accent-free queries find the accented names.
    assert search["folded"]["artists"] == ["Chloé Durand"]
    assert [s["title"] for s in search["foldedSong"]["songs"]] == ["Rêverie"]
    assert set(run["songIds"]) == {"Harbour Lights", "Low Tide", "Signal One", "Rêverie"}
    random_songs = run["randomSongs"]
    assert sorted(s["id"] for s in random_songs) == sorted(run["songIds"].values())
    # Sorted by the folded name: "Été" files as "Ete", before "Harbour".
    assert [(a["name"], a["songCount"]) for a in run["albumList2"]] == [
        ("Été Indien", 1),
        ("Harbour Lights", 2),
        ("Signals", 1),
    ]


def test_stars_appear_then_go(run: dict[str, Any]) -> None:
    low_tide, album, artist = run["song"]["id"], run["album"]["id"], run["artist"]["id"]
    starred = run["starredAfterStar"]
    assert [s["id"] for s in starred["songs"]] == [low_tide]
    assert starred["songs"][0]["starred"]  # a date, read by the library's date reviver
    assert (starred["albums"], starred["artists"]) == ([album], [artist])
    assert run["songAfterStar"]["starred"]
    assert run["starredAfterUnstar"] == {"songs": [], "albums": [], "artists": []}


def test_scrobbles(run: dict[str, Any]) -> None:
    signal_one = run["songIds"]["Signal One"]
    playing = {entry["id"]: entry for entry in run["nowPlaying"]}
    assert playing[signal_one]["username"] == "alice"
    assert playing[signal_one]["title"] == "Signal One"
    # "Now playing" is no play; the submission is exactly one.
    assert run["playCountAfterNowPlaying"] == run["playCountBefore"]
    assert run["playCountAfterScrobble"] == run["playCountBefore"] + 1


def test_playlist(run: dict[str, Any]) -> None:
    ids = run["songIds"]
    expected = [ids["Harbour Lights"], ids["Low Tide"], ids["Signal One"]]
    name = f"subsonic-api mix ({run['auth']})"
    created = run["createdPlaylist"]
    assert (created["name"], created["songCount"], created["owner"]) == (name, 3, "alice")
    playlist = run["playlist"]
    assert playlist["id"] == created["id"] and playlist["entries"] == expected
    assert (playlist["songCount"], playlist["duration"], playlist["public"]) == (3, 22, False)
    assert name in run["playlistsListed"]
    updated = run["updatedPlaylist"]
    assert updated["entries"] == [ids["Low Tide"], ids["Signal One"], ids["Rêverie"]]
    assert (updated["comment"], updated["songCount"], updated["duration"]) == (
        "via subsonic-api",
        3,
        19,
    )
    assert run["deletedPlaylistCode"] == 70  # data not found


def test_play_queue(run: dict[str, Any]) -> None:
    ids = run["songIds"]
    queue = run["playQueue"]
    assert queue["entries"] == [ids["Low Tide"], ids["Signal One"]]
    assert (queue["current"], queue["position"]) == (ids["Signal One"], 12345)
    assert (queue["username"], queue["changedBy"]) == ("alice", "subsonic-api")
    assert run["clearedPlayQueue"] == []


def test_lyrics(run: dict[str, Any]) -> None:
    [lyrics] = run["lyrics"]
    assert lyrics["synced"] is True
    assert (lyrics["displayArtist"], lyrics["displayTitle"]) == ("The Quiet Engines", "Signal One")
    assert lyrics["lines"] == [
        {"start": 0, "value": "first line"},
        {"start": 2000, "value": "second line"},
    ]


def test_bytes(run: dict[str, Any], live_server: LiveServer) -> None:
    art = run["coverArt"]
    assert art["contentType"] in ("image/png", "image/jpeg") and art["size"] > 0
    magic = {"image/png": "89504e47", "image/jpeg": "ffd8ff"}[art["contentType"]]
    assert art["head"].startswith(magic)

    mp3 = run["streamMp3"]
    assert mp3["contentType"] == "audio/mpeg" and mp3["size"] > 10_000
    assert mp3["head"].startswith("494433") or mp3["head"].startswith("fff")  # ID3 or a frame

    flac = (live_server.music_dir / "Nina Vale/Harbour Lights/02 Low Tide.flac").read_bytes()
    raw = run["streamFlacRaw"]
    assert (raw["contentType"], raw["head"][:8]) == ("audio/flac", "664c6143")  # fLaC
    assert (raw["size"], raw["sha256"]) == (len(flac), hashlib.sha256(flac).hexdigest())

    converted = run["streamFlacAsMp3"]
    assert converted["contentType"] == "audio/mpeg"
    assert converted["head"].startswith("494433") or converted["head"].startswith("fff")
    # maxBitRate=128 held as a ceiling: 8 s at 128 kbit/s is 128 kB, plus tags and framing.
    assert 64_000 < converted["size"] < 128_000 * 1.1

    # From 4 s in (OpenSubsonic transcodeOffset): about half of the whole transcode.
    offset = run["streamFromOffset"]
    assert offset["contentType"] == "audio/mpeg"
    assert 0.3 * converted["size"] < offset["size"] < 0.7 * converted["size"]

    download = run["download"]
    assert (download["size"], download["sha256"]) == (len(flac), hashlib.sha256(flac).hexdigest())
    assert download["contentType"] == "audio/flac"
    assert "Low Tide" in (download["contentDisposition"] or "")
    assert int(download["contentLength"]) == len(flac)


def test_every_answer_checked_and_no_server_errors(
    run: dict[str, Any], proxy: CheckingProxy, live_server: LiveServer
) -> None:
    assert {"getArtists", "getAlbum", "search3", "getPlayQueue", "stream"} <= set(proxy.checked)
    assert proxy.faults == [], "\n\n".join(proxy.faults)
    errors = [
        line
        for line in live_server.log_path.read_text(errors="replace").splitlines()
        if re.search(r'"level": ?"(error|critical)"|\bERROR\b|\bCRITICAL\b|Traceback', line)
    ]
    assert errors == []
