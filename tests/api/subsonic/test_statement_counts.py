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

from tests.api.subsonic.client import SubsonicClient
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


async def counted(
    services: Runtime, subsonic: SubsonicClient, method: str, params: dict[str, Any], **options: Any
) -> tuple[Any, list[str]]:
    # One call first, untimed and uncounted: caches that fill on first use are full.
    with count_statements(services.database) as sent:
        if method == "getCoverArt":
            answer: Any = await subsonic.request(method, params, **options)
            assert answer.status_code == 200, answer.text
        else:
            answer = await subsonic.call(method, params, **options)
    return answer, sent.statements


async def test_print_counts(services: Runtime, subsonic: SubsonicClient, library: Any) -> None:
    songs = (await subsonic.call("search3", {"query": "", "songCount": 10}))["searchResult3"]["song"]
    song = next(s for s in songs if s["title"] == "Low Tide")
    calls = [
        ("ping", {}),
        ("ping", {}),
        ("search3", {"query": "tide"}),
        ("search3", {"query": "nina"}),
        ("search3", {"query": "zzzz"}),
        ("getSong", {"id": song["id"]}),
        ("getAlbum", {"id": song["albumId"]}),
        ("getCoverArt", {"id": song["coverArt"], "size": 300}),
        ("getCoverArt", {"id": f"al-{song['albumId']}", "size": 300}),
        ("star", {"id": song["id"]}),
        ("unstar", {"id": song["id"]}),
        ("createPlaylist", {"name": "x", "songId": [song["id"]]}),
        ("getPlaylists", {}),
    ]
    for auth in ("enc", "token"):
        for method, params in calls:
            _, statements = await counted(services, subsonic, method, params, auth=auth)
            print(f"\n== {auth} {method} {params}: {len(statements)}")
            for sql in statements:
                print("   ", " ".join(sql.split())[:300])
