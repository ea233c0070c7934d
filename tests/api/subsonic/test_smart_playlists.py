"""Subsonic and smart playlists: listed to their owner with OpenSubsonic's `readonly` and
`validUntil` (schema-checked in XML and JSON), refreshed on read once expired, and refused
(code 50) to any change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.adapters.db.tables import SmartPlaylistRow
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio
LIKED = {"rules": [{"field": "liked", "operator": "is_true"}], "sort": "title"}


async def test_smart_playlists_are_read_only_and_follow_their_rules(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    songs = [await add_song(services, title=f"Tide {n}", duration_ms=100_000) for n in (1, 2)]
    await subsonic.call("star", {"id": str(songs[0])})
    smart = services.domains.smart_playlists
    playlist_id = str(await smart.create(alice.id, "Liked", LIKED))

    for fmt in ("json", "xml"):  # both validated against the schemas by the client
        response = await subsonic.request("getPlaylists", fmt=fmt)
        assert response.status_code == 200 and b"failed" not in response.content
        response = await subsonic.request("getPlaylist", {"id": playlist_id}, fmt=fmt)
        assert response.status_code == 200 and b"failed" not in response.content
    listed = (await subsonic.call("getPlaylists"))["playlists"]["playlist"]
    assert [(p["name"], p["readonly"], p["public"]) for p in listed] == [("Liked", True, False)]
    valid_until = datetime.fromisoformat(listed[0]["validUntil"].replace("Z", "+00:00"))
    assert valid_until > datetime.now(UTC)
    found = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert [entry["id"] for entry in found["entry"]] == [str(songs[0])]

    # A like does not change the songs until the evaluation expires; a read then refreshes.
    await subsonic.call("star", {"id": str(songs[1])})
    found = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert found["songCount"] == 1
    async with services.database.sessions.begin() as session:
        await session.execute(
            update(SmartPlaylistRow).values(valid_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    found = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert [entry["id"] for entry in found["entry"]] == [str(s) for s in songs]

    for method, params in [
        ("updatePlaylist", {"playlistId": playlist_id, "name": "x"}),
        ("updatePlaylist", {"playlistId": playlist_id, "songIndexToRemove": "0"}),
        ("createPlaylist", {"playlistId": playlist_id, "songId": str(songs[1])}),
        ("deletePlaylist", {"id": playlist_id}),
    ]:
        error = await subsonic.fail(method, params)
        assert error["code"] == 50, error
        assert "smart playlist" in error["message"]
    still = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert (still["name"], still["songCount"]) == ("Liked", 2)
