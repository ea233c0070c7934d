"""Lyrics: getLyrics (by artist and title) and OpenSubsonic getLyricsBySongId (songLyrics)."""

from __future__ import annotations

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.render import Payload, compact
from tonearm.api.subsonic.responses import display_artist
from tonearm.library.catalog_service import CatalogService
from tonearm.library.lyrics import LyricsService


async def get_lyrics(call: SubsonicCall, lyrics: LyricsService) -> Payload:
    """The lyrics of the song best matching `artist` and `title`; without a match, empty
    lyrics (`value` is required by the spec, so it is "")."""
    params = call.params
    found = await lyrics.by_artist_and_title(params.get("artist"), params.get("title"))
    if found is None:
        return {"lyrics": {"value": ""}}
    artist, title, song_lyrics = found
    return {"lyrics": {"artist": artist, "title": title, "value": song_lyrics.plain}}


async def get_lyrics_by_song_id(
    call: SubsonicCall, lyrics: LyricsService, catalog: CatalogService
) -> Payload:
    """The song's lyrics as structured lines: synced (with start times) when known."""
    song_id = call.params.get_id("id")
    found = await lyrics.by_song(song_id)
    if found is None:
        return {"lyricsList": {}}
    song = await catalog.song(song_id)
    structured = compact(
        displayArtist=display_artist(song.artists),
        displayTitle=song.title,
        lang=found.lang,
        offset=0,
        synced=found.synced,
        line=[compact(start=line.start_ms, value=line.text) for line in found.lines],
    )
    return {"lyricsList": {"structuredLyrics": [structured]}}


__all__ = ["get_lyrics", "get_lyrics_by_song_id"]
