"""getLyrics (artist + title) and getLyricsBySongId (OpenSubsonic songLyrics)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import assert_matches_snapshot, format_json, format_xml, normalize
from tonearm.api.subsonic.system import OPEN_SUBSONIC_EXTENSIONS
from tonearm.app import Runtime
from tonearm.library.lyrics import song_lyrics

pytestmark = pytest.mark.anyio

PLAIN = "Out past the harbour\nthe lights go down\n"
SYNCED = [
    {"time_ms": 0, "text": "Out past the harbour"},
    {"time_ms": 2500, "text": "the lights go down"},
]


async def test_get_lyrics_finds_the_song_by_artist_and_title(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    await add_song(services, title="Harbour Lights", artists=("Nina Vale",), lyrics=PLAIN)
    await add_song(
        services, title="Harbour Lights", artists=("Someone Else",), lyrics="other words"
    )
    await add_song(services, title="Harbour Lights (Live)", artists=("Nina Vale",), lyrics="live")
    params = {"artist": "nina vale", "title": "harbour lights"}
    lyrics = (await subsonic.call("getLyrics", params))["lyrics"]
    assert lyrics == {"artist": "Nina Vale", "title": "Harbour Lights", "value": PLAIN.strip()}
    xml = await subsonic.request("getLyrics", params, fmt="xml")
    assert_matches_snapshot("play_getLyrics.xml", normalize(format_xml(xml.content)))
    document = await subsonic.request("getLyrics", params, http_method="POST")
    assert_matches_snapshot("play_getLyrics.json", normalize(format_json(document.json())))
    # Nothing found: empty lyrics (the spec requires `value`), not an error.
    assert (await subsonic.call("getLyrics", {"artist": "Nobody", "title": "Nothing"}))[
        "lyrics"
    ] == {"value": ""}
    assert (await subsonic.call("getLyrics"))["lyrics"] == {"value": ""}


async def test_get_lyrics_by_song_id_gives_synced_lines_when_known(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    synced = await add_song(
        services, title="Harbour Lights", artists=("Nina Vale",), lyrics=PLAIN, synced_lyrics=SYNCED
    )
    plain = await add_song(services, title="Low Tide", artists=("Nina Vale",), lyrics=PLAIN)
    none = await add_song(services, title="Quiet", artists=("Nina Vale",))

    (structured,) = (await subsonic.call("getLyricsBySongId", {"id": str(synced)}))["lyricsList"][
        "structuredLyrics"
    ]
    assert structured["synced"] is True
    assert (structured["lang"], structured["offset"]) == ("xxx", 0)
    assert (structured["displayArtist"], structured["displayTitle"]) == (
        "Nina Vale",
        "Harbour Lights",
    )
    assert structured["line"] == [
        {"start": 0, "value": "Out past the harbour"},
        {"start": 2500, "value": "the lights go down"},
    ]
    (unsynced,) = (await subsonic.call("getLyricsBySongId", {"id": str(plain)}))["lyricsList"][
        "structuredLyrics"
    ]
    assert unsynced["synced"] is False
    assert unsynced["line"] == [{"value": "Out past the harbour"}, {"value": "the lights go down"}]
    empty = (await subsonic.call("getLyricsBySongId", {"id": str(none)}))["lyricsList"]
    assert empty.get("structuredLyrics", []) == []
    assert (await subsonic.fail("getLyricsBySongId", {"id": str(uuid4())}))["code"] == 70
    assert (await subsonic.fail("getLyricsBySongId", {}))["code"] == 10

    xml = await subsonic.request("getLyricsBySongId", {"id": str(synced)}, fmt="xml")
    assert_matches_snapshot("play_getLyricsBySongId.xml", normalize(format_xml(xml.content)))
    document = await subsonic.request("getLyricsBySongId", {"id": str(synced)}, http_method="POST")
    assert_matches_snapshot("play_getLyricsBySongId.json", normalize(format_json(document.json())))
    assert OPEN_SUBSONIC_EXTENSIONS["songLyrics"] == [1]


def test_plain_lyrics_become_lines_and_blank_lyrics_none() -> None:
    song_id = uuid4()
    lyrics = song_lyrics(song_id, "a\n\nb\n", None)
    assert lyrics is not None
    assert [line.text for line in lyrics.lines] == ["a", "", "b"]
    assert song_lyrics(song_id, "  \n", None) is None
    assert song_lyrics(song_id, None, []) is None
    from_synced = song_lyrics(song_id, None, SYNCED)
    assert (
        from_synced is not None and from_synced.plain == "Out past the harbour\nthe lights go down"
    )
