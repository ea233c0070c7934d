"""Subsonic playlists: the same playlists as the REST API, private to their owner."""

from __future__ import annotations

from uuid import UUID
from xml.etree import ElementTree

import httpx
import pytest

from tests.api.accounts import PASSWORD, add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.app import Runtime
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


async def _songs(services: Runtime, count: int = 3) -> list[UUID]:
    return [
        await add_song(
            services,
            title=f"Tide {n}",
            artists=("Nina Vale",),
            album="Harbour Lights",
            track_number=n,
            duration_ms=100_000 + n * 1000,
        )
        for n in range(1, count + 1)
    ]


async def test_playlists_made_over_subsonic_show_in_the_rest_api(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    songs = await _songs(services)
    made: list[str] = []
    for http_method in ("GET", "POST"):
        document = await subsonic.call(
            "createPlaylist",
            {"name": f"Evening {http_method}", "songId": [str(s) for s in songs]},
            http_method=http_method,
        )
        created = document["playlist"]
        assert created["name"] == f"Evening {http_method}"
        assert created["owner"] == "alice"
        assert created["songCount"] == 3
        assert created["duration"] == 101 + 102 + 103
        assert [entry["id"] for entry in created["entry"]] == [str(s) for s in songs]
        assert created["created"] and created["changed"]
        made.append(created["id"])

    rest = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {rest.json()['access_token']}"}
    listed = (await client.get("/api/playlists", headers=headers)).json()
    assert sorted(p["id"] for p in listed["playlists"]) == sorted(made)
    detail = (await client.get(f"/api/playlists/{made[0]}", headers=headers)).json()
    assert [e["song"]["id"] for e in detail["entries"]] == [str(s) for s in songs]


async def test_a_playlist_made_over_rest_shows_in_subsonic_xml_and_json(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    songs = await _songs(services, 2)
    rest = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {rest.json()['access_token']}"}
    made = await client.post(
        "/api/playlists",
        json={"name": "From the web", "comment": "mine", "song_ids": [str(s) for s in songs]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    playlist_id = made.json()["id"]

    listed = (await subsonic.call("getPlaylists"))["playlists"]["playlist"]
    assert [(p["id"], p["name"], p["comment"], p["songCount"]) for p in listed] == [
        (playlist_id, "From the web", "mine", 2)
    ]
    response = await subsonic.request("getPlaylist", {"id": playlist_id}, fmt="xml")
    root = ElementTree.fromstring(response.content)
    playlist = root.find(NS + "playlist")
    assert playlist is not None and playlist.attrib["name"] == "From the web"
    assert [e.attrib["id"] for e in playlist.findall(NS + "entry")] == [str(s) for s in songs]


async def test_update_playlist_renames_removes_by_index_then_appends(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, second, third = await _songs(services)
    created = await subsonic.call(
        "createPlaylist", {"name": "A", "songId": [str(first), str(second)]}
    )
    playlist_id = created["playlist"]["id"]
    response = await subsonic.request(
        "updatePlaylist",
        {
            "playlistId": playlist_id,
            "name": "B",
            "comment": "late",
            "public": "true",
            "songIndexToRemove": "0",
            "songIdToAdd": [str(third), str(first)],
        },
        fmt="xml",
        http_method="POST",
    )
    assert response.status_code == 200 and b'status="ok"' in response.content
    playlist = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert (playlist["name"], playlist["comment"], playlist["public"]) == ("B", "late", False)
    assert [e["id"] for e in playlist["entry"]] == [str(second), str(third), str(first)]
    # Again over GET in JSON: two indexes at once, counted before either goes.
    await subsonic.call(
        "updatePlaylist",
        {"playlistId": playlist_id, "songIndexToRemove": ["0", "2"]},
        http_method="GET",
    )
    playlist = (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"]
    assert [e["id"] for e in playlist["entry"]] == [str(third)]


async def test_create_playlist_with_an_id_replaces_its_songs(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, second, third = await _songs(services)
    playlist_id = (await subsonic.call("createPlaylist", {"name": "Q", "songId": [str(first)]}))[
        "playlist"
    ]["id"]
    replaced = await subsonic.call(
        "createPlaylist",
        {"playlistId": playlist_id, "songId": [str(third), str(second)]},
        http_method="POST",
    )
    assert replaced["playlist"]["id"] == playlist_id
    assert [e["id"] for e in replaced["playlist"]["entry"]] == [str(third), str(second)]
    assert len((await subsonic.call("getPlaylists"))["playlists"]["playlist"]) == 1


async def test_delete_playlist_removes_it(subsonic: SubsonicClient, services: Runtime) -> None:
    for http_method, fmt in (("GET", "json"), ("POST", "xml")):
        playlist_id = (await subsonic.call("createPlaylist", {"name": "Gone"}))["playlist"]["id"]
        response = await subsonic.request(
            "deletePlaylist", {"id": playlist_id}, fmt=fmt, http_method=http_method
        )
        assert response.status_code == 200 and b"failed" not in response.content
        assert (await subsonic.fail("getPlaylist", {"id": playlist_id}))["code"] == 70
    assert (await subsonic.call("getPlaylists"))["playlists"] in ({}, {"playlist": []})


async def test_another_user_can_neither_see_change_nor_delete_your_playlist(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    playlist_id = (await subsonic.call("createPlaylist", {"name": "Private"}))["playlist"]["id"]
    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    assert (await bob.fail("getPlaylist", {"id": playlist_id}))["code"] == 70
    assert (await bob.fail("updatePlaylist", {"playlistId": playlist_id, "name": "x"}))[
        "code"
    ] == 70
    assert (await bob.fail("deletePlaylist", {"id": playlist_id}))["code"] == 70
    assert (await bob.fail("getPlaylists", {"username": "alice"}))["code"] == 50
    assert (await bob.call("getPlaylists"))["playlists"] in ({}, {"playlist": []})
    assert (await subsonic.call("getPlaylist", {"id": playlist_id}))["playlist"][
        "name"
    ] == "Private"


async def test_an_admin_may_list_another_users_playlists(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    playlist_id = (await subsonic.call("createPlaylist", {"name": "Alice's"}))["playlist"]["id"]
    await services.domains.users.add_user("root", PASSWORD, role=Role.ADMIN)
    root = SubsonicClient(client, "root", PASSWORD)
    listed = (await root.call("getPlaylists", {"username": "alice"}))["playlists"]["playlist"]
    assert [(p["id"], p["owner"]) for p in listed] == [(playlist_id, "alice")]


async def test_bad_input_is_refused_with_the_right_codes(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    assert (await subsonic.fail("createPlaylist", {}))["code"] == 10
    assert (await subsonic.fail("createPlaylist", {"name": "x", "songId": "nope"}))["code"] == 70
    playlist_id = (await subsonic.call("createPlaylist", {"name": "One"}))["playlist"]["id"]
    failed = await subsonic.fail(
        "updatePlaylist", {"playlistId": playlist_id, "songIndexToRemove": "3"}
    )
    assert failed["code"] == 70
    failed = await subsonic.fail(
        "updatePlaylist", {"playlistId": playlist_id, "songIndexToRemove": "first"}
    )
    assert failed["code"] == 10 and "songIndexToRemove" in failed["message"]


async def test_playlist_responses_match_their_snapshots(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    songs = await _songs(services, 2)
    playlist = await services.domains.playlists.create_playlist(
        alice.id, "Snapshot", "pinned", songs
    )
    for fmt, form in (("json", format_json), ("xml", format_xml)):
        got = await subsonic.request("getPlaylist", {"id": str(playlist.playlist.id)}, fmt=fmt)
        body = got.json() if fmt == "json" else got.content
        assert_matches_snapshot(f"userdata_getPlaylist.{fmt}", normalize(form(body)))
        listed = await subsonic.request("getPlaylists", fmt=fmt)
        body = listed.json() if fmt == "json" else listed.content
        assert_matches_snapshot(f"userdata_getPlaylists.{fmt}", normalize(form(body)))
