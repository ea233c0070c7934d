"""The library: songs, artists, albums, genres and their stored renditions."""

from tonearm.library.models import (
    ScannedFile,
    Song,
    SongDraft,
    SongNotFound,
    SongSource,
    StoredRendition,
)
from tonearm.library.repository import SongRepository
from tonearm.library.sorting import sort_name

__all__ = [
    "ScannedFile",
    "Song",
    "SongDraft",
    "SongNotFound",
    "SongRepository",
    "SongSource",
    "StoredRendition",
    "sort_name",
]
