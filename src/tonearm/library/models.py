"""Songs and their stored renditions, as the rest of tonearm sees them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tonearm.errors import NotFound, TonearmError

# What ingest reads from tags, versioned: raise it when a new tag field is read, and a
# rescan reads every unchanged file's tags once more so existing songs get the field.
TAGS_VERSION = 1


class SongSource(enum.StrEnum):
    """Where a song came from."""

    LIBRARY = "library"  # the owner's own files
    DISCOVERY = "discovery"  # added by the discovery job


class RenditionPolicy(enum.StrEnum):
    """When a song's encoded renditions (high, medium, low, efficient, preview) are made.

    - eager: during ingest, before the song is listed (imports and uploads by default);
    - on_demand: the first time a client asks for that quality, by one encode written
      through to storage while it streams (scanned folders by default);
    - off: never; clients get the original (or, over Subsonic, a live transcode).
    """

    EAGER = "eager"
    ON_DEMAND = "on_demand"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Contributor:
    """Someone credited on a song for a role other than performing artist: the composer,
    lyricist, conductor, arranger, remixer or a performer named by instrument."""

    role: str  # "composer", "lyricist", "conductor", "arranger", "remixer", "performer"
    name: str
    sub_role: str | None = None  # a performer's instrument ("piano"), when the tag says


@dataclass(frozen=True, slots=True)
class SongDraft:
    """Everything ingest knows about a song before it has an id in the library."""

    title: str
    artists: tuple[str, ...]
    album: str | None
    album_artist: str | None
    track_number: int | None
    track_total: int | None
    disc_number: int | None
    disc_total: int | None
    year: int | None
    genres: tuple[str, ...]
    duration_ms: int
    audio_hash: str
    original_path: str | None  # a file read in place (scan)
    original_key: str | None  # an object in storage (import, upload)
    folder_path: str | None
    original_format: str | None
    original_size_bytes: int | None
    original_mtime_ns: int | None
    musicbrainz_recording_id: str | None = None
    musicbrainz_album_id: str | None = None
    isrc: str | None = None
    compilation: bool = False  # tagged as part of a compilation (TCMP, cpil, COMPILATION)
    musicbrainz_artist_id: str | None = None  # of the song's artist, when it has one
    musicbrainz_album_artist_id: str | None = None
    # Sort tags (TSOT/TITLESORT, TSOP/ARTISTSORT, TSO2/ALBUMARTISTSORT, TSOA/ALBUMSORT);
    # None: the sort name is derived from the name.
    title_sort: str | None = None
    artist_sort: str | None = None
    album_artist_sort: str | None = None
    album_sort: str | None = None
    bpm: float | None = None
    comment: str | None = field(default=None, repr=False)
    contributors: tuple[Contributor, ...] = ()
    original_date: str | None = None  # "1969", "1969-09" or "1969-09-26"
    release_types: tuple[str, ...] = ()  # "album", "compilation", "live", ...
    record_labels: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    # What the stream headers say (None: unknown; bit depth only for lossless PCM formats).
    sample_rate: int | None = None
    bit_depth: int | None = None
    channels: int | None = None
    loudness_lufs: float | None = None
    replaygain_track_gain_db: float | None = None
    replaygain_track_peak: float | None = None
    fingerprint: str | None = field(default=None, repr=False)
    lyrics: str | None = field(default=None, repr=False)
    synced_lyrics: list[dict[str, Any]] | None = field(default=None, repr=False)
    source: SongSource = SongSource.LIBRARY


@dataclass(frozen=True, slots=True)
class Song:
    """A song in the library."""

    id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    album_artist: str | None
    track_number: int | None
    disc_number: int | None
    year: int | None
    genres: tuple[str, ...]
    duration_ms: int
    audio_hash: str
    original_path: str | None
    original_key: str | None
    folder_path: str | None
    loudness_lufs: float | None
    replaygain_track_gain_db: float | None
    replaygain_album_gain_db: float | None
    play_count: int
    added_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredRendition:
    """An object stored for a song (an encoding, the waveform or cover art), with its key."""

    kind: str
    codec: str
    bitrate_kbps: int | None
    size_bytes: int
    storage_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """What the library remembers of a file read in place, to spot changes cheaply."""

    song_id: UUID
    original_path: str
    size_bytes: int | None
    mtime_ns: int | None
    audio_hash: str
    file_identity: str | None = None  # phase 1's cheap identity (None before two-phase scans)
    tags_version: int | None = None  # TAGS_VERSION when its tags were read (None: before 1)


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """A file that could not be imported, and why (the admin's ingest failures list)."""

    path: str
    reason: str
    source: str  # scan, import or upload
    size_bytes: int | None
    failed_at: datetime


class DuplicateAudio(TonearmError):
    """Another song with the same audio was listed first (two copies of one recording
    imported at once); the caller reports a duplicate of `existing_id`."""

    def __init__(self, existing_id: UUID) -> None:
        super().__init__(f"the same audio is already song {existing_id}")
        self.existing_id = existing_id


class SongNotFound(NotFound):
    """No song has this id (or it was removed)."""

    def __init__(self, song_id: UUID) -> None:
        super().__init__(f"no song {song_id}")
