"""search2 and search3: songs by the library's search, artists and albums by name, counts
and offsets, and the empty query that pages through the whole library (full-sync apps)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio

NS = {"s": "http://subsonic.org/restapi"}


async def add_small_library(services: Runtime) -> None:
    await add_song(
        services,
        title="Harbour Lights",
        artists=("Nina Vale",),
        album="Harbour Lights",
        album_artist="Nina Vale",
        genres=("Folk",),
        duration_ms=8_000,
    )
    await add_song(
        services,
        title="Low Tide",
        artists=("Nina Vale",),
        album="Harbour Lights",
        album_artist="Nina Vale",
        track_number=2,
        genres=("Folk",),
        duration_ms=8_000,
    )
    await add_song(
        services,
        title="Signal One",
        artists=("The Quiet Engines",),
        album="Signals",
        album_artist="The Quiet Engines",
        genres=("Electronic",),
        duration_ms=6_000,
    )


async def test_empty_query_pages_through_the_whole_library(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    for n in range(120):
        await add_song(
            services,
            title=f"Track {n:03d}",
            artists=(f"Band {n % 6}",),
            album=f"Record {n % 12}",
            album_artist=f"Band {n % 6}",
        )
    seen: Counter[str] = Counter()
    offset = 0
    for empty in ('""', "", '""', "", '""', ""):  # as apps send it: quoted, or nothing
        params = {
            "query": empty,
            "songCount": 50,
            "songOffset": offset,
            "artistCount": 0,
            "albumCount": 0,
        }
        result = (await subsonic.call("search3", params, http_method="POST"))["searchResult3"]
        assert not result.get("artist") and not result.get("album")
        page = [song["id"] for song in result.get("song", [])]
        if not page:
            break
        assert len(page) == 50 or offset + len(page) == 120
        seen.update(page)
        offset += len(page)
    assert len(seen) == 120 and set(seen.values()) == {1}
    artists = (await subsonic.call("search3", {"query": "", "artistCount": 4, "artistOffset": 4}))[
        "searchResult3"
    ]["artist"]
    assert [a["name"] for a in artists] == ["Band 4", "Band 5"]
    albums = (await subsonic.call("search3", {"query": "", "albumCount": 500, "songCount": 0}))[
        "searchResult3"
    ]["album"]
    assert len({album["id"] for album in albums}) == 12


async def test_search3_finds_songs_artists_and_albums(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_small_library(services)
    result = (await subsonic.call("search3", {"query": "harbour"}))["searchResult3"]
    # The title match first, then the song found by its album's name.
    assert [s["title"] for s in result["song"]] == ["Harbour Lights", "Low Tide"]
    assert [a["name"] for a in result["album"]] == ["Harbour Lights"]
    assert not result.get("artist")
    by_artist = (await subsonic.call("search3", {"query": "quiet eng"}))["searchResult3"]
    assert [a["name"] for a in by_artist["artist"]] == ["The Quiet Engines"]
    assert by_artist["artist"][0]["albumCount"] == 1
    assert [s["title"] for s in by_artist["song"]] == ["Signal One"]
    typo = (await subsonic.call("search3", {"query": "harbuor"}))["searchResult3"]
    assert [s["title"] for s in typo["song"]][:1] == ["Harbour Lights"]  # typos forgiven
    nina = (await subsonic.call("search3", {"query": "nina", "songCount": 1, "songOffset": 1}))[
        "searchResult3"
    ]
    assert len(nina["song"]) == 1 and [a["name"] for a in nina["artist"]] == ["Nina Vale"]
    none = (await subsonic.call("search3", {"query": "zzzz"}))["searchResult3"]
    assert not any(none.get(key) for key in ("artist", "album", "song"))


async def test_search2_answers_with_directories(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_small_library(services)
    result = (await subsonic.call("search2", {"query": "nina"}))["searchResult2"]
    assert [a["name"] for a in result["artist"]] == ["Nina Vale"]
    assert "albumCount" not in result["artist"][0]  # an Artist, not an ArtistID3
    album = (await subsonic.call("search2", {"query": "signals"}))["searchResult2"]["album"][0]
    assert album["isDir"] is True and album["title"] == "Signals"


@pytest.mark.parametrize("method", ["search2", "search3"])
async def test_search_over_get_and_post_in_both_formats(
    subsonic: SubsonicClient, services: Runtime, method: str
) -> None:
    await add_small_library(services)
    key = "searchResult2" if method == "search2" else "searchResult3"
    for http_method in ("GET", "POST"):
        document = await subsonic.call(method, {"query": "low"}, http_method=http_method)
        assert [s["title"] for s in document[key]["song"]] == ["Low Tide"]
        response = await subsonic.request(
            method, {"query": "low"}, fmt="xml", http_method=http_method
        )
        found = etree.fromstring(response.content).findall(f"s:{key}/s:song", NS)
        assert [s.get("title") for s in found] == ["Low Tide"]


async def test_search_counts_are_checked(subsonic: SubsonicClient, services: Runtime) -> None:
    await add_small_library(services)
    capped = await subsonic.call("search3", {"query": "", "songCount": 100_000})
    assert len(capped["searchResult3"]["song"]) == 3  # capped at 500, not refused
    error = await subsonic.fail("search3", {"query": "x", "songCount": "many"})
    assert error["code"] == 10 and "songCount" in error["message"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
async def test_search3_snapshot(subsonic: SubsonicClient, services: Runtime, fmt: str) -> None:
    await add_small_library(services)
    response = await subsonic.request("search3", {"query": "harbour"}, fmt=fmt)
    text = format_xml(response.content) if fmt == "xml" else format_json(response.json())
    # Imported songs' parent is their virtual album folder, whose id holds random UUIDs.
    text = re.sub(r"\bd[A-Za-z0-9_-]{40,}", "{imported-album-dir}", text)
    assert_matches_snapshot(f"browse_search3.{fmt}", normalize(text))
