"""The read side of the library: what listings show, how they sort, and where they come from.

Listings are keyset-paged: each item carries its sort key (the sort's values, then the id
as tie-breaker), and the next page starts strictly after the last key. Nothing is skipped
or repeated under equal sort values, and rows added meanwhile do not shift the pages.
Tombstoned songs never appear; artists and albums appear while they have a live song.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound
from tonearm.library.search import SearchQuery
from tonearm.listening.user_state import NO_STATE, UserState

# What a sort key is made of: text, numbers and times (never None: the SQL coalesces),
# and the id that breaks ties, last.
KeyValue = str | int | float | datetime | UUID
SortKey = tuple[KeyValue, ...]

ItemT = TypeVar("ItemT")


class SongSort(enum.StrEnum):
    """What song listings can be ordered by (a leading '-' in the API reverses it)."""

    TITLE = "title"
    ADDED = "added"
    ARTIST = "artist"  # first credited artist, then album, disc, track
    ALBUM = "album"  # album, album artist, disc, track
    PLAY_COUNT = "play_count"
    YEAR = "year"


class AlbumSort(enum.StrEnum):
    """What album listings can be ordered by (a leading '-' in the API reverses it)."""

    NAME = "name"
    YEAR = "year"
    ADDED = "added"


SortT = TypeVar("SortT", SongSort, AlbumSort)


@dataclass(frozen=True, slots=True)
class Order(Generic[SortT]):
    """A sort and its direction, e.g. `-added` = newest first."""

    sort: SortT
    descending: bool = False

    @property
    def token(self) -> str:
        """How the API spells it: `title`, `-added`."""
        return ("-" if self.descending else "") + self.sort.value


def parse_order(text: str, kind: type[SortT]) -> Order[SortT]:
    """`-added` → Order(ADDED, descending); raises InvalidSort for an unknown name."""
    descending = text.startswith("-")
    name = text[1:] if descending else text
    try:
        return Order(kind(name), descending)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidSort(f"sort {text!r}: use one of {choices} (a leading '-' reverses)") from None


@dataclass(frozen=True, slots=True)
class SongFilter:
    """Which songs a listing shows; every field given must match."""

    artist_id: UUID | None = None  # credited on the song
    album_id: UUID | None = None
    genre: str | None = None  # by name, case-insensitive
    year: int | None = None
    from_year: int | None = None  # year ≥ it (songs without a year are left out)
    to_year: int | None = None  # year ≤ it
    folder: str | None = None  # in this music-folder root or below (IMPORTED_FOLDER: no folder)


@dataclass(frozen=True, slots=True)
class AlbumFilter:
    """Which albums a listing shows; every field given must match."""

    artist_id: UUID | None = None  # the album artist
    year: int | None = None
    genre: str | None = None  # some live song of the album has it (case-insensitive)
    from_year: int | None = None  # between from_year and to_year inclusive, in either order
    to_year: int | None = None
    folder: str | None = None  # some live song is in this root or below (see SongFilter)


@dataclass(frozen=True, slots=True)
class Credit:
    """An artist credited on a song for a role (composer, lyricist, conductor, ...)."""

    role: str
    artist_id: UUID
    name: str
    sub_role: str | None = None  # a performer's instrument


@dataclass(frozen=True, slots=True)
class CatalogSong:
    """A live song as listings show it."""

    id: UUID
    title: str
    artists: tuple[str, ...]
    artist_ids: tuple[UUID, ...]
    album: str | None
    album_id: UUID | None
    album_artist: str | None
    album_artist_id: UUID | None
    genres: tuple[str, ...]
    year: int | None
    track_number: int | None
    disc_number: int | None
    duration_ms: int
    folder_path: str | None
    original_format: str | None
    play_count: int
    added_at: datetime
    replaygain_track_gain_db: float | None
    replaygain_album_gain_db: float | None
    has_lyrics: bool
    renditions: tuple[str, ...]  # stored audio renditions (high, medium, …), not art
    # What the Subsonic API shows beyond the REST listings.
    sort_title: str = ""
    original_path: str | None = None
    original_size_bytes: int | None = None
    musicbrainz_recording_id: str | None = None
    musicbrainz_album_id: str | None = None
    isrc: str | None = None
    bpm: float | None = None  # the file's BPM tag, as tagged
    analysed_tempo_bpm: float | None = None  # audio analysis's tempo (song_features)
    replaygain_track_peak: float | None = None
    replaygain_album_peak: float | None = None
    has_art: bool = False  # a cover image is stored for the song
    comment: str | None = None
    contributors: tuple[Credit, ...] = ()  # in tag order
    moods: tuple[str, ...] = ()
    compilation: bool = False
    sample_rate: int | None = None  # Hz
    bit_depth: int | None = None  # lossless formats only
    channels: int | None = None
    user_state: UserState = NO_STATE  # the viewer's marks, when read for one

    @property
    def composers(self) -> tuple[str, ...]:
        """The names credited as composer, in tag order."""
        return tuple(credit.name for credit in self.contributors if credit.role == "composer")

    @property
    def bitrate_kbps(self) -> int | None:
        """The original's average bitrate, from its size and duration."""
        if not self.original_size_bytes or self.duration_ms <= 0:
            return None
        return round(self.original_size_bytes * 8 / self.duration_ms) or None


def is_audio_rendition(kind: str) -> bool:
    """Whether a stored object kind is something to listen to (not the waveform or art)."""
    return kind != "waveform" and not is_art_rendition(kind)


def is_art_rendition(kind: str) -> bool:
    """Whether a stored object kind is a cover image (`art-<size>-<format>`)."""
    return kind.startswith("art-")


@dataclass(frozen=True, slots=True)
class ArtistSummary:
    """An artist with live songs: credited on songs or album artist of an album."""

    id: UUID
    name: str
    album_count: int  # albums it is the album artist of
    song_count: int  # live songs it is credited on or album artist of
    sort_name: str = ""
    musicbrainz_id: str | None = None
    has_art: bool = False  # some live song it is credited on or album artist of has a cover
    user_state: UserState = NO_STATE  # the viewer's marks, when read for one


@dataclass(frozen=True, slots=True)
class AlbumSummary:
    """An album with its live songs counted."""

    id: UUID
    name: str
    artist: str | None
    artist_id: UUID | None
    year: int | None
    song_count: int
    duration_ms: int
    added_at: datetime
    # What the Subsonic API shows beyond the REST listings.
    sort_name: str = ""
    musicbrainz_id: str | None = None
    has_art: bool = False  # some live song of the album has a stored cover
    # From the tags of its live songs (AlbumTags): genres in track order, and so on.
    genres: tuple[str, ...] = ()
    is_compilation: bool = False  # some song is tagged as part of a compilation
    release_types: tuple[str, ...] = ()
    original_date: str | None = None  # "YYYY[-MM[-DD]]"
    record_labels: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    user_state: UserState = NO_STATE  # the viewer's marks, when read for one

    @property
    def genre(self) -> str | None:
        """The album's first genre (that of its first tagged track)."""
        return self.genres[0] if self.genres else None


@dataclass(frozen=True, slots=True)
class ImportedAlbum:
    """Imported live songs of one artist (album artist, else first credited; None: no
    artist) and one album (None: songs without an album), counted."""

    artist_id: UUID | None
    artist_name: str | None
    album_id: UUID | None
    album_name: str | None
    song_count: int


@dataclass(frozen=True, slots=True)
class ArtistDetail:
    """An artist and its albums, newest first."""

    artist: ArtistSummary
    albums: tuple[AlbumSummary, ...]


@dataclass(frozen=True, slots=True)
class AlbumDetail:
    """An album and its live tracks in disc and track order."""

    album: AlbumSummary
    tracks: tuple[CatalogSong, ...]


@dataclass(frozen=True, slots=True)
class GenreCount:
    """A genre and how many live songs have it."""

    name: str
    song_count: int
    album_count: int = 0  # albums with a live song of the genre


class AlbumListType(enum.StrEnum):
    """The album lists apps ask for (Subsonic getAlbumList); some are one user's."""

    RANDOM = "random"
    NEWEST = "newest"  # added most recently
    HIGHEST = "highest"  # the user's ratings, best first (rated albums only)
    FREQUENT = "frequent"  # the user's counted plays, most first (played albums only)
    RECENT = "recent"  # the user's latest counted play, newest first (played albums only)
    BY_NAME = "alphabeticalByName"
    BY_ARTIST = "alphabeticalByArtist"
    STARRED = "starred"  # starred by the user, latest first
    BY_YEAR = "byYear"  # from_year → to_year (descending when from_year > to_year)
    BY_GENRE = "byGenre"


@dataclass(frozen=True, slots=True)
class Keyed(Generic[ItemT]):
    """A listed item with the sort key the next page starts after."""

    item: ItemT
    key: SortKey


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """One page of a listing; `next_cursor` is None on the last one."""

    items: tuple[ItemT, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class SongChange:
    """A change-log entry of a song: its number, and the song's first ever entry."""

    seq: int
    song_id: UUID
    first_seq: int


@dataclass(frozen=True, slots=True)
class SongDelta:
    """What changed since a cursor: each song once, in its current state.

    `added` did not exist at the cursor; `updated` did; `removed` are tombstoned now (and
    may name songs the client never saw). Continue from `cursor`; `has_more` says that
    more changes are waiting.
    """

    added: tuple[CatalogSong, ...]
    updated: tuple[CatalogSong, ...]
    removed: tuple[UUID, ...]
    cursor: int
    has_more: bool


class InvalidSort(InvalidInput):
    """The sort named is not one this listing knows."""


class InvalidCursor(InvalidInput):
    """A page cursor that this server did not hand out, or for another sort."""


class ArtistNotFound(NotFound):
    """No artist has this id, or none of its songs is left."""

    def __init__(self, artist_id: UUID) -> None:
        super().__init__(f"no artist {artist_id}")


class AlbumNotFound(NotFound):
    """No album has this id, or none of its songs is left."""

    def __init__(self, album_id: UUID) -> None:
        super().__init__(f"no album {album_id}")


class CatalogRepository(Protocol):
    """Read-only queries over the library. Implemented in adapters/db/catalog_repository/.

    Listing methods return at most `limit` items strictly after the key `after` in their
    order (from the start when None), each with its full sort key. Reads given a `viewer`
    return items carrying that user's marks (`user_state`: stars, ratings, counted plays),
    read in the same query; without one, items are unmarked.
    """

    async def song(self, song_id: UUID, *, viewer: UUID | None = None) -> CatalogSong:
        """A live song; raises SongNotFound for unknown and tombstoned ids."""
        ...

    async def live_songs(
        self, song_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Those of `song_ids` that are live, in no particular order."""
        ...

    async def songs(
        self, where: SongFilter, order: Order[SongSort], after: SortKey | None, limit: int
    ) -> list[Keyed[CatalogSong]]:
        """Live songs matching `where`, in `order` (ties broken by id)."""
        ...

    async def artists(self, after: SortKey | None, limit: int) -> list[Keyed[ArtistSummary]]:
        """Artists with live songs, by sort name (ties broken by id)."""
        ...

    async def artist(self, artist_id: UUID, *, viewer: UUID | None = None) -> ArtistDetail:
        """The artist and its albums, newest first; raises ArtistNotFound."""
        ...

    async def albums(
        self, where: AlbumFilter, order: Order[AlbumSort], after: SortKey | None, limit: int
    ) -> list[Keyed[AlbumSummary]]:
        """Albums with live songs matching `where`, in `order` (ties broken by id)."""
        ...

    async def album(self, album_id: UUID, *, viewer: UUID | None = None) -> AlbumDetail:
        """The album and its live tracks; raises AlbumNotFound."""
        ...

    async def genres(self) -> list[GenreCount]:
        """Genres of live songs, by name (case-insensitive)."""
        ...

    async def folder_song_counts(self) -> dict[str | None, int]:
        """Live songs per folder path; the key None counts songs without a folder."""
        ...

    async def folder_songs(
        self, folder_path: str | None, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Live songs directly in `folder_path` (None: those without a folder), in disc,
        track and title order."""
        ...

    async def song_changes(self, after_seq: int, limit: int) -> list[SongChange]:
        """Up to `limit` change-log entries of songs numbered above `after_seq`, in order."""
        ...

    async def last_changed_at(self) -> datetime | None:
        """When a song, album or artist last changed (None: never)."""
        ...

    async def every_artist(
        self, folder: str | None, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """All artists with live songs (in `folder` when given), in no particular order."""
        ...

    async def album_list(
        self,
        kind: AlbumListType,
        where: AlbumFilter,
        user_id: UUID,
        offset: int,
        limit: int,
    ) -> list[AlbumSummary]:
        """A page of albums in the order `kind` names (ties broken by id), with
        `user_id`'s marks."""
        ...

    async def song_list(
        self,
        where: SongFilter,
        random: bool,
        offset: int,
        limit: int,
        *,
        viewer: UUID | None = None,
    ) -> list[CatalogSong]:
        """A page of live songs by title (ties broken by id), or in random order."""
        ...

    async def find_artists(
        self, query: SearchQuery | None, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Artists whose folded name holds every word of `query` (the last may be
        unfinished; when that finds few, a word may be a typo away), best first: the
        whole name, then matches without a typo, then by sort key. All artists for None."""
        ...

    async def find_albums(
        self, query: SearchQuery | None, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[AlbumSummary]:
        """Albums found as `find_artists` finds artists (all albums for None)."""
        ...

    async def find_names(
        self,
        query: SearchQuery | None,
        artists: tuple[int, int],
        albums: tuple[int, int],
        *,
        viewer: UUID | None = None,
        variants: Mapping[str, Sequence[str]] | None = None,
    ) -> tuple[list[ArtistSummary], list[AlbumSummary]]:
        """A page (offset, limit) of the artists and one of the albums `find_artists` and
        `find_albums` find, together (a limit of 0: none of that kind). `variants`: the
        query words' typo variants when the caller has them (song search read them)."""
        ...

    async def imported_albums(self) -> list[ImportedAlbum]:
        """Live songs without a folder (imported, uploaded), counted per artist and album
        (see ImportedAlbum), in no particular order."""
        ...

    async def imported_songs(
        self, artist_id: UUID | None, album_id: UUID | None, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Live songs without a folder of this artist (album artist, else first credited;
        None: no artist) and album (None: without one), in disc and track order."""
        ...

    async def cover_song(self, item_kind: str, item_id: UUID) -> UUID | None:
        """A live song with stored cover art: the song itself (`item_kind` song), or the
        first in track order of an album or artist; None when none has art."""
        ...
