"""Songs' lyrics for players: synced lines when known, else the plain text line by line.

Ingest keeps a song's plain lyrics and, when the tags have them (SYLT, LRC), its timed
lines. `LyricsFinder` finds them by song id (OpenSubsonic getLyricsBySongId) or by artist and
title (Subsonic getLyrics: the best search match whose title and artist both agree).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tonearm.library.search import SearchQuery, SongSearch, normalize

UNKNOWN_LANGUAGE = "xxx"  # ISO 639-2 for "no linguistic content / unknown", as the spec asks
SEARCH_CANDIDATES = 20


@dataclass(frozen=True, slots=True)
class LyricsLine:
    """One line; `start_ms` only in synced lyrics."""

    text: str
    start_ms: int | None = None


@dataclass(frozen=True, slots=True)
class SongLyrics:
    """A song's lyrics in one language."""

    song_id: UUID
    synced: bool
    lines: tuple[LyricsLine, ...]
    plain: str  # the whole text (getLyrics' value)
    lang: str = UNKNOWN_LANGUAGE


# Where a song's lyrics are read: the plain text and the synced lines ({time_ms, text}) of
# a live song; raises SongNotFound. (StreamService.song_media has them.)
StoredLyrics = Callable[[UUID], Awaitable[tuple[str | None, list[dict[str, Any]] | None]]]


def song_lyrics(
    song_id: UUID, plain: str | None, synced: list[dict[str, Any]] | None
) -> SongLyrics | None:
    """The lyrics to show: synced lines when known, else the plain text's lines; None when
    the song has neither."""
    if synced:
        lines = tuple(
            LyricsLine(str(line.get("text", "")), int(line.get("time_ms", 0))) for line in synced
        )
        text = plain if plain else "\n".join(line.text for line in lines)
        return SongLyrics(song_id, True, lines, text)
    if plain and plain.strip():
        text = plain.strip("\n")
        return SongLyrics(song_id, False, tuple(LyricsLine(t) for t in text.splitlines()), text)
    return None


class LyricsFinder:
    """Lyrics by song id, or by artist and title."""

    def __init__(self, search: SongSearch, stored: StoredLyrics) -> None:
        self._search = search
        self._stored = stored

    async def by_song(self, song_id: UUID) -> SongLyrics | None:
        """The song's lyrics, None when it has none; raises SongNotFound."""
        plain, synced = await self._stored(song_id)
        return song_lyrics(song_id, plain, synced)

    async def by_artist_and_title(
        self, artist: str | None, title: str | None
    ) -> tuple[str, str, SongLyrics] | None:
        """(artist, title, lyrics) of the best matching song with lyrics; None when none."""
        words = " ".join(part for part in (artist, title) if part and part.strip())
        if not words:
            return None
        query = SearchQuery.parse(words)
        if not query.terms:
            return None
        page = await self._search.search(query, SEARCH_CANDIDATES, 0)
        wanted_title = normalize(title or "")
        wanted_artist = normalize(artist or "")
        for match in page.items:
            if wanted_title and normalize(match.title) != wanted_title:
                continue
            names = [normalize(name) for name in (*match.artists, match.album_artist or "")]
            if wanted_artist and wanted_artist not in names:
                continue
            lyrics = await self.by_song(match.id)
            if lyrics is not None:
                return ", ".join(match.artists), match.title, lyrics
        return None


__all__ = [
    "UNKNOWN_LANGUAGE",
    "LyricsFinder",
    "LyricsLine",
    "SongLyrics",
    "StoredLyrics",
    "song_lyrics",
]
