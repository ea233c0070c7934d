"""Playlist files: M3U/M3U8 and XSPF read into playlists and written out of them, and the
playlist files of the music folders kept as read-only playlists by each scan."""

from tonearm.playlists.files.matching import SongLocator, TagCandidate
from tonearm.playlists.files.models import (
    ExportedFile,
    ExportPaths,
    FileEntry,
    ImportResult,
    InvalidPlaylistFile,
    ParsedPlaylist,
    PlaylistFormat,
    Unmatched,
)
from tonearm.playlists.files.repository import ScannedPlaylistRepository
from tonearm.playlists.files.service import PlaylistFileService, PlaylistSyncSummary

__all__ = [
    "ExportPaths",
    "ExportedFile",
    "FileEntry",
    "ImportResult",
    "InvalidPlaylistFile",
    "ParsedPlaylist",
    "PlaylistFileService",
    "PlaylistFormat",
    "PlaylistSyncSummary",
    "ScannedPlaylistRepository",
    "SongLocator",
    "TagCandidate",
    "Unmatched",
]
