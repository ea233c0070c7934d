"""Accented names over Subsonic: artist and album search folds accents with prefixes and
typos as song search does (issue 16 item 12); index letters and every sorted list fold them
too, without leading articles (item 13). Each call is made in JSON and XML, both checked
against the schemas by the client."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio

NS = {"s": "http://subsonic.org/restapi"}

# (title, artist, album)
LIBRARY = [
    ("Vetrarljós", "Sólveig Ólafsdóttir", "Hafið"),
    ("Norðurljós", "Sólveig Ólafsdóttir", "Hafið"),
    ("Étoile du Nord", "Élodie Marchand", "Été à Montréal"),
    ("Largo", "Antonín Dvořák", "Dvořák: Symphony No. 9"),
    ("Static Bloom", "Zoë Quinn", "Waveforms"),
    ("Fjord", "Øystein Berg", "Østlandet"),
    ("Tidal", "The Quiet Engines", "Signals"),
    ("Abacus", "Aarón Vidal", "Ábaco"),
]


async def add_library(services: Runtime) -> None:
    for n, (title, artist, album) in enumerate(LIBRARY):
        await add_song(
            services,
            title=title,
            artists=(artist,),
            album=album,
            album_artist=artist,
            track_number=n + 1,
        )


async def search(subsonic: SubsonicClient, query: str, fmt: str) -> dict[str, list[str]]:
    """The artist names, album names and song titles search3 answers `query` with."""
    params = {"query": query}
    if fmt == "json":
        found = (await subsonic.call("search3", params))["searchResult3"]
        return {
            "artist": [a["name"] for a in found.get("artist", [])],
            "album": [a["name"] for a in found.get("album", [])],
            "song": [s["title"] for s in found.get("song", [])],
        }
    response = await subsonic.request("search3", params, fmt="xml")
    root = etree.fromstring(response.content)
    return {
        kind: [e.get("title" if kind == "song" else "name") for e in root.iterfind(path, NS)]
        for kind, path in (
            ("artist", "s:searchResult3/s:artist"),
            ("album", "s:searchResult3/s:album"),
            ("song", "s:searchResult3/s:song"),
        )
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_search3_finds_accented_artists_and_albums(
    subsonic: SubsonicClient, services: Runtime, fmt: str
) -> None:
    await add_library(services)
    for query in ("solveig", "Sólveig Ólafsdóttir", "SOLVEIG OLAFSDOTTIR", "olafsd", "sólv"):
        found = await search(subsonic, query, fmt)
        assert found["artist"] == ["Sólveig Ólafsdóttir"], (query, found)
    assert sorted((await search(subsonic, "solveig", fmt))["song"]) == ["Norðurljós", "Vetrarljós"]
    for query, album in (
        ("hafid", "Hafið"),
        ("montreal", "Été à Montréal"),
        ("ete", "Été à Montréal"),
        ("dvorak", "Dvořák: Symphony No. 9"),
        ("dvorak symph", "Dvořák: Symphony No. 9"),
        ("ostlandet", "Østlandet"),
        ("abaco", "Ábaco"),
    ):
        assert (await search(subsonic, query, fmt))["album"] == [album], query
    assert (await search(subsonic, "elodie", fmt))["artist"] == ["Élodie Marchand"]
    assert (await search(subsonic, "zoe", fmt))["artist"] == ["Zoë Quinn"]
    # A typo is forgiven when nothing matches without one, as for songs.
    assert (await search(subsonic, "olafsdotir", fmt))["artist"] == ["Sólveig Ólafsdóttir"]
    assert (await search(subsonic, "montrael", fmt))["album"] == ["Été à Montréal"]
    # Every word must match: an artist's word and an album's word find neither.
    found = await search(subsonic, "solveig montreal", fmt)
    assert found["artist"] == [] and found["album"] == []


async def test_search3_ranks_the_whole_name_first(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    for artist in ("Berg Ensemble", "Berg", "Alban Berg Quartet"):
        await add_song(services, title=f"By {artist}", artists=(artist,), album=None)
    found = (await subsonic.call("search3", {"query": "berg"}))["searchResult3"]
    assert [a["name"] for a in found["artist"]] == [
        "Berg",  # the whole name
        "Alban Berg Quartet",  # then by sort key
        "Berg Ensemble",
    ]
    paged = await subsonic.call("search3", {"query": "berg", "artistOffset": 1, "artistCount": 1})
    assert [a["name"] for a in paged["searchResult3"]["artist"]] == ["Alban Berg Quartet"]


def letters_of(index: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {i["name"]: [a["name"] for a in i["artist"]] for i in index}


async def test_artists_are_indexed_by_their_folded_first_letter(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_library(services)
    await add_song(services, title="Kalinka", artists=("Ансамбль",), album=None)
    await add_song(services, title="Number", artists=("10 Years",), album=None)
    await add_song(services, title="Scenario", artists=("A Tribe Called Quest",), album=None)
    artists = (await subsonic.call("getArtists"))["artists"]
    assert set(artists["ignoredArticles"].split()) >= {"The", "A", "An"}
    assert letters_of(artists["index"]) == {
        "#": ["10 Years"],
        "A": ["Aarón Vidal", "Antonín Dvořák"],
        "E": ["Élodie Marchand"],
        "O": ["Øystein Berg"],
        "Q": ["The Quiet Engines"],
        "S": ["Sólveig Ólafsdóttir"],
        "T": ["A Tribe Called Quest"],
        "Z": ["Zoë Quinn"],
        "А": ["Ансамбль"],  # Cyrillic: its own letter, after Z
    }
    assert [i["name"] for i in artists["index"]] == ["#", "A", "E", "O", "Q", "S", "T", "Z", "А"]
    xml = etree.fromstring((await subsonic.request("getArtists", fmt="xml")).content)
    names = [i.get("name") for i in xml.iterfind("s:artists/s:index", NS)]
    assert names == ["#", "A", "E", "O", "Q", "S", "T", "Z", "А"]


async def test_imported_artists_fold_into_the_folder_index(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_library(services)
    indexes = (await subsonic.call("getIndexes"))["indexes"]
    letters = letters_of(indexes["index"])
    assert letters["E"] == ["Élodie Marchand"]
    assert letters["O"] == ["Øystein Berg"]
    assert letters["S"] == ["Sólveig Ólafsdóttir"]
    assert "É" not in letters and "Ø" not in letters


async def test_album_lists_and_searches_sort_by_folded_names(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_library(services)
    expected = [
        "Ábaco",
        "Dvořák: Symphony No. 9",
        "Été à Montréal",
        "Hafið",
        "Østlandet",
        "Signals",
        "Waveforms",
    ]
    for method, key in (("getAlbumList2", "albumList2"), ("getAlbumList", "albumList")):
        document = await subsonic.call(method, {"type": "alphabeticalByName", "size": 50})
        albums = document[key]["album"]
        assert [a.get("name", a.get("title")) for a in albums] == expected, method
    by_artist = (await subsonic.call("getAlbumList2", {"type": "alphabeticalByArtist"}))[
        "albumList2"
    ]["album"]
    assert [a["artist"] for a in by_artist] == [
        "Aarón Vidal",
        "Antonín Dvořák",
        "Élodie Marchand",
        "Øystein Berg",
        "The Quiet Engines",
        "Sólveig Ólafsdóttir",
        "Zoë Quinn",
    ]
    everything = (await subsonic.call("search3", {"query": "", "albumCount": 50}))["searchResult3"]
    assert [a["name"] for a in everything["album"]] == expected
    assert [s["title"] for s in everything["song"]] == [
        "Abacus",
        "Étoile du Nord",
        "Fjord",
        "Largo",
        "Norðurljós",
        "Static Bloom",
        "Tidal",
        "Vetrarljós",
    ]
