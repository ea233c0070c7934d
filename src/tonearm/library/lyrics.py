"""Songs' lyrics for players: synced lines when known, else the plain text line by line.

Ingest keeps a song's plain lyrics and, when the tags have them (SYLT, LRC), its timed
lines. `LyricsService` serves both APIs: the stored text and lines as they are (REST
`/api/songs/{id}/lyrics`, NoLyrics when the song has none), or lines to show by song id
(OpenSubsonic getLyricsBySongId) or by artist and title (Subsonic getLyrics: the best search
match whose title and artist both agree). It reads them through a `LyricsStore`
(adapters/db/lyrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from tonearm.errors import NotFound
from tonearm.library.models import SongNotFound
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


@dataclass(frozen=True, slots=True)
class StoredLyrics:
    """A song's lyrics as ingest stored them: the plain text and the synced lines
    ({time_ms, text}), either or both None or empty."""

    plain: str | None
    synced: list[dict[str, Any]] | None


class NoLyrics(NotFound):
    """The song has neither plain nor synced lyrics."""

    def __init__(self, song_id: UUID) -> None:
        super().__init__(f"song {song_id} has no lyrics")


class LyricsStore(Protocol):
    """Where songs' lyrics are read. Implemented in adapters/db/lyrics.py."""

    async def song_lyrics(self, song_id: UUID) -> StoredLyrics | None:
        """A live song's stored lyrics (an id merged away answers as the song it merged
        into); None when no live song has the id."""
        ...


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


class LyricsService:
    """Songs' lyrics: as stored, by song id, or by artist and title."""

    def __init__(self, store: LyricsStore, search: SongSearch) -> None:
        self._store = store
        self._search = search

    async def stored(self, song_id: UUID) -> StoredLyrics:
        """The song's plain text and synced lines as stored; raises SongNotFound, and
        NoLyrics when it has neither."""
        stored = await self._store.song_lyrics(song_id)
        if stored is None:
            raise SongNotFound(song_id)
        if not stored.plain and not stored.synced:
            raise NoLyrics(song_id)
        return stored

    async def of_song(self, song_id: UUID) -> StoredLyrics:
        """The song's stored lyrics, both fields None when it has none (a song without
        lyrics is an answer, not an error); raises SongNotFound."""
        try:
            return await self.stored(song_id)
        except NoLyrics:
            return StoredLyrics(None, None)

    async def by_song(self, song_id: UUID) -> SongLyrics | None:
        """The song's lyrics to show, None when it has none; raises SongNotFound."""
        stored = await self._store.song_lyrics(song_id)
        if stored is None:
            raise SongNotFound(song_id)
        return song_lyrics(song_id, stored.plain, stored.synced)

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
    "LyricsLine",
    "LyricsService",
    "LyricsStore",
    "NoLyrics",
    "SongLyrics",
    "StoredLyrics",
    "song_lyrics",
]
