"""MusicFolderService: which folders tonearm reads in place, and the rules for changing them.

- A folder must exist and be a directory when added; it is stored resolved (symlinks
  followed), so one folder cannot be added twice under two names.
- Music folders never nest (a song would belong to two folders, and removing one would
  tombstone the other's songs), and never hold or lie inside tonearm's own data directory
  or storage folder (a scan would read tonearm's renditions back in as music).
- From the web admin a folder must lie under one of the owner's allowed roots
  (TONEARM_FOLDER_ROOTS, empty by default: the web cannot add folders at all), so a stolen
  admin session cannot turn the server into a reader of the whole disk. The CLI, run by
  whoever owns the server, may add any path.
- Removing a folder tombstones its songs: plays, likes and playlist entries stay, and a
  rescan after adding it back revives them with their ids (by audio hash).
- TONEARM_MUSIC_FOLDERS seeds the table at start; a configured folder that contains
  folders already in the table takes their place (their songs are its songs).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from tonearm.errors import AlreadyExists, InvalidInput, PermissionDenied
from tonearm.library.folders import folder_name, is_within
from tonearm.library.music_folders import (
    MusicFolder,
    MusicFolderNotFound,
    MusicFolderRepository,
    MusicFolderStatus,
)
from tonearm.library.paths import display_path, path_to_text, text_to_bytes
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)

ROOTS_SETTING = "TONEARM_FOLDER_ROOTS"


def _resolve(path: Path) -> Path:
    return path.expanduser().resolve()


def _within(path: Path, root: Path) -> bool:
    return is_within(str(path), str(root))


class MusicFolderService:
    """Add, remove, list and find music folders.

    `protected` are tonearm's own folders (data directory, local storage); `allowed_roots`
    bound what the web admin may add.
    """

    def __init__(
        self,
        folders: MusicFolderRepository,
        songs: SongRepository,
        *,
        protected: Sequence[Path],
        allowed_roots: Sequence[Path],
        clock: Callable[[], datetime],
    ) -> None:
        self._folders = folders
        self._songs = songs
        self._protected = [_resolve(p) for p in protected]
        self._allowed_roots = [_resolve(p) for p in allowed_roots]
        self._clock = clock

    async def list_folders(self) -> list[MusicFolder]:
        """Every music folder, by id."""
        return await self._folders.list_folders()

    async def get(self, folder_id: int) -> MusicFolder:
        """One folder; raises MusicFolderNotFound."""
        return await self._folders.get(folder_id)

    async def statuses(self) -> list[MusicFolderStatus]:
        """Every folder with its live song count and whether it is there now."""
        folders = await self._folders.list_folders()
        counts = await self._folders.song_counts()
        exists = await asyncio.gather(*(asyncio.to_thread(f.fs_path.is_dir) for f in folders))
        return [
            MusicFolderStatus(folder, counts.get(folder.id, 0), found)
            for folder, found in zip(folders, exists, strict=True)
        ]

    async def find(self, which: str) -> MusicFolder:
        """The folder with this id, or at this path; raises MusicFolderNotFound."""
        if which.strip().isdigit():
            return await self._folders.get(int(which))
        text = path_to_text(await asyncio.to_thread(_resolve, Path(which)))
        for folder in await self._folders.list_folders():
            if folder.path == text:
                return folder
        raise MusicFolderNotFound(which)

    async def containing(self, path: Path) -> MusicFolder | None:
        """The music folder that `path` is in (or is), if any."""
        resolved = await asyncio.to_thread(_resolve, path)
        for folder in await self._folders.list_folders():
            if _within(resolved, folder.fs_path):
                return folder
        return None

    async def locate(self, path: str) -> tuple[MusicFolder, bytes] | None:
        """The music folder holding the file `path` (stored text, or a path as Python gives
        it) and the exact bytes of its path relative to that folder; None if outside all."""
        raw = _exact_bytes(path)
        for folder in await self._folders.list_folders():
            root = text_to_bytes(folder.path).rstrip(b"/") + b"/"
            if raw.startswith(root):
                return folder, raw[len(root) :]
        return None

    async def add(self, path: Path, *, from_web: bool = False) -> MusicFolder:
        """Add a music folder; raises InvalidInput (not a folder, nested, tonearm's own
        data), PermissionDenied (web: outside the allowed roots) or AlreadyExists."""
        if from_web:
            if not path.is_absolute():
                raise InvalidInput(f"{path}: give an absolute path")
            # Before looking at the disk (nothing about other folders leaks), `..` folded.
            self._check_allowed(Path(os.path.normpath(path)))
        resolved = await asyncio.to_thread(_resolve, path)
        if from_web:
            self._check_allowed(resolved)  # a symlink must not lead outside either
        if not await asyncio.to_thread(resolved.is_dir):
            raise InvalidInput(f"{_shown(path)}: no such folder")
        self._check_not_protected(resolved)
        for folder in await self._folders.list_folders():
            if folder.fs_path == resolved:
                raise AlreadyExists(f"{_shown(resolved)} is already music folder {folder.id}")
            self._check_not_nested(resolved, folder)
        return await self._insert(resolved)

    async def remove(self, folder_id: int) -> int:
        """Remove a folder and tombstone its songs; returns how many were tombstoned."""
        folder = await self._folders.get(folder_id)
        removed = 0
        now = self._clock()
        # Songs first: if this stops half-way the folder is still listed, and removing it
        # again (or a rescan, which revives them) finishes the job.
        async for known in self._songs.scanned_files(folder.path):
            await self._songs.tombstone(known.song_id, now)
            removed += 1
        await self._folders.remove(folder_id)
        log.info("music_folder.removed", folder=folder.display, songs=removed)
        return removed

    async def seed(self, configured: Sequence[Path]) -> list[MusicFolder]:
        """Add each configured folder not yet in the table (missing folders too: the scan
        then reports them missing, as an unmounted disk should be); returns those added."""
        added: list[MusicFolder] = []
        for path in configured:
            resolved = await asyncio.to_thread(_resolve, path)
            try:
                self._check_not_protected(resolved)
            except InvalidInput as error:
                log.error("music_folder.not_seeded", folder=str(path), reason=str(error))
                continue
            existing = await self._folders.list_folders()
            if any(_within(resolved, f.fs_path) for f in existing):
                continue  # already read, as itself or inside a wider folder
            for inner in (f for f in existing if _within(f.fs_path, resolved)):
                # The setting names the wider folder: it takes over the narrower one's songs.
                await self._folders.remove(inner.id)
            try:
                added.append(await self._insert(resolved))
            except AlreadyExists:
                continue  # another process seeded it at the same moment
        return added

    async def record_scan(self, folder_id: int, summary: dict[str, Any]) -> None:
        """Remember what the folder's last scan did."""
        await self._folders.record_scan(folder_id, self._clock(), summary)

    async def _insert(self, resolved: Path) -> MusicFolder:
        text = path_to_text(resolved)
        folder = await self._folders.add(text, display_path(folder_name(text)), self._clock())
        log.info("music_folder.added", folder=folder.display, id=folder.id)
        return folder

    def _check_allowed(self, path: Path) -> None:
        if not self._allowed_roots:
            raise PermissionDenied(
                "adding music folders from the web is turned off: the server's owner can "
                f"set {ROOTS_SETTING} to the folders under which they may be added "
                "(or run `tonearm folders add PATH` on the server)"
            )
        if not any(_within(path, root) for root in self._allowed_roots):
            roots = ", ".join(_shown(root) for root in self._allowed_roots)
            raise PermissionDenied(f"{_shown(path)} is not under {ROOTS_SETTING} ({roots})")

    def _check_not_protected(self, path: Path) -> None:
        for own in self._protected:
            if _within(path, own) or _within(own, path):
                raise InvalidInput(
                    f"{_shown(path)} holds or lies inside tonearm's own data ({_shown(own)})"
                )

    @staticmethod
    def _check_not_nested(path: Path, folder: MusicFolder) -> None:
        if _within(path, folder.fs_path):
            raise InvalidInput(
                f"{_shown(path)} is inside music folder {folder.id} ({folder.display})"
            )
        if _within(folder.fs_path, path):
            raise InvalidInput(
                f"{_shown(path)} contains music folder {folder.id} ({folder.display}); "
                "remove that one first"
            )


def _exact_bytes(path: str) -> bytes:
    # A str with lone surrogates comes from the file system (surrogateescape); anything
    # else is stored text, whose escaped bytes text_to_bytes gives back exactly.
    if any("\udc80" <= char <= "\udcff" for char in path):
        return os.fsencode(path)
    return text_to_bytes(path)


def _shown(path: Path) -> str:
    return display_path(path_to_text(path))
