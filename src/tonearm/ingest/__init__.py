"""Ingest: music files in, songs with renditions out (scan, import, upload).

Only the plain models are re-exported here, so that settings can name RenditionKind without
importing the pipeline; import the services from their modules.
"""

from tonearm.ingest.models import (
    AudioAnalysis,
    CoverImage,
    EmbeddedPicture,
    IngestError,
    LyricsLine,
    RenditionFile,
    RenditionKind,
    SongTags,
)

__all__ = [
    "AudioAnalysis",
    "CoverImage",
    "EmbeddedPicture",
    "IngestError",
    "LyricsLine",
    "RenditionFile",
    "RenditionKind",
    "SongTags",
]
