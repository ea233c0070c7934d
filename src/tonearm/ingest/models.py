"""What ingest reads from a file: tags, pictures, lyrics, audio analysis and renditions.

Plain frozen dataclasses shared by the ingest stages and the adapters that fill them
(adapters/media for tags and images, adapters/ffmpeg for analysis and encoding).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from tonearm.errors import InvalidInput
from tonearm.library.models import Contributor


class IngestError(InvalidInput):
    """A file that cannot be ingested, with the reason a person can act on.

    str(error) reads like `track.xyz: not audio (ffmpeg: Invalid data found …)`.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class RenditionKind(enum.StrEnum):
    """The stored renditions of a song (the specification's storage prefixes)."""

    HIGH = "high"  # 320 kbps MP3 CBR, for Wi-Fi
    MEDIUM = "medium"  # 128 kbps MP3 CBR, for 4G
    LOW = "low"  # 64 kbps MP3 CBR, for 2G/3G
    EFFICIENT = "efficient"  # Opus ~96 kbps in WebM, for clients that play Opus
    PREVIEW = "preview"  # 30 s, 128 kbps MP3 CBR, from the most representative part


@dataclass(frozen=True, slots=True)
class EmbeddedPicture:
    """Cover art bytes found in a file's tags."""

    data: bytes
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class LyricsLine:
    """One line of synced lyrics."""

    time_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class SongTags:
    """Tags as read from a file (bounded, text only); None or empty where absent."""

    container: str  # "mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff", "ape", ...
    title: str | None = None
    artists: tuple[str, ...] = ()
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    year: int | None = None
    genres: tuple[str, ...] = ()
    musicbrainz_recording_id: str | None = None
    musicbrainz_album_id: str | None = None
    musicbrainz_artist_id: str | None = None
    isrc: str | None = None
    compilation: bool = False  # ID3 TCMP, MP4 cpil, Vorbis/APE COMPILATION set to 1
    musicbrainz_album_artist_id: str | None = None
    title_sort: str | None = None  # TSOT, TITLESORT, sonm
    artist_sort: str | None = None  # TSOP, ARTISTSORT, soar
    album_artist_sort: str | None = None  # TSO2, ALBUMARTISTSORT, soaa
    album_sort: str | None = None  # TSOA, ALBUMSORT, soal
    bpm: float | None = None  # TBPM, BPM, tmpo
    comment: str | None = None  # COMM, COMMENT, ©cmt
    contributors: tuple[Contributor, ...] = ()  # COMPOSER, LYRICIST, CONDUCTOR, ...
    original_date: str | None = None  # TDOR, ORIGINALDATE, ORIGINALYEAR: "YYYY[-MM[-DD]]"
    release_types: tuple[str, ...] = ()  # RELEASETYPE, MusicBrainz Album Type
    record_labels: tuple[str, ...] = ()  # LABEL, TPUB, ORGANIZATION, PUBLISHER
    moods: tuple[str, ...] = ()  # MOOD, TMOO
    sample_rate: int | None = None  # from the stream headers
    bit_depth: int | None = None  # lossless PCM formats only
    channels: int | None = None
    lyrics: str | None = None
    synced_lyrics: tuple[LyricsLine, ...] = ()
    # The length mutagen reads from the stream headers: what a song shows before enrichment
    # decodes it (None when mutagen does not know the format).
    duration_ms: int | None = None
    picture: EmbeddedPicture | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AudioAnalysis:
    """What one decode of the audio tells: identity, length, loudness, shape."""

    audio_hash: str  # sha256 hex of the decoded PCM: the same for a retagged or moved file
    duration_ms: int
    codec: str  # the source codec as ffmpeg names it: "mp3", "flac", "opus", "alac", ...
    sample_rate: int
    channels: int
    bitrate_kbps: int | None
    loudness_lufs: float | None  # EBU R128 integrated loudness
    true_peak_dbfs: float | None
    sample_peak: float | None  # linear 0..1, the ReplayGain peak
    preview_start_ms: int  # start of the most representative 30 s
    waveform: dict[str, object] = field(repr=False)  # audiowaveform JSON (version 2)
    fingerprint: str | None = field(default=None, repr=False)  # chromaprint, base64
    # A CBR MP3 with a Xing/LAME Info frame: its bitrate (it may stand in for a rendition).
    cbr_mp3_kbps: int | None = None


@dataclass(frozen=True, slots=True)
class RenditionFile:
    """One encoded rendition, on local disk, before it is stored."""

    kind: RenditionKind
    path: Path
    codec: str  # "mp3" or "opus"
    container: str  # "mp3" or "webm"
    bitrate_kbps: int
    size_bytes: int
    duration_ms: int


@dataclass(frozen=True, slots=True)
class CoverImage:
    """Cover art at one size, normalised."""

    size_px: int  # the longer side
    jpeg: bytes = field(repr=False)
    webp: bytes = field(repr=False)
