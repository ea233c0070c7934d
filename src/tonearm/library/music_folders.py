"""Music folders: the folders tonearm reads in place, kept in the database.

A music folder has a stable integer id (never reused: Subsonic's musicFolder id is an
`xs:int`, and the nginx `accel` locations are keyed by it), its path as storable text
(library/paths.py: lossless for non-UTF-8 names) and what its last scan did. The setting
TONEARM_MUSIC_FOLDERS only seeds this list; `tonearm folders` and the admin screen edit it.
Implemented in adapters/db/music_folders.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tonearm.errors import NotFound
from tonearm.library.paths import display_path, text_to_path


@dataclass(frozen=True, slots=True)
class MusicFolder:
    """A folder scans read in place. `path` is the stored text (path_to_text)."""

    id: int
    path: str
    name: str
    created_at: datetime
    last_scan_at: datetime | None = None
    last_scan: Mapping[str, Any] | None = None

    @property
    def fs_path(self) -> Path:
        """The folder on disk, exactly as its bytes are (to open or walk)."""
        return text_to_path(self.path)

    @property
    def display(self) -> str:
        """The path for people (non-UTF-8 bytes read as Windows-1252); never open it."""
        return display_path(self.path)


@dataclass(frozen=True, slots=True)
class MusicFolderStatus:
    """A music folder as the admin screens show it."""

    folder: MusicFolder
    song_count: int
    exists: bool


class MusicFolderNotFound(NotFound):
    """No music folder has this id or path."""

    def __init__(self, which: int | str) -> None:
        super().__init__(f"music folder {which!r} not found (see `tonearm folders list`)")


class MusicFolderRepository(Protocol):
    """The `music_folders` table."""

    async def add(self, path: str, name: str, now: datetime) -> MusicFolder:
        """Insert a folder with a new id (ids are never reused); raises AlreadyExists when
        the path is already a music folder."""
        ...

    async def list_folders(self) -> list[MusicFolder]:
        """Every music folder, by id."""
        ...

    async def get(self, folder_id: int) -> MusicFolder:
        """One folder; raises MusicFolderNotFound."""
        ...

    async def remove(self, folder_id: int) -> None:
        """Delete the folder's row; raises MusicFolderNotFound."""
        ...

    async def record_scan(self, folder_id: int, now: datetime, summary: Mapping[str, Any]) -> None:
        """Remember when the folder was last scanned and what that scan did."""
        ...

    async def song_counts(self) -> dict[int, int]:
        """Live songs read in place under each folder, by folder id."""
        ...


__all__ = [
    "MusicFolder",
    "MusicFolderNotFound",
    "MusicFolderRepository",
    "MusicFolderStatus",
]
