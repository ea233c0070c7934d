"""py-sonic (a third-party client library, POST only) against a real server: playlists,
bookmarks, the play queue, shares and the info methods."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import libsonic
import pytest

from tests.api.subsonic.live import LiveServer


@pytest.fixture(scope="module")
def sonic(live_server: LiveServer) -> libsonic.Connection:
    url = urlsplit(live_server.url)
    return libsonic.Connection(
        f"{url.scheme}://{url.hostname}",
        live_server.username,
        live_server.password,
        port=url.port,
        appName="py-sonic-tests",
        apiVersion="1.16.1",
    )


@pytest.fixture(scope="module")
def songs(live_server: LiveServer) -> Iterator[dict[str, dict[str, Any]]]:
    """The live library's songs by title (read over the REST API)."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        login = http.post(
            "/api/auth/login",
            json={"username": live_server.username, "password": live_server.password},
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        items = http.get("/api/songs", params={"limit": 50}, headers=headers).json()["items"]
    yield {song["title"]: song for song in items}


def test_playlists_round_trip(sonic: libsonic.Connection, songs: dict[str, dict[str, Any]]) -> None:
    first, second = songs["Harbour Lights"]["id"], songs["Low Tide"]["id"]
    created = sonic.createPlaylist(name="py-sonic mix", songIds=[first, second])
    playlist_id = created["playlist"]["id"]
    listed = sonic.getPlaylists()["playlists"]["playlist"]
    assert playlist_id in [p["id"] for p in listed]
    sonic.updatePlaylist(
        playlist_id,
        name="renamed",
        comment="via py-sonic",
        songIdsToAdd=[songs["Signal One"]["id"]],
        songIndexesToRemove=[0],
    )
    playlist = sonic.getPlaylist(playlist_id)["playlist"]
    assert (playlist["name"], playlist["comment"]) == ("renamed", "via py-sonic")
    assert [e["title"] for e in playlist["entry"]] == ["Low Tide", "Signal One"]
    sonic.deletePlaylist(playlist_id)
    with pytest.raises(libsonic.errors.DataNotFoundError):
        sonic.getPlaylist(playlist_id)


def test_bookmarks_round_trip(sonic: libsonic.Connection, songs: dict[str, dict[str, Any]]) -> None:
    song_id = songs["Low Tide"]["id"]
    sonic.createBookmark(song_id, 4_200, comment="halfway")
    bookmarks = sonic.getBookmarks()["bookmarks"]["bookmark"]
    mark = next(b for b in bookmarks if b["entry"]["id"] == song_id)
    assert (mark["position"], mark["comment"]) == (4_200, "halfway")
    sonic.deleteBookmark(song_id)
    assert song_id not in [
        b["entry"]["id"] for b in sonic.getBookmarks()["bookmarks"].get("bookmark", [])
    ]


def test_play_queue_round_trip(
    sonic: libsonic.Connection, songs: dict[str, dict[str, Any]]
) -> None:
    ids = [songs["Signal One"]["id"], songs["Harbour Lights"]["id"]]
    sonic.savePlayQueue(ids, current=ids[1], position=2_500)
    queue = sonic.getPlayQueue()["playQueue"]
    assert [e["id"] for e in queue["entry"]] == ids
    assert (queue["current"], queue["position"], queue["changedBy"]) == (
        ids[1],
        2_500,
        "py-sonic-tests",
    )


def test_shares_round_trip(
    sonic: libsonic.Connection, songs: dict[str, dict[str, Any]], live_server: LiveServer
) -> None:
    created = sonic.createShare([songs["Harbour Lights"]["id"]], description="py-sonic share")
    share = created["shares"]["share"][0]
    assert share["url"].startswith(live_server.url + "/share/")
    assert share["id"] in [s["id"] for s in sonic.getShares()["shares"]["share"]]
    page = httpx.get(share["url"], timeout=30)
    assert page.status_code == 200 and "Harbour Lights" in page.text
    sonic.deleteShare(share["id"])
    assert httpx.get(share["url"], timeout=30).status_code == 404


def test_artist_info_similar_songs_and_top_songs(
    sonic: libsonic.Connection, songs: dict[str, dict[str, Any]]
) -> None:
    nina = songs["Harbour Lights"]["artist_ids"][0]
    info = sonic.getArtistInfo2(nina)["artistInfo2"]
    # Nina Vale's album has a cover: its image URLs work without credentials.
    large = httpx.get(info["largeImageUrl"], timeout=30)
    assert large.status_code == 200 and large.headers["content-type"].startswith("image/")
    assert info.get("similarArtist", []) == []  # nobody else plays Folk here
    similar = sonic.getSimilarSongs2(songs["Harbour Lights"]["id"])["similarSongs2"]["song"]
    assert [s["title"] for s in similar] == ["Low Tide"]
    top = sonic.getTopSongs("Nina Vale")["topSongs"]["song"]
    assert sorted(s["title"] for s in top) == ["Harbour Lights", "Low Tide"]
