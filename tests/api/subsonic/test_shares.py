"""Subsonic shares and the public share page: plays without an account, and stops (page
and audio URL) once the share expires or is deleted."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID
from xml.etree import ElementTree

import anyio
import httpx
import pytest

from tests.api.accounts import PASSWORD, add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.live import LiveServer
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"
AUDIO_SRC = re.compile(r'<audio[^>]* src="([^"]+)"')
SLUG = re.compile(r"/share/([A-Za-z0-9_-]+)")


async def _album(services: Runtime) -> list[UUID]:
    return [
        await add_song(
            services,
            title=f"Shared {n}",
            artists=("Nina Vale",),
            album="Postcards",
            album_artist="Nina Vale",
            track_number=n,
        )
        for n in (1, 2)
    ]


def _in_ms(seconds: float) -> int:
    return int((time.time() + seconds) * 1000)


async def test_create_share_of_a_song_lists_it_with_a_public_url(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song, other = await _album(services)
    created = await subsonic.call(
        "createShare",
        {"id": str(song), "description": "for you", "expires": _in_ms(3600)},
        http_method="GET",
    )
    [share] = created["shares"]["share"]
    assert share["url"].startswith("http://tonearm.test/share/")
    slug = share["url"].rsplit("/", 1)[1]
    assert len(slug) >= 32
    assert (share["description"], share["username"], share["visitCount"]) == ("for you", "alice", 0)
    assert [e["id"] for e in share["entry"]] == [str(song)]
    assert share["expires"]
    listed = (await subsonic.call("getShares", http_method="GET"))["shares"]["share"]
    assert [s["id"] for s in listed] == [share["id"]]
    response = await subsonic.request(
        "createShare", {"id": str(other)}, fmt="xml", http_method="POST"
    )
    made = ElementTree.fromstring(response.content).find(f"{NS}shares/{NS}share")
    assert made is not None and "/share/" in made.attrib["url"]
    listed_xml = await subsonic.request("getShares", fmt="xml", http_method="POST")
    root = ElementTree.fromstring(listed_xml.content)
    assert len(root.findall(f"{NS}shares/{NS}share")) == 2


async def test_an_album_a_playlist_and_several_ids_share_their_songs_in_order(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    first, second = await _album(services)
    album_id = (await services.domains.catalog.song(first)).album_id
    playlist = await services.domains.playlists.create_playlist(
        alice.id, "Mix", song_ids=[second, first]
    )
    album_share = (await subsonic.call("createShare", {"id": str(album_id)}))["shares"]["share"][0]
    assert [e["id"] for e in album_share["entry"]] == [str(first), str(second)]
    playlist_share = await subsonic.call("createShare", {"id": str(playlist.playlist.id)})
    entries = playlist_share["shares"]["share"][0]["entry"]
    assert [e["id"] for e in entries] == [str(second), str(first)]
    both = await subsonic.call("createShare", {"id": [str(second), str(album_id)]})
    entries = both["shares"]["share"][0]["entry"]
    assert [e["id"] for e in entries] == [str(second), str(first), str(second)]


async def test_update_and_delete_share(subsonic: SubsonicClient, services: Runtime) -> None:
    song, _ = await _album(services)
    share_id = (await subsonic.call("createShare", {"id": str(song)}))["shares"]["share"][0]["id"]
    updated = await subsonic.request(
        "updateShare",
        {"id": share_id, "description": "renamed", "expires": _in_ms(60)},
        fmt="xml",
        http_method="GET",
    )
    assert updated.status_code == 200 and b"failed" not in updated.content
    [share] = (await subsonic.call("getShares"))["shares"]["share"]
    assert share["description"] == "renamed" and share["expires"]
    await subsonic.call("updateShare", {"id": share_id, "expires": 0}, http_method="POST")
    [share] = (await subsonic.call("getShares"))["shares"]["share"]
    assert "expires" not in share
    deleted = await subsonic.request("deleteShare", {"id": share_id}, fmt="xml", http_method="POST")
    assert deleted.status_code == 200 and b"failed" not in deleted.content
    assert (await subsonic.call("getShares"))["shares"] in ({}, {"share": []})
    assert (await subsonic.fail("deleteShare", {"id": share_id}, http_method="GET"))["code"] == 70


async def test_another_user_neither_sees_changes_deletes_nor_reshares_yours(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient, alice: User
) -> None:
    song, _ = await _album(services)
    playlist = await services.domains.playlists.create_playlist(alice.id, "Mine", song_ids=[song])
    share_id = (await subsonic.call("createShare", {"id": str(song)}))["shares"]["share"][0]["id"]
    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    assert (await bob.call("getShares"))["shares"] in ({}, {"share": []})
    assert (await bob.fail("updateShare", {"id": share_id, "description": "x"}))["code"] == 70
    assert (await bob.fail("deleteShare", {"id": share_id}))["code"] == 70
    assert (await bob.fail("createShare", {"id": str(playlist.playlist.id)}))["code"] == 70
    assert len((await subsonic.call("getShares"))["shares"]["share"]) == 1


async def test_bad_shares_are_refused(subsonic: SubsonicClient, services: Runtime) -> None:
    song, _ = await _album(services)
    assert (await subsonic.fail("createShare", {}))["code"] == 10
    past = {"id": str(song), "expires": _in_ms(-60)}
    assert (await subsonic.fail("createShare", past))["code"] == 10
    unknown = {"id": "00000000-0000-4000-8000-000000000000"}
    assert (await subsonic.fail("createShare", unknown))["code"] == 70


async def test_the_page_opens_without_credentials_and_counts_visits(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    song, _ = await _album(services)
    share = await subsonic.call("createShare", {"id": str(song), "description": "<b>hi</b>"})
    url = share["shares"]["share"][0]["url"]
    page = await client.get(url.removeprefix("http://tonearm.test"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "&lt;b&gt;hi&lt;/b&gt;" in page.text and "<b>hi</b>" not in page.text
    assert "Shared 1" in page.text
    [src] = AUDIO_SRC.findall(page.text)
    assert f"/api/media/{song}/" in src
    [listed] = (await subsonic.call("getShares"))["shares"]["share"]
    assert listed["visitCount"] == 1 and listed["lastVisited"]


async def test_unknown_and_expired_pages_say_so(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    song, _ = await _album(services)
    assert (await client.get("/share/not-a-share-at-all")).status_code == 404
    share = (await subsonic.call("createShare", {"id": str(song)}))["shares"]["share"][0]
    await subsonic.call("updateShare", {"id": share["id"], "expires": _in_ms(-1)})
    expired = await client.get(share["url"].removeprefix("http://tonearm.test"))
    assert expired.status_code == 410 and "expired" in expired.text


async def test_share_responses_match_their_snapshots(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, _ = await _album(services)
    await subsonic.call("createShare", {"id": str(first), "description": "pinned"})
    replacements = [(SLUG, "/share/{slug}")]
    for fmt, form in (("json", format_json), ("xml", format_xml)):
        got = await subsonic.request("getShares", fmt=fmt)
        body = got.json() if fmt == "json" else got.content
        assert_matches_snapshot(f"userdata_getShares.{fmt}", normalize(form(body), replacements))


# --- over a real server: the link plays bytes, then stops ----------------------------------


@pytest.fixture
async def live(live_server: LiveServer) -> AsyncIterator[tuple[SubsonicClient, httpx.AsyncClient]]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield SubsonicClient(http, live_server.username, live_server.password), http


async def _live_song(http: httpx.AsyncClient, password: str) -> dict[str, Any]:
    login = await http.post("/api/auth/login", json={"username": "alice", "password": password})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    songs = (await http.get("/api/songs", params={"limit": 10}, headers=headers)).json()["items"]
    return next(song for song in songs if song["title"] == "Harbour Lights")


async def _open(anonymous: httpx.AsyncClient, url: str) -> tuple[httpx.Response, str | None]:
    page = await anonymous.get(url)
    sources = AUDIO_SRC.findall(page.text)
    return page, sources[0].replace("&amp;", "&") if sources else None


async def test_a_share_link_plays_without_an_account_until_it_expires(
    live: tuple[SubsonicClient, httpx.AsyncClient], live_server: LiveServer
) -> None:
    subsonic, http = live
    song = await _live_song(http, live_server.password)
    share = await subsonic.call("createShare", {"id": song["id"], "expires": _in_ms(3600)})
    url = share["shares"]["share"][0]["url"]
    assert url.startswith(live_server.url + "/share/")
    async with httpx.AsyncClient(timeout=30) as anonymous:
        page, audio = await _open(anonymous, url)
        assert page.status_code == 200 and audio is not None
        head = await anonymous.get(audio, headers={"Range": "bytes=0-1023"})
        assert head.status_code == 206 and len(head.content) == 1024
        assert head.headers["content-range"].startswith("bytes 0-1023/")
        whole = await anonymous.get(audio)
        assert whole.status_code == 200 and whole.content[:1024] == head.content

        share_id = share["shares"]["share"][0]["id"]
        await subsonic.call("updateShare", {"id": share_id, "expires": _in_ms(-1)})
        assert (await anonymous.get(url)).status_code == 410
        refused = await anonymous.get(audio, headers={"Range": "bytes=0-1023"})
        assert refused.status_code == 401


async def test_a_share_that_runs_out_on_its_own_stops_playing(
    live: tuple[SubsonicClient, httpx.AsyncClient], live_server: LiveServer
) -> None:
    subsonic, http = live
    song = await _live_song(http, live_server.password)
    expires_ms = _in_ms(2)
    share = await subsonic.call("createShare", {"id": song["id"], "expires": expires_ms})
    url = share["shares"]["share"][0]["url"]
    async with httpx.AsyncClient(timeout=30) as anonymous:
        page, audio = await _open(anonymous, url)
        assert page.status_code == 200 and audio is not None
        assert (await anonymous.get(audio, headers={"Range": "bytes=0-99"})).status_code == 206
        # Wait out the expiry (whole seconds in the token, so one more to be sure).
        await anyio.sleep(max(0.0, expires_ms / 1000 - time.time()) + 1.1)
        assert (await anonymous.get(url)).status_code == 410
        assert (await anonymous.get(audio, headers={"Range": "bytes=0-99"})).status_code == 401


async def test_deleting_a_share_stops_its_page_and_audio(
    live: tuple[SubsonicClient, httpx.AsyncClient], live_server: LiveServer
) -> None:
    subsonic, http = live
    song = await _live_song(http, live_server.password)
    share = (await subsonic.call("createShare", {"id": song["id"]}))["shares"]["share"][0]
    async with httpx.AsyncClient(timeout=30) as anonymous:
        page, audio = await _open(anonymous, share["url"])
        assert page.status_code == 200 and audio is not None
        assert (await anonymous.get(audio, headers={"Range": "bytes=0-99"})).status_code == 206
        await subsonic.call("deleteShare", {"id": share["id"]}, http_method="POST")
        assert (await anonymous.get(share["url"])).status_code == 404
        assert (await anonymous.get(audio, headers={"Range": "bytes=0-99"})).status_code == 401
