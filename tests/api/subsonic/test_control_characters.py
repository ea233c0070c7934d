"""Control characters (U+0001 and the rest XML 1.0 forbids) never reach an XML answer.

Free text is refused where it enters (Subsonic code 10 naming the parameter, REST 400
invalid_input naming the field) except
the client name `c`, which every call sends and which is cleaned instead; and the XML writer
drops such characters from whatever is already stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from lxml import etree

from tests.api.accounts import PASSWORD, add_song, sign_in
from tests.api.subsonic.client import SubsonicClient
from tonearm.api.subsonic.render import to_xml
from tonearm.app import Runtime
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio

NS = "{http://subsonic.org/restapi}"
EVIL = "Evil\x01App"


def _parsed(response: httpx.Response) -> Any:
    """The answer's XML tree; fails the test when it is not well-formed."""
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


async def _everyone_can_read_now_playing(bob: SubsonicClient) -> None:
    root = _parsed(await bob.request("getNowPlaying", fmt="xml"))
    assert root.get("status") == "ok"


@pytest.fixture
async def bob(client: httpx.AsyncClient, services: Runtime) -> SubsonicClient:
    """Another user, who reads getNowPlaying."""
    await services.domains.users.add_user("bob", PASSWORD)
    return SubsonicClient(client, "bob", PASSWORD)


async def test_a_client_name_with_control_characters_is_cleaned_for_everyone(
    client: httpx.AsyncClient, services: Runtime, alice: User, bob: SubsonicClient
) -> None:
    song = await add_song(services, duration_ms=200_000)
    evil = SubsonicClient(client, "alice", PASSWORD, client_name=EVIL)
    await evil.call("scrobble", {"id": str(song), "submission": "false"})
    await evil.call("scrobble", {"id": str(song), "submission": "false"}, http_method="POST")
    root = _parsed(await bob.request("getNowPlaying", fmt="xml"))
    (entry,) = root.iter(f"{NS}entry")
    assert entry.get("playerName") == "EvilApp"
    # reportPlayback and the play queue's changedBy take the same cleaned name.
    report = {"mediaId": str(song), "mediaType": "song", "state": "playing", "positionMs": 1000}
    await evil.call("reportPlayback", report)
    await _everyone_can_read_now_playing(bob)
    await evil.call("savePlayQueue", {"id": str(song), "current": str(song), "position": 5})
    queue = _parsed(await evil.request("getPlayQueue", fmt="xml")).find(f"{NS}playQueue")
    assert queue.get("changedBy") == "EvilApp"
    only_controls = SubsonicClient(client, "alice", PASSWORD, client_name="\x01\x02")
    await only_controls.call("scrobble", {"id": str(song), "submission": "false"})
    await _everyone_can_read_now_playing(bob)


@pytest.mark.parametrize("http_method", ["GET", "POST"])
async def test_free_text_with_control_characters_is_refused_naming_the_parameter(
    subsonic: SubsonicClient, services: Runtime, bob: SubsonicClient, http_method: str
) -> None:
    song = str(await add_song(services, duration_ms=200_000))
    playlist = (await subsonic.call("createPlaylist", {"name": "Mix", "songId": song}))["playlist"]
    share = (await subsonic.call("createShare", {"id": song}))["shares"]["share"][0]
    refused = [
        ("createPlaylist", {"name": "Bad\x01Mix"}, "name"),
        ("updatePlaylist", {"playlistId": playlist["id"], "name": "Bad\x01"}, "name"),
        ("updatePlaylist", {"playlistId": playlist["id"], "comment": "a\x01b"}, "comment"),
        ("createShare", {"id": song, "description": "for\x01you"}, "description"),
        ("updateShare", {"id": share["id"], "description": "\x01"}, "description"),
        ("createBookmark", {"id": song, "position": 1, "comment": "here\x01"}, "comment"),
        ("search3", {"query": "a\x01"}, "query"),
        ("getUser", {"username": "alice\x01"}, "username"),
        ("getTopSongs", {"artist": "x\ufffe"}, "artist"),
    ]
    for method, params, name in refused:
        response = await subsonic.request(method, params, fmt="xml", http_method=http_method)
        error = _parsed(response).find(f"{NS}error")
        assert error is not None, (method, response.text)
        assert error.get("code") == "10" and name in error.get("message"), (method, response.text)
    # Nothing was stored: every list of the caller's things, and getNowPlaying, still parse.
    for method in ("getPlaylists", "getShares", "getBookmarks", "getPlayQueue"):
        assert _parsed(await subsonic.request(method, fmt="xml")).get("status") == "ok"
    await _everyone_can_read_now_playing(bob)
    # Tab and line breaks are fine in XML, so they are kept.
    await subsonic.call("updatePlaylist", {"playlistId": playlist["id"], "comment": "a\tb\nc"})
    shown = _parsed(await subsonic.request("getPlaylist", {"id": playlist["id"]}, fmt="xml"))
    assert shown.find(f"{NS}playlist").get("comment") == "a\tb\nc"


async def test_control_characters_already_stored_are_left_out_of_xml(
    subsonic: SubsonicClient, services: Runtime, alice: User, bob: SubsonicClient
) -> None:
    song = await add_song(services, title="Ti\x01tle", artists=("Art\x02ist",), duration_ms=9000)
    playlist = await services.domains.playlists.create_playlist(
        alice.id, "My\x01Mix", "c\x0bd", [song]
    )
    await services.domains.sharing.create_share(alice.id, [song], description="sh\x1fare")
    await services.domains.resume.save_bookmark(alice.id, song, 1000, "mark\x08")
    await services.domains.resume.save_play_queue(alice.id, [song], 0, 10, "Old\x01Client")
    await services.domains.annotations.scrobble(
        alice.id, "Old\x01Player", [song], [None], submission=False
    )
    calls: list[tuple[str, dict[str, str]]] = [
        ("getPlaylists", {}),
        ("getPlaylist", {"id": str(playlist.playlist.id)}),
        ("getShares", {}),
        ("getBookmarks", {}),
        ("getPlayQueue", {}),
        ("getSong", {"id": str(song)}),
    ]
    texts = []
    for method, params in calls:
        root = _parsed(await subsonic.request(method, params, fmt="xml"))
        assert root.get("status") == "ok", method
        texts.append(etree.tostring(root, encoding="unicode"))
    now_playing = _parsed(await bob.request("getNowPlaying", fmt="xml"))
    assert next(now_playing.iter(f"{NS}entry")).get("playerName") == "OldPlayer"
    joined = "".join(texts)
    for shown in ("MyMix", "cd", "share", "mark", "OldClient", "Title", "Artist"):
        assert shown in joined


async def test_rest_refuses_control_characters_in_stored_text(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    alice = await sign_in(client, services, "alice")
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    login = await client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
    song = str(await add_song(services))
    made = await client.post("/api/playlists", json={"name": "Mix"}, headers=alice.headers)
    playlist = f"/api/playlists/{made.json()['id']}"
    refused: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("POST", "/api/playlists", {"name": "Bad\x01"}, alice.headers),
        ("POST", "/api/playlists", {"name": "Mix", "comment": "\x01"}, alice.headers),
        ("PATCH", playlist, {"name": "x\x1f"}, alice.headers),
        ("POST", "/api/shares", {"kind": "song", "id": song, "description": "\x01"}, alice.headers),
        ("POST", "/api/admin/users", {"username": "e\x01ve", "password": "pw"}, admin),
        ("POST", "/api/user/api-keys", {"name": "phone\x01"}, alice.headers),
    ]
    for method, path, body, headers in refused:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 400, (path, body, response.text)  # invalid_input
        assert "control characters" in response.text, response.text


def test_xml_never_holds_a_character_xml_forbids() -> None:
    forbidden = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
    forbidden += "\ufffe\uffff\ud800\udfff"
    document = {
        "status": "ok",
        "attribute": {"name": f"a{forbidden}b", "when": datetime(2026, 1, 1, tzinfo=UTC)},
        "textual": {"value": f"c{forbidden}d"},
        "items": [{"title": f"e{forbidden}f", "value": f"g{forbidden}h"}, {"n": 1}],
        "scalars": [f"i{forbidden}j", UUID(int=1)],
        "nested": {"deeper": {"inner": [{"comment": f"k\t\n\r{forbidden}l"}]}},
    }
    root = etree.fromstring(to_xml(document))
    assert root.find(f"{NS}attribute").get("name") == "ab"
    assert root.find(f"{NS}textual").text == "cd"
    first = root.find(f"{NS}items")
    assert (first.get("title"), first.text) == ("ef", "gh")
    assert [s.text for s in root.findall(f"{NS}scalars")] == ["ij", str(UUID(int=1))]
    # Tab and line breaks are allowed in XML: kept (escaped in attributes).
    inner = root.find(f"{NS}nested/{NS}deeper/{NS}inner")
    assert inner.get("comment") == "k\t\n\rl"
