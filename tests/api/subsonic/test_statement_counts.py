"""How many SQL statements the hot Subsonic calls send (issue 18, target 3).

Counts are deterministic where timings are not: each test pins a call's count, so a change
that adds a query to one of these paths fails here (the message lists the statements).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.api.subsonic.client import Auth, SubsonicClient
from tests.ingest.audio_factory import make_audio_file
from tests.statements import count_statements
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio


def cover_jpeg(size_px: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size_px, size_px), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
async def library(services: Runtime, tmp_path: Path, alice: User) -> dict[str, Any]:
    """Two albums of scanned MP3s with cover art; the first song, album and cover ids."""
    music = tmp_path / "music"
    album = {"artists": ["Nina Vale"], "album": "Harbour Lights", "year": 2021}
    for number, title in enumerate(["Harbour Lights", "Low Tide", "Signal Fire"], 1):
        make_audio_file(
            music,
            "mp3",
            seconds=1,
            frequency_hz=300 + 110 * number,
            name=f"Nina Vale/Harbour Lights/0{number} {title}.mp3",
            tags=album | {"title": title, "track_number": number},
            picture=cover_jpeg(300),
        )
    make_audio_file(
        music,
        "mp3",
        seconds=1,
        frequency_hz=990,
        name="Zed/Plain/01 Tide Song.mp3",
        tags={"artists": ["Zed"], "album": "Plain", "title": "Tide Song"},
    )
    await services.domains.ingest.scan([music])
    await services.domains.ingest.enrich()
    return {}


async def sent_by(
    services: Runtime, subsonic: SubsonicClient, method: str, params: dict[str, Any], auth: Auth
) -> list[str]:
    """The statements of one call, made after the same call once (so that what fills on
    first use, such as the signed-in account, is filled)."""
    for _ in range(2):
        with count_statements(services.database) as sent:
            if method in ("getCoverArt", "stream"):
                answer = await subsonic.request(method, params, auth=auth)
                assert answer.status_code == 200, answer.text
                assert answer.headers["content-type"].startswith(("image/", "audio/"))
            else:
                await subsonic.call(method, params, auth=auth)
    return sent.statements


def described(statements: list[str]) -> str:
    return "\n".join(f"{n}. {' '.join(sql.split())[:200]}" for n, sql in enumerate(statements, 1))


# What each hot call sends on SQLite, signed in as an app does (the account is then cached).
# search3: song search's first pass (one statement: the count, the ranked page and the
# vocabulary under the words' typo keys), the songs with the viewer's marks, then artists
# and albums side by side in one statement (matched with the same typo variants).
EXPECTED = {
    "ping": 0,
    "getSong": 1,
    "search3 title": 3,  # song search (with the typo variants), songs, artists+albums
    "search3 artist": 3,
    "search3 nothing": 2,  # no song matched: none read
    "getAlbum": 4,  # the album, its song ids, the songs, its songs' tags
    "getCoverArt": 2,  # the item's cover song, then the song with its renditions
    # star/unstar of a song (a like): the item's kind, then one write on SQLite's writer
    # thread: BEGIN IMMEDIATE, the song, the like event, the star row.
    "star": 5,
    "unstar": 5,
    "createPlaylist": 7,  # the songs checked, BEGIN, 2 inserts, the entries read back with
    # their artists in that transaction, the songs with the viewer's marks
    "getPlaylist": 4,
}


def calls(song: dict[str, Any], playlist_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "ping": ("ping", {}),
        "getSong": ("getSong", {"id": song["id"]}),
        "search3 title": ("search3", {"query": "tide"}),
        "search3 artist": ("search3", {"query": "nina"}),
        "search3 nothing": ("search3", {"query": "zzzz"}),
        "getAlbum": ("getAlbum", {"id": song["albumId"]}),
        "getCoverArt": ("getCoverArt", {"id": song["coverArt"], "size": 300}),
        "star": ("star", {"id": song["id"]}),
        "unstar": ("unstar", {"id": song["id"]}),
        "createPlaylist": ("createPlaylist", {"name": "road trip", "songId": [song["id"]]}),
        "getPlaylist": ("getPlaylist", {"id": playlist_id}),
    }


@pytest.mark.parametrize("auth", ["enc", "token"])
async def test_hot_calls_send_the_expected_statements(
    services: Runtime, subsonic: SubsonicClient, library: Any, auth: Auth
) -> None:
    # Time stands still for the account cache: a slow machine must not see it expire.
    services.domains.subsonic_auth.monotonic = lambda: 1000.0
    found = await subsonic.call("search3", {"query": "", "songCount": 10})
    song = next(s for s in found["searchResult3"]["song"] if s["title"] == "Low Tide")
    created = await subsonic.call("createPlaylist", {"name": "mix", "songId": [song["id"]]})
    counts = {}
    report = []
    for name, (method, params) in calls(song, created["playlist"]["id"]).items():
        statements = await sent_by(services, subsonic, method, params, auth)
        counts[name] = len(statements)
        report.append(f"== {name}: {len(statements)}\n{described(statements)}")
    assert counts == EXPECTED, "\n".join(report)


async def compiled_by(
    services: Runtime,
    subsonic: SubsonicClient,
    method: str,
    first: dict[str, Any],
    second: dict[str, Any],
) -> list[tuple[str, str]]:
    """(how SQLAlchemy compiled it, statement) for each statement of the call with `second`,
    made after the call with `first` (other values, same shape)."""
    await subsonic.call(method, first)
    with count_statements(services.database) as sent:
        await subsonic.call(method, second)
    return list(zip(sent.compiled, sent.statements, strict=True))


async def test_hot_calls_reuse_their_compiled_statements(
    services: Runtime, subsonic: SubsonicClient, library: Any
) -> None:
    """A hot call made again with other values compiles nothing: no literal values or
    IN lists of a varying length in its statements (SQLAlchemy's compiled cache)."""
    services.domains.subsonic_auth.monotonic = lambda: 1000.0
    found = await subsonic.call("search3", {"query": "", "songCount": 10})
    low, signal = (
        next(s for s in found["searchResult3"]["song"] if s["title"] == title)
        for title in ("Low Tide", "Signal Fire")
    )
    pairs = {
        "getSong": ({"id": low["id"]}, {"id": signal["id"]}),
        "search3": ({"query": "tide"}, {"query": "fire"}),
        "search2": ({"query": "nina"}, {"query": "harbour"}),
        "getAlbum": ({"id": low["albumId"]}, {"id": low["albumId"]}),
        "scrobble": ({"id": low["id"]}, {"id": signal["id"]}),
    }
    report, compiled = [], set()
    for method, (first, second) in pairs.items():
        sent = await compiled_by(services, subsonic, method, first, second)
        report.append(f"== {method}\n" + described([f"[{c}] {sql}" for c, sql in sent]))
        compiled |= {c for c, sql in sent if not sql.startswith("BEGIN")}
    assert compiled <= {"hit", "raw"}, "\n".join(report)
