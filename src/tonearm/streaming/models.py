"""What streaming knows about a song's objects, and what it hands out."""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from tonearm.errors import NotFound

ORIGINAL_KIND = "original"
WAVEFORM_KIND = "waveform"

_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "mpeg": "audio/mpeg",
    "opus": "audio/webm",
    "webm": "audio/webm",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "vorbis": "audio/ogg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/mp4",
    "alac": "audio/mp4",
    "wav": "audio/wav",
    "aiff": "audio/aiff",
    "json": "application/json",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "png": "image/png",
}


@dataclass(frozen=True, slots=True)
class MediaSource:
    """One stored object of a song: a rendition, the waveform, a cover, or the original.

    Exactly one of `storage_key` (object storage) and `path` (a file read in place) is set.
    """

    song_id: UUID
    kind: str
    codec: str | None
    bitrate_kbps: int | None
    size_bytes: int
    modified_at: datetime
    storage_key: str | None
    path: str | None

    @property
    def content_type(self) -> str:
        """The MIME type from the object's name, else from its codec."""
        name = self.storage_key or self.path or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return (
            _CONTENT_TYPES.get(extension)
            or _CONTENT_TYPES.get((self.codec or "").lower())
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )

    @property
    def etag(self) -> str:
        """A strong validator: changes whenever the object is replaced."""
        stamp = int(self.modified_at.timestamp() * 1_000_000)
        return f'"{self.song_id.hex[:16]}-{self.kind}-{self.size_bytes:x}-{stamp:x}"'


@dataclass(frozen=True, slots=True)
class SongMedia:
    """Everything stored for a song, for choosing what to stream."""

    song_id: UUID
    play_count: int
    deleted: bool
    original: MediaSource | None
    objects: dict[str, MediaSource]  # by kind: renditions, waveform, art-<size>-<fmt>
    lyrics: str | None
    synced_lyrics: list[dict[str, Any]] | None
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class StreamTicket:
    """What `GET /api/songs/{id}/stream` answers: a signed path and what it serves."""

    path: str  # /api/media/<song>/<kind>?t=<token>, joined to the public base by the API
    quality: str
    codec: str | None
    bitrate_kbps: int | None
    size_bytes: int  # for a pending rendition: an estimate, duration × bitrate
    expires_at: datetime
    # The rendition is not made yet: a plain GET of the URL encodes it while streaming it
    # (no Range, no Content-Length); a Range request gets the original until it exists.
    pending: bool = False


@dataclass(frozen=True, slots=True)
class RenditionFormat:
    """How a full rendition is encoded (the same as ingest's: adapters/ffmpeg/renditions.py
    ENCODINGS; a test keeps the two equal)."""

    kind: str
    codec: str  # mp3 or opus
    container: str  # mp3 or webm
    bitrate_kbps: int

    @property
    def content_type(self) -> str:
        """The MIME type of the file."""
        return _CONTENT_TYPES[self.container]

    def estimated_bytes(self, duration_ms: int) -> int:
        """The file's length by duration × bitrate (a pending rendition's announced size)."""
        return max(0, duration_ms) * self.bitrate_kbps // 8


# The renditions that can be made after a song is listed (on demand or by enrichment): the
# whole song in one codec and bitrate. The 30 s preview needs the song's analysis, so it is
# made by ingest or enrichment only.
RENDITION_FORMATS = {
    "high": RenditionFormat("high", "mp3", "mp3", 320),
    "medium": RenditionFormat("medium", "mp3", "mp3", 128),
    "low": RenditionFormat("low", "mp3", "mp3", 64),
    "efficient": RenditionFormat("efficient", "opus", "webm", 96),
}


@dataclass(frozen=True, slots=True)
class PendingRendition:
    """A rendition a signed URL names that is not stored yet but may be made now: what the
    media endpoint encodes while streaming (or stands in for with the original)."""

    song_id: UUID
    format: RenditionFormat
    original: MediaSource
    duration_ms: int


class MediaCatalog(Protocol):
    """Read access to songs' stored objects. Implemented in adapters/db/media_catalog.py."""

    async def song_media(self, song_id: UUID) -> SongMedia | None:
        """Everything stored for the song, or None if there is no such song."""
        ...

    async def media_source(
        self, song_id: UUID, kind: str, user_id: UUID
    ) -> tuple[bool, MediaSource | None]:
        """Whether `user_id` is an active account, and one object of a live song (or None) —
        in one round trip, since every media request needs both."""
        ...


class MediaNotFound(NotFound):
    """The song has no such object (any more)."""

    def __init__(self, song_id: UUID, kind: str) -> None:
        super().__init__(f"song {song_id} has no {kind}")


class FileReader(Protocol):
    """Reads originals that live in the music folders (not in object storage)."""

    def read_range(self, path: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        """The bytes `start`..`end` inclusive (None: to the end); raises MediaNotFound-like
        NotFound when the file is gone."""
        ...
