"""Storage keys of a song's objects: from its id and the kind, never from tag text."""

from __future__ import annotations

from uuid import UUID

from tonearm.ingest.models import RenditionKind

# The specification's prefixes; previews live under "previews/", the rest under their kind.
_PREFIX = {kind: kind.value for kind in RenditionKind} | {RenditionKind.PREVIEW: "previews"}
_EXTENSION = {kind: "mp3" for kind in RenditionKind} | {RenditionKind.EFFICIENT: "webm"}
SAFE_EXTENSIONS = frozenset(
    {
        "mp3",
        "flac",
        "ogg",
        "oga",
        "opus",
        "m4a",
        "mp4",
        "aac",
        "alac",
        "wav",
        "aif",
        "aiff",
        "ape",
        "wv",
        "mpc",
        "wma",
        "webm",
        "mka",
        "dsf",
        "dff",
    }
)


# The usual file extension of what ffmpeg decoded, so an original is named for what it is.
_CODEC_EXTENSIONS = {
    "mp3": "mp3",
    "flac": "flac",
    "vorbis": "ogg",
    "opus": "opus",
    "aac": "m4a",
    "alac": "m4a",
    "ape": "ape",
    "wavpack": "wv",
    "wmav1": "wma",
    "wmav2": "wma",
    "pcm_s16le": "wav",
    "pcm_s24le": "wav",
    "pcm_s32le": "wav",
    "pcm_f32le": "wav",
    "pcm_u8": "wav",
    "pcm_s16be": "aiff",
    "pcm_s24be": "aiff",
    "pcm_s32be": "aiff",
}


def extension_for(codec: str, fallback: str) -> str:
    """The extension a file of this codec usually has; `fallback` for others."""
    return _CODEC_EXTENSIONS.get(codec, fallback.lower().lstrip("."))


def original_key(song_id: UUID, extension: str) -> str:
    """`original/<id>.<ext>`; an unexpected extension becomes `bin`."""
    ext = extension.lower().lstrip(".")
    return f"original/{song_id}.{ext if ext in SAFE_EXTENSIONS else 'bin'}"


def rendition_key(song_id: UUID, kind: RenditionKind) -> str:
    """`high/<id>.mp3`, `efficient/<id>.webm`, `previews/<id>.mp3`, …"""
    return f"{_PREFIX[kind]}/{song_id}.{_EXTENSION[kind]}"


def waveform_key(song_id: UUID) -> str:
    """`waveforms/<id>.json` (audiowaveform JSON)."""
    return f"waveforms/{song_id}.json"


def art_key(song_id: UUID, size_px: int, image_format: str) -> str:
    """`art/<id>-<size>.<jpg|webp>`."""
    return f"art/{song_id}-{size_px}.{image_format}"


# Rendition-table kinds of the non-audio objects.
WAVEFORM_KIND = "waveform"


def art_kind(size_px: int, image_format: str) -> str:
    """Rendition-table kind of one cover image, e.g. `art-300-jpg`."""
    return f"art-{size_px}-{image_format}"


STORAGE_PREFIXES = (*sorted(set(_PREFIX.values())), "original", "waveforms", "art")
