"""The owner's read-only "Mashups" playlist over Subsonic: listed and read (XML and JSON,
validated by the test client) only while they have mashups, entries `mx-…` streamed and
downloaded with Range and HEAD, refused changes (code 50), and nothing for anyone else
(code 70)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import httpx
import pytest

from tests.analysis.stored_mashups import FAKE_MP3, store_mashup
from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


async def test_the_owner_lists_reads_and_streams_their_mashups(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    assert (await subsonic.call("getPlaylists"))["playlists"].get("playlist", []) == []
    playlist_id = str(services.domains.mashups.playlist_id(alice.id))
    assert (await subsonic.fail("getPlaylist", {"id": playlist_id}))["code"] == 70

    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    older = await store_mashup(services, alice.id, title="Older", created_at=when)
    newer = await store_mashup(
        services, alice.id, title="A – One × B – Two", created_at=when + timedelta(days=30)
    )
    (listed,) = (await subsonic.call("getPlaylists"))["playlists"]["playlist"]
    assert listed["id"] == playlist_id and listed["name"] == "Mashups"
    assert listed["readonly"] is True and listed["public"] is False
    assert listed["owner"] == "alice" and listed["songCount"] == 2 and listed["duration"] == 6

    playlist = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert [e["id"] for e in playlist["entry"]] == [f"mx-{newer.id}", f"mx-{older.id}"]
    entry = playlist["entry"][0]
    assert entry["title"] == "A – One × B – Two" and entry["album"] == "Mashups"
    assert entry["suffix"] == "mp3" and entry["size"] == len(FAKE_MP3)
    assert entry["comment"] == newer.why and entry["coverArt"] == f"mf-{newer.lead_song_id}"
    xml = await subsonic.request("getPlaylist", {"id": playlist_id}, fmt="xml")
    root = ElementTree.fromstring(xml.content).find(f"{NS}playlist")
    assert root is not None and root.attrib["readonly"] == "true"
    assert len(root.findall(f"{NS}entry")) == 2

    whole = await subsonic.request("stream", {"id": entry["id"]})
    assert whole.status_code == 200 and whole.content == FAKE_MP3
    assert whole.headers["content-type"] == "audio/mpeg"
    part = await subsonic.request("stream", {"id": entry["id"]}, headers={"Range": "bytes=3-12"})
    assert part.status_code == 206 and part.content == FAKE_MP3[3:13]
    head = await subsonic.request("stream", {"id": entry["id"]}, http_method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(FAKE_MP3))
    saved = await subsonic.request("download", {"id": entry["id"]})
    assert saved.content == FAKE_MP3 and "attachment" in saved.headers["content-disposition"]


async def test_it_cannot_be_changed_and_no_one_else_sees_it(
    client: httpx.AsyncClient, subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    mashup = await store_mashup(services, alice.id)
    playlist_id = str(services.domains.mashups.playlist_id(alice.id))
    for method, params in (
        ("updatePlaylist", {"playlistId": playlist_id, "name": "Mine now"}),
        ("deletePlaylist", {"id": playlist_id}),
        ("createPlaylist", {"playlistId": playlist_id, "songId": []}),
    ):
        error = await subsonic.fail(method, params)
        assert error["code"] == 50 and "cannot be changed" in error["message"], method
    assert (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]["songCount"] == 1

    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    assert (await bob.call("getPlaylists"))["playlists"].get("playlist", []) == []
    assert (await bob.fail("getPlaylist", {"id": playlist_id}))["code"] == 70
    for method in ("stream", "download"):
        assert (await bob.fail(method, {"id": f"mx-{mashup.id}"}))["code"] == 70
    # Bob's own changes to alice's playlist id meet "not found", as for any other id.
    assert (await bob.fail("deletePlaylist", {"id": playlist_id}))["code"] == 70
    assert (await subsonic.fail("stream", {"id": "mx-not-a-uuid"}))["code"] in (10, 70)
