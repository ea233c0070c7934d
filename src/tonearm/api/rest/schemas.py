"""Response models shared by the REST routers: songs, albums, artists and pages of them;
and PlainText, the type of every free text a request stores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from tonearm.api.rest.analysis import SongAnalysisOut
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong, Credit
from tonearm.listening.models import SongSummary
from tonearm.plaintext import first_forbidden_character

ItemT = TypeVar("ItemT")

# Bounds of whole numbers a request may send: what the database's columns hold, so a huge
# value is answered 422 naming the field instead of failing in SQL.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
Year = Annotated[int, Field(ge=0, le=9999)]


def _plain(text: str) -> str:
    index = first_forbidden_character(text)
    if index is not None:
        raise ValueError(
            f"control characters are not allowed (U+{ord(text[index]):04X} at position {index})"
        )
    return text


# Text that is stored and shown again (names, comments, descriptions): no control character
# but tab and line breaks, so every answer that carries it stays valid XML (refused as a bad
# request, 400 invalid_input, naming the field).
PlainText = Annotated[str, AfterValidator(_plain)]


class ContributorOut(BaseModel):
    """Someone credited on a song for a role other than performing artist."""

    role: str = Field(description="composer, lyricist, conductor, arranger, remixer, ...")
    sub_role: str | None = Field(description="A performer's instrument, when tagged.")
    artist_id: UUID
    name: str

    @classmethod
    def from_domain(cls, credit: Credit) -> ContributorOut:
        """From a Credit."""
        return cls(
            role=credit.role, sub_role=credit.sub_role, artist_id=credit.artist_id, name=credit.name
        )


class SongOut(BaseModel):
    """A song as every REST endpoint shows it."""

    id: UUID
    title: str
    artists: list[str]
    artist_ids: list[UUID] = Field(description="Ids of `artists`, in the same order.")
    album: str | None
    album_id: UUID | None
    album_artist: str | None
    album_artist_id: UUID | None
    genres: list[str]
    year: int | None
    track_number: int | None
    disc_number: int | None
    duration_ms: int
    folder_path: str | None = Field(
        description="Folder of the original for scanned files; null for imported songs."
    )
    original_format: str | None
    play_count: int
    added_at: datetime
    replaygain_track_gain_db: float | None
    replaygain_album_gain_db: float | None
    has_lyrics: bool
    has_art: bool = Field(default=False, description="A cover is stored: `/art` serves it.")
    renditions: list[str] = Field(
        description="Stored audio renditions (high, medium, low, efficient, preview)."
    )
    bpm: float | None = None
    comment: str | None = None
    contributors: list[ContributorOut] = Field(
        default_factory=list, description="Composers, lyricists, conductors, ... in tag order."
    )
    moods: list[str] = Field(default_factory=list)
    compilation: bool = False
    musicbrainz_recording_id: str | None = None
    isrc: str | None = None
    sample_rate: int | None = Field(default=None, description="Hz, from the stream headers.")
    bit_depth: int | None = Field(default=None, description="Lossless formats only.")
    channels: int | None = None
    analysis: SongAnalysisOut | None = Field(
        default=None,
        description="Audio analysis (song details only; null elsewhere and when not "
        "analysed). `bpm` above is the file's BPM tag; the analysed tempo is here.",
    )

    @classmethod
    def from_domain(cls, song: CatalogSong) -> SongOut:
        """From a CatalogSong."""
        return cls(
            id=song.id,
            title=song.title,
            artists=list(song.artists),
            artist_ids=list(song.artist_ids),
            album=song.album,
            album_id=song.album_id,
            album_artist=song.album_artist,
            album_artist_id=song.album_artist_id,
            genres=list(song.genres),
            year=song.year,
            track_number=song.track_number,
            disc_number=song.disc_number,
            duration_ms=song.duration_ms,
            folder_path=song.folder_path,
            original_format=song.original_format,
            play_count=song.play_count,
            added_at=song.added_at,
            replaygain_track_gain_db=song.replaygain_track_gain_db,
            replaygain_album_gain_db=song.replaygain_album_gain_db,
            has_lyrics=song.has_lyrics,
            has_art=song.has_art,
            renditions=list(song.renditions),
            bpm=song.bpm,
            comment=song.comment,
            contributors=[ContributorOut.from_domain(credit) for credit in song.contributors],
            moods=list(song.moods),
            compilation=song.compilation,
            musicbrainz_recording_id=song.musicbrainz_recording_id,
            isrc=song.isrc,
            sample_rate=song.sample_rate,
            bit_depth=song.bit_depth,
            channels=song.channels,
        )


class AlbumOut(BaseModel):
    """An album with its live songs counted."""

    id: UUID
    name: str
    artist: str | None
    artist_id: UUID | None
    year: int | None
    song_count: int
    duration_ms: int
    added_at: datetime
    sort_name: str = ""
    musicbrainz_id: str | None = None
    genres: list[str] = Field(default_factory=list, description="Of its songs, in track order.")
    is_compilation: bool = False
    release_types: list[str] = Field(default_factory=list)
    original_date: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    record_labels: list[str] = Field(default_factory=list)
    moods: list[str] = Field(default_factory=list)
    has_art: bool = Field(
        default=False, description="A cover is stored: `/api/albums/{id}/art` serves it."
    )

    @classmethod
    def from_domain(cls, album: AlbumSummary) -> AlbumOut:
        """From an AlbumSummary."""
        return cls(
            id=album.id,
            name=album.name,
            artist=album.artist,
            artist_id=album.artist_id,
            year=album.year,
            song_count=album.song_count,
            duration_ms=album.duration_ms,
            added_at=album.added_at,
            sort_name=album.sort_name,
            musicbrainz_id=album.musicbrainz_id,
            genres=list(album.genres),
            is_compilation=album.is_compilation,
            release_types=list(album.release_types),
            original_date=album.original_date,
            record_labels=list(album.record_labels),
            moods=list(album.moods),
            has_art=album.has_art,
        )


class ArtistOut(BaseModel):
    """An artist with its albums and songs counted."""

    id: UUID
    name: str
    album_count: int
    song_count: int
    sort_name: str = ""
    musicbrainz_id: str | None = None
    has_art: bool = Field(
        default=False, description="A cover is stored: `/api/artists/{id}/art` serves it."
    )

    @classmethod
    def from_domain(cls, artist: ArtistSummary) -> ArtistOut:
        """From an ArtistSummary."""
        return cls(
            id=artist.id,
            name=artist.name,
            album_count=artist.album_count,
            song_count=artist.song_count,
            sort_name=artist.sort_name,
            musicbrainz_id=artist.musicbrainz_id,
            has_art=artist.has_art,
        )


class PageOut(BaseModel, Generic[ItemT]):
    """One page of a listing; pass `next_cursor` as `cursor` for the next (null: the end)."""

    items: list[ItemT]
    next_cursor: str | None


class SongSummaryOut(BaseModel):
    """A song as lists show it."""

    id: UUID
    title: str
    artists: list[str]
    album: str | None
    duration_ms: int

    @classmethod
    def from_domain(cls, song: SongSummary) -> SongSummaryOut:
        """From a SongSummary."""
        return cls(
            id=song.id,
            title=song.title,
            artists=list(song.artists),
            album=song.album,
            duration_ms=song.duration_ms,
        )
