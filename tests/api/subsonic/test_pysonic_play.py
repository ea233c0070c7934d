"""py-sonic (a third-party Subsonic client library, POST only) against a real `tonearm serve`:
stream, download, scrobble, getNowPlaying, star, unstar, setRating, getStarred2, getLyrics;
and raw HTTP Range reads over the real server rebuilding a scanned original (read in place
from the music folder) and a rendition byte for byte."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import libsonic
import pytest

from tests.api.subsonic.live import LiveServer

RANGE_STEP = 50_000


def _rest(live_server: LiveServer, path: str, **params: object) -> dict[str, Any]:
    login = httpx.post(
        f"{live_server.url}/api/auth/login",
        json={"username": live_server.username, "password": live_server.password},
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    response = httpx.get(f"{live_server.url}{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def songs(live_server: LiveServer) -> dict[str, str]:
    """Song ids by title, from the REST API."""
    return {
        song["title"]: song["id"] for song in _rest(live_server, "/api/songs", limit=50)["items"]
    }


@pytest.fixture(scope="module")
def connection(live_server: LiveServer) -> Iterator[libsonic.Connection]:
    yield libsonic.Connection(
        "http://127.0.0.1",
        live_server.username,
        live_server.password,
        port=live_server.port,
        appName="py-sonic-play",
        apiVersion="1.16.1",
    )


def _original(live_server: LiveServer, name: str) -> bytes:
    (path,) = Path(live_server.music_dir).rglob(name)
    return path.read_bytes()


def _by_ranges(live_server: LiveServer, method: str, params: dict[str, str], size: int) -> bytes:
    auth = {"u": live_server.username, "p": live_server.password, "v": "1.16.1", "c": "raw"}
    parts = []
    with httpx.Client(base_url=live_server.url) as http:
        for start in range(0, size, RANGE_STEP):
            end = min(start + RANGE_STEP, size) - 1
            response = http.get(
                f"/rest/{method}", params=auth | params, headers={"Range": f"bytes={start}-{end}"}
            )
            assert response.status_code == 206
            assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
            parts.append(response.content)
    return b"".join(parts)


def test_stream_and_download_send_the_whole_original(
    connection: libsonic.Connection, songs: dict[str, str], live_server: LiveServer
) -> None:
    original = _original(live_server, "02 Low Tide.flac")
    streamed = connection.stream(songs["Low Tide"])
    assert streamed.headers["Content-Type"] == "audio/flac"
    assert streamed.read() == original
    assert connection.download(songs["Low Tide"]).read() == original
    # Byte-exact Range reads of a file read in place from the music folder.
    rebuilt = _by_ranges(live_server, "download", {"id": songs["Low Tide"]}, len(original))
    assert rebuilt == original


def test_stream_picks_a_rendition_by_max_bit_rate_with_ranges(
    connection: libsonic.Connection, songs: dict[str, str], live_server: LiveServer
) -> None:
    song_id = songs["Harbour Lights"]
    medium = connection.stream(song_id, maxBitRate=128, tformat="mp3")
    assert medium.headers["Content-Type"] == "audio/mpeg"
    assert medium.headers["Accept-Ranges"] == "bytes"  # a stored file, not a transcode
    whole = medium.read()
    # A 128 kbps MP3's 128 kbps tier is the file itself (never a copy at its own bitrate).
    assert whole == _original(live_server, "01 Harbour Lights.mp3")
    params = {"id": song_id, "maxBitRate": "128", "format": "mp3"}
    assert _by_ranges(live_server, "stream", params, len(whole)) == whole
    # A transcode: no rendition of 96 kbps; the stream still plays through py-sonic.
    transcoded = connection.stream(song_id, maxBitRate=96, tformat="mp3")
    assert transcoded.headers["Accept-Ranges"] == "none"
    assert len(transcoded.read()) > 50_000


def test_scrobble_and_now_playing(
    connection: libsonic.Connection, songs: dict[str, str], live_server: LiveServer
) -> None:
    song_id = songs["Signal One"]
    connection.scrobble(song_id, submission=False)
    entries = connection.getNowPlaying()["nowPlaying"]["entry"]
    entries = entries if isinstance(entries, list) else [entries]
    assert [(e["id"], e["username"], e["playerName"]) for e in entries] == [
        (song_id, "alice", "py-sonic-play")
    ]
    # py-sonic sends listenTime (seconds) as milliseconds; a retry counts once.
    listened = int(time.time()) - 60
    for _ in range(2):
        assert connection.scrobble(song_id, submission=True, listenTime=listened)["status"] == "ok"
    assert _rest(live_server, f"/api/songs/{song_id}")["play_count"] == 1


def test_star_rate_and_list_starred(connection: libsonic.Connection, songs: dict[str, str]) -> None:
    first, second = songs["Harbour Lights"], songs["Low Tide"]
    connection.star(sids=[first, second])
    connection.setRating(first, 4)
    starred = connection.getStarred2()["starred2"]["song"]
    assert {song["id"] for song in starred} == {first, second}
    assert {song["id"]: song.get("userRating") for song in starred}[first] == 4
    connection.unstar(sids=[second])
    connection.setRating(first, 0)
    (remaining,) = connection.getStarred2()["starred2"]["song"]
    assert remaining["id"] == first and "userRating" not in remaining
    connection.unstar(sids=[first])


def test_get_lyrics(connection: libsonic.Connection) -> None:
    lyrics = connection.getLyrics(artist="The Quiet Engines", title="Signal One")["lyrics"]
    assert lyrics["title"] == "Signal One"
    assert lyrics["value"].splitlines() == ["first line", "second line"]
