"""Subsonic bookmarks: one position per user and song, private to the user."""

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

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


async def _song(services: Runtime, title: str = "Long Listen") -> UUID:
    return await add_song(
        services, title=title, artists=("Nina Vale",), album="Audiobook", duration_ms=600_000
    )


async def test_a_bookmark_is_created_read_back_and_replaced(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song = await _song(services)
    await subsonic.call(
        "createBookmark",
        {"id": str(song), "position": 61_500, "comment": "chapter 2"},
        http_method="GET",
    )
    bookmarks = (await subsonic.call("getBookmarks", http_method="GET"))["bookmarks"]
    [bookmark] = bookmarks["bookmark"]
    assert (bookmark["position"], bookmark["comment"], bookmark["username"]) == (
        61_500,
        "chapter 2",
        "alice",
    )
    assert bookmark["entry"]["id"] == str(song)
    assert bookmark["created"] and bookmark["changed"]

    await subsonic.call("createBookmark", {"id": str(song), "position": 90_000}, http_method="POST")
    [again] = (await subsonic.call("getBookmarks", http_method="POST"))["bookmarks"]["bookmark"]
    assert again["position"] == 90_000 and "comment" not in again
    assert again["created"] == bookmark["created"]


async def test_bookmarks_in_xml_carry_the_song_as_an_entry(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song = await _song(services)
    response = await subsonic.request(
        "createBookmark", {"id": str(song), "position": 1000}, fmt="xml", http_method="POST"
    )
    assert b'status="ok"' in response.content
    root = ElementTree.fromstring((await subsonic.request("getBookmarks", fmt="xml")).content)
    bookmark = root.find(f"{NS}bookmarks/{NS}bookmark")
    assert bookmark is not None and bookmark.attrib["position"] == "1000"
    entry = bookmark.find(NS + "entry")
    assert entry is not None and entry.attrib["id"] == str(song)


async def test_delete_bookmark_removes_it_and_a_second_delete_is_not_found(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song = await _song(services)
    for fmt, http_method in (("json", "GET"), ("xml", "POST")):
        await subsonic.call("createBookmark", {"id": str(song), "position": 5})
        response = await subsonic.request(
            "deleteBookmark", {"id": str(song)}, fmt=fmt, http_method=http_method
        )
        assert response.status_code == 200 and b"ok" in response.content
        assert (await subsonic.call("getBookmarks"))["bookmarks"] in ({}, {"bookmark": []})
        assert (await subsonic.fail("deleteBookmark", {"id": str(song)}))["code"] == 70


async def test_another_user_neither_sees_nor_deletes_your_bookmarks(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    song = await _song(services)
    await subsonic.call("createBookmark", {"id": str(song), "position": 42})
    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    assert (await bob.call("getBookmarks"))["bookmarks"] in ({}, {"bookmark": []})
    assert (await bob.fail("deleteBookmark", {"id": str(song)}))["code"] == 70
    [kept] = (await subsonic.call("getBookmarks"))["bookmarks"]["bookmark"]
    assert kept["position"] == 42


async def test_bad_bookmarks_are_refused(subsonic: SubsonicClient, services: Runtime) -> None:
    song = await _song(services)
    assert (await subsonic.fail("createBookmark", {"id": str(song)}))["code"] == 10
    assert (await subsonic.fail("createBookmark", {"id": str(song), "position": -1}))["code"] == 10
    unknown = {"id": "00000000-0000-4000-8000-000000000000", "position": 1}
    assert (await subsonic.fail("createBookmark", unknown))["code"] == 70


async def test_a_removed_song_drops_out_of_the_bookmarks(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    kept, removed = await _song(services, "Kept"), await _song(services, "Removed")
    for song in (kept, removed):
        await subsonic.call("createBookmark", {"id": str(song), "position": 7})
    await services.songs.tombstone(removed, services.clock())
    listed = (await subsonic.call("getBookmarks"))["bookmarks"]["bookmark"]
    assert [b["entry"]["id"] for b in listed] == [str(kept)]


async def test_bookmark_responses_match_their_snapshots(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song = await _song(services, "Snapshot Listen")
    await subsonic.call("createBookmark", {"id": str(song), "position": 123_456, "comment": "here"})
    for fmt, form in (("json", format_json), ("xml", format_xml)):
        got = await subsonic.request("getBookmarks", fmt=fmt)
        body = got.json() if fmt == "json" else got.content
        assert_matches_snapshot(f"userdata_getBookmarks.{fmt}", normalize(form(body)))
