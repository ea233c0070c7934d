"""Subsonic and playlists read from playlist files in music folders: listed to every user as
public, owned by the admin, and refused (code 50) to any change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.api.accounts import PASSWORD, add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.adapters.db.playlist_files import SqlScannedPlaylistRepository
from tonearm.app import Runtime
from tonearm.playlists import Playlist
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def test_scanned_playlists_are_listed_to_all_and_refuse_changes(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    admin = await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    songs = [await add_song(services, title=f"Tide {n}", duration_ms=100_000) for n in (1, 2)]
    scanned = Playlist(uuid.uuid4(), admin.id, "From disk", None, False, NOW, NOW, 0, 0, True)
    await SqlScannedPlaylistRepository(services.database.sessions).add(
        scanned, songs[:1], "/srv/music/list.m3u8", 1
    )
    own = (await subsonic.call("createPlaylist", {"name": "Mine"}))["playlist"]

    for fmt in ("json", "xml"):  # both validated against the schemas by the client
        response = await subsonic.request("getPlaylists", fmt=fmt)
        assert response.status_code == 200 and b"failed" not in response.content
    listed = {p["name"]: p for p in (await subsonic.call("getPlaylists"))["playlists"]["playlist"]}
    assert (listed["From disk"]["owner"], listed["From disk"]["public"]) == ("root", True)
    assert (listed["Mine"]["owner"], listed["Mine"]["public"]) == ("alice", False)
    assert listed["Mine"]["id"] == own["id"]

    found = (await subsonic.call("getPlaylist", {"id": str(scanned.id)}))["playlist"]
    assert found["owner"] == "root"
    assert [entry["id"] for entry in found["entry"]] == [str(songs[0])]

    playlist_id = str(scanned.id)
    for method, params in [
        ("updatePlaylist", {"playlistId": playlist_id, "name": "x"}),
        ("updatePlaylist", {"playlistId": playlist_id, "songIdToAdd": str(songs[1])}),
        ("createPlaylist", {"playlistId": playlist_id, "songId": str(songs[1])}),
        ("deletePlaylist", {"id": playlist_id}),
    ]:
        error = await subsonic.fail(method, params)
        assert error["code"] == 50, error
        assert "playlist file" in error["message"]
    admin_client = SubsonicClient(subsonic.http, "root", PASSWORD)
    assert (await admin_client.fail("deletePlaylist", {"id": playlist_id}))["code"] == 50
    still = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert (still["name"], still["songCount"]) == ("From disk", 1)
