"""Every Subsonic response type built from catalogue items with every field set, rendered as
XML and JSON and validated against the XSD (with the OpenSubsonic additions) and the
OpenSubsonic OpenAPI schemas: a field the API only sends when it is known (image URLs,
MusicBrainz ids, ReplayGain, ...) is checked here even though the tests' libraries lack it.

The items are filled from their dataclass fields' types, so a field added to CatalogSong,
AlbumSummary or ArtistSummary later is filled (and so validated) too."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from lxml import etree

from tests.api.subsonic.openapi import assert_valid_openapi_json
from tests.api.subsonic.validate import assert_valid_json, assert_valid_xml, schema_model
from tonearm.api.subsonic.info import info_text
from tonearm.api.subsonic.render import TEXT_ELEMENTS, Payload, envelope, to_json, to_xml
from tonearm.api.subsonic.responses import (
    IGNORED_ARTICLES,
    album_child,
    album_id3,
    artist_id3,
    directory_child,
    index_artist,
    indexed,
    song_child,
)
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong
from tonearm.library.folders import FolderEntry
from tonearm.listening.user_state import UserState

NS = "{http://subsonic.org/restapi}"
WHEN = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
STATE = UserState(starred_at=WHEN, rating=4, played_at=WHEN, play_count=9)


def _sample(hint: Any, name: str) -> Any:
    """A value of type `hint` that counts as set (not None, empty, zero or false)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _sample(next(arg for arg in typing.get_args(hint) if arg is not type(None)), name)
    if origin is typing.Literal:
        return typing.get_args(hint)[0]
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return (_sample(item, f"{name} one"), _sample(item, f"{name} two"))
    if hint is bool:
        return True
    if hint is int:
        return 3
    if hint is float:
        return 0.75
    if hint is str:
        return f"{name} text"
    if hint is UUID:
        return uuid4()
    if hint is datetime:
        return WHEN
    if dataclasses.is_dataclass(hint):
        return filled(typing.cast(type, hint))
    raise AssertionError(f"no sample value for {name}: {hint!r}; add one to _sample")


def filled(cls: type, **overrides: Any) -> Any:
    """An instance of dataclass `cls` with every field set (overrides where meaning matters)."""
    hints = typing.get_type_hints(cls)
    values = {
        field.name: overrides[field.name]
        if field.name in overrides
        else _sample(hints[field.name], field.name)
        for field in dataclasses.fields(cls)
    }
    item = cls(**values)
    unset = [name for name, value in values.items() if value in (None, "", (), 0, False)]
    assert not unset, f"{cls.__name__}: fill {unset}"
    return item


def _song() -> CatalogSong:
    return filled(  # type: ignore[no-any-return]
        CatalogSong,
        year=2021,
        track_number=2,
        disc_number=1,
        duration_ms=215_000,
        folder_path="Nina Vale/North",
        original_format="flac",
        original_path="Nina Vale/North/02 Seed.flac",
        original_size_bytes=21_500_000,
        renditions=("high", "medium"),
        replaygain_track_gain_db=-6.5,
        replaygain_album_gain_db=-5.25,
        bpm=121.6,
    )


def _album() -> AlbumSummary:
    return filled(  # type: ignore[no-any-return]
        AlbumSummary, year=2021, duration_ms=215_000, original_date="2019-03-08"
    )


def _artist() -> ArtistSummary:
    return filled(ArtistSummary)  # type: ignore[no-any-return]


def _images() -> Payload:
    base = "https://music.example.org/api/art/abc"
    return {
        "smallImageUrl": f"{base}?size=64",
        "mediumImageUrl": f"{base}?size=300",
        "largeImageUrl": f"{base}?size=600",
    }


def documents() -> dict[str, Payload]:
    """One payload per response element, by the method that answers it."""
    # Items carry the caller's marks, as the catalogue reads them for a viewer.
    song = song_child(dataclasses.replace(_song(), user_state=STATE))
    album = album_id3(dataclasses.replace(_album(), user_state=STATE))
    album_dir = album_child(dataclasses.replace(_album(), user_state=STATE))
    artist = artist_id3(dataclasses.replace(_artist(), user_state=STATE))
    plain_artist = index_artist(dataclasses.replace(_artist(), user_state=STATE))
    folder = directory_child(filled(FolderEntry), parent="dTmluYSBWYWxl")
    artists = [_artist(), _artist()]
    songs = {"song": [song]}
    return {
        "getSong": {"song": song},
        "getAlbum": {"album": album | {"song": [song]}},
        "getArtist": {"artist": artist | {"album": [album]}},
        "getMusicDirectory": {
            "directory": {
                "id": "dTmluYSBWYWxl",
                "parent": "dTmluYQ",
                "name": "Nina Vale",
                "starred": WHEN,
                "userRating": 4,
                "playCount": 9,
                "child": [folder, album_dir, song],
            }
        },
        "getIndexes": {
            "indexes": {
                "lastModified": 1_700_000_000_000,
                "ignoredArticles": IGNORED_ARTICLES,
                "shortcut": [plain_artist],
                "index": indexed(artists, lambda a: a.name, index_artist),
                "child": [song],
            }
        },
        "getArtists": {
            "artists": {
                "ignoredArticles": IGNORED_ARTICLES,
                "index": indexed(artists, lambda a: a.name, artist_id3),
            }
        },
        "search2": {
            "searchResult2": {"artist": [plain_artist], "album": [album_dir], "song": [song]}
        },
        "search3": {"searchResult3": {"artist": [artist], "album": [album], "song": [song]}},
        "getStarred": {"starred": {"artist": [plain_artist], "album": [album_dir], "song": [song]}},
        "getStarred2": {"starred2": {"artist": [artist], "album": [album], "song": [song]}},
        "getAlbumList": {"albumList": {"album": [album_dir]}},
        "getAlbumList2": {"albumList2": {"album": [album]}},
        "getRandomSongs": {"randomSongs": songs},
        "getSongsByGenre": {"songsByGenre": songs},
        "getSimilarSongs": {"similarSongs": songs},
        "getSimilarSongs2": {"similarSongs2": songs},
        "getTopSongs": {"topSongs": songs},
        "getSonicSimilarTracks": {"sonicMatch": [{"entry": song, "similarity": 0.9}]},
        "findSonicPath": {"sonicMatch": [{"entry": song, "similarity": 1.0}]},
        "getNowPlaying": {
            "nowPlaying": {
                "entry": [
                    song | {"username": "alice", "minutesAgo": 2, "playerId": 1, "playerName": "x"}
                ]
            }
        },
        "getPlayQueue": {
            "playQueue": {
                "current": song["id"],
                "position": 1_500,
                "username": "alice",
                "changed": WHEN,
                "changedBy": "phone",
                "entry": [song],
            }
        },
        "getBookmarks": {
            "bookmarks": {
                "bookmark": [
                    {
                        "position": 1_500,
                        "username": "alice",
                        "comment": "chorus",
                        "created": WHEN,
                        "changed": WHEN,
                        "entry": song,
                    }
                ]
            }
        },
        "getArtistInfo": {
            "artistInfo": info_text("biography", "mbid-artist", _images())
            | {"similarArtist": [plain_artist]}
        },
        "getArtistInfo2": {
            "artistInfo2": info_text("biography", "mbid-artist", _images())
            | {"similarArtist": [artist]}
        },
        "getAlbumInfo": {"albumInfo": info_text("notes", "mbid-album", _images())},
    }


@pytest.mark.parametrize("method", list(documents()))
def test_a_response_with_every_field_is_valid_xml_and_json(method: str) -> None:
    document = envelope("ok", documents()[method])
    assert_valid_xml(to_xml(document))
    parsed = json.loads(to_json(document))
    assert_valid_json(parsed)
    assert_valid_openapi_json(method, parsed)


def test_info_text_fields_are_child_elements_in_schema_order() -> None:
    # Issue 16 item 3: the image URLs (and biography, notes, ...) were attributes, which
    # XML clients (DSub) never read.
    for method, key in (
        ("getArtistInfo", "artistInfo"),
        ("getArtistInfo2", "artistInfo2"),
        ("getAlbumInfo", "albumInfo"),
    ):
        root = etree.fromstring(to_xml(envelope("ok", documents()[method])))
        info = root.find(NS + key)
        assert info is not None and dict(info.attrib) == {}
        texts = [
            (etree.QName(child).localname, child.text)
            for child in info
            if etree.QName(child).localname != "similarArtist"
        ]
        first = "notes" if key == "albumInfo" else "biography"
        assert [name for name, _ in texts] == [
            first,
            "musicBrainzId",
            "lastFmUrl",
            "smallImageUrl",
            "mediumImageUrl",
            "largeImageUrl",
        ]
        assert dict(texts)["largeImageUrl"] == _images()["largeImageUrl"]


def test_text_elements_are_exactly_the_schemas_single_text_children() -> None:
    model = schema_model()
    declared: dict[str, set[str]] = {}
    for decl in model.complex_types.values():
        single_text = {
            name
            for name, child in decl.children.items()
            if child.complex_type is None and not child.repeated
        }
        if single_text:
            declared[decl.name] = single_text
    assert set(declared) == {"AlbumInfo", "ArtistInfo", "ArtistInfo2", "ArtistInfoBase"}
    response = model.complex_types[model.root_type]
    for element, keys in TEXT_ELEMENTS.items():
        type_name = response.children[element].complex_type
        assert type_name is not None and set(keys) == declared[type_name]
