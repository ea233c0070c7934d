"""Users' playlists: ordered songs (duplicates allowed), each playlist private to its owner."""

from tonearm.playlists.models import (
    KEEP,
    MAX_COMMENT_LENGTH,
    MAX_ENTRIES,
    MAX_NAME_LENGTH,
    InvalidPlaylistComment,
    InvalidPlaylistName,
    InvalidPosition,
    Keep,
    Playlist,
    PlaylistContents,
    PlaylistEntry,
    PlaylistEntryNotFound,
    PlaylistNotFound,
    PlaylistOrder,
    PlaylistReadOnly,
    PlaylistTooLong,
    UnknownSongs,
)
from tonearm.playlists.repository import PlaylistRepository, SongOrderEdit
from tonearm.playlists.service import PlaylistService

__all__ = [
    "KEEP",
    "MAX_COMMENT_LENGTH",
    "MAX_ENTRIES",
    "MAX_NAME_LENGTH",
    "InvalidPlaylistComment",
    "InvalidPlaylistName",
    "InvalidPosition",
    "Keep",
    "Playlist",
    "PlaylistContents",
    "PlaylistEntry",
    "PlaylistEntryNotFound",
    "PlaylistNotFound",
    "PlaylistOrder",
    "PlaylistReadOnly",
    "PlaylistRepository",
    "PlaylistService",
    "PlaylistTooLong",
    "SongOrderEdit",
    "UnknownSongs",
]
