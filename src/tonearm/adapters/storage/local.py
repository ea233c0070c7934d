"""LocalObjectStore: objects as files in one folder, the default store.

Keys map to relative paths under the root. Writes go to a uniquely named file in `root/.tmp/`,
are flushed and fsynced, then renamed into place, so a reader or a crash never sees half an
object. `.tmp/` is never an object: keys starting with `.tmp` are refused.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from tonearm.adapters.storage.base import (
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    check_key,
)
from tonearm.adapters.storage.files import read_file_range
from tonearm.errors import Unavailable

CHUNK_BYTES = 64 * 1024
# Reads hand out larger pieces: streaming a song then costs few thread hops and sends
# (measured: the per-chunk cost dominated serving a 3 MB file in 64 KiB pieces).
READ_CHUNK_BYTES = 256 * 1024
TEMP_DIR_NAME = ".tmp"
# A temp file untouched this long belongs to a writer that crashed: no live upload idles a day.
STALE_TEMP_SECONDS = 24 * 3600

# One folder's entries: (name, None) for a folder, (name, stat) for a file. An alias because
# the class's own `list` method would shadow the builtin inside its body.
_FolderEntries = list[tuple[str, os.stat_result | None]]


def _info_from_stat(key: str, status: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size_bytes=status.st_size,
        modified_at=datetime.fromtimestamp(status.st_mtime, tz=UTC),
    )


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry itself reaches the disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_key_segment(name: str) -> bool:
    try:
        check_key(name)
    except InvalidKey:
        return False
    return True


class LocalObjectStore:
    """An ObjectStore in a folder on this machine.

    Content types are not kept: `ObjectInfo.content_type` is always None. Presigned URLs are
    not possible (None), so the server streams the bytes itself. Directories left empty by
    `delete` stay; they are not objects and are never listed.
    """

    def __init__(self, root: Path, *, read_chunk_bytes: int = READ_CHUNK_BYTES) -> None:
        # Resolved once, so the containment check compares real paths on both sides.
        self._root = root.expanduser().resolve()
        self._temp_dir = self._root / TEMP_DIR_NAME
        self._read_chunk_bytes = read_chunk_bytes

    @property
    def root(self) -> Path:
        """The folder objects are kept in (resolved)."""
        return self._root

    def _path_for(self, key: str) -> Path:
        """The file that holds `key`; raises InvalidKey if it is unsafe or lands outside root.

        Blocking (it resolves symlinks on disk): call it from a thread.
        """
        check_key(key)
        if key.split("/", 1)[0] == TEMP_DIR_NAME:
            raise InvalidKey(f"storage key uses the reserved {TEMP_DIR_NAME}/ folder: {key!r}")
        path = self._root / key
        # check_key already stops `..`; this catches a symlink inside root that points out.
        if not path.resolve().is_relative_to(self._root):
            raise InvalidKey(f"storage key resolves outside the store: {key!r}")
        return path

    async def put_file(self, key: str, source: Path, content_type: str | None = None) -> ObjectInfo:
        """Copy the file at `source` under `key`, replacing any object there.

        The object appears whole or not at all. Raises InvalidKey, or OSError if `source`
        cannot be read.
        """

        def copy_into(temp: BinaryIO) -> None:
            with source.open("rb") as reader:
                shutil.copyfileobj(reader, temp, CHUNK_BYTES)

        return await asyncio.to_thread(self._write_atomically, key, copy_into)

    async def put_stream(
        self, key: str, chunks: AsyncIterator[bytes], content_type: str | None = None
    ) -> ObjectInfo:
        """Store the bytes of `chunks` under `key`; whole or not at all, even if `chunks` fails.

        Whatever `chunks` raises is re-raised after the temporary file is removed.
        """
        path = await asyncio.to_thread(self._path_for, key)
        temp_path, temp = await asyncio.to_thread(self._open_temp)
        try:
            async for chunk in chunks:
                await asyncio.to_thread(temp.write, chunk)
            status = await asyncio.to_thread(self._commit, temp, temp_path, path)
        except BaseException:
            # Synchronous on purpose: this must finish even while the task is being cancelled,
            # and closing plus unlinking one file is quick.
            self._discard(temp, temp_path)
            raise
        return _info_from_stat(key, status)

    def _write_atomically(self, key: str, fill: Callable[[BinaryIO], None]) -> ObjectInfo:
        path = self._path_for(key)
        temp_path, temp = self._open_temp()
        try:
            fill(temp)
            status = self._commit(temp, temp_path, path)
        except BaseException:
            self._discard(temp, temp_path)
            raise
        return _info_from_stat(key, status)

    def _open_temp(self) -> tuple[Path, BinaryIO]:
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        temp_path = self._temp_dir / f"{uuid.uuid4().hex}.part"
        # "x": never reuse a file another writer might still hold.
        return temp_path, temp_path.open("xb")

    def _commit(self, temp: BinaryIO, temp_path: Path, path: Path) -> os.stat_result:
        """Make the temp file durable and rename it to `path`; returns its final status."""
        temp.flush()
        os.fsync(temp.fileno())
        status = os.fstat(temp.fileno())
        temp.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidKey(
                f"storage key {path.relative_to(self._root).as_posix()!r} lies under an "
                "existing object"
            ) from None
        if path.is_dir():
            raise InvalidKey(
                f"storage key {path.relative_to(self._root).as_posix()!r} is a folder of "
                "other objects"
            )
        os.replace(temp_path, path)
        _fsync_directory(path.parent)
        return status

    @staticmethod
    def _discard(temp: BinaryIO, temp_path: Path) -> None:
        temp.close()
        temp_path.unlink(missing_ok=True)

    async def get_range(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """Yield the bytes from `start` to `end` inclusive (None: to the end), in chunks of
        `read_chunk_bytes` (256 KiB by default).

        An `end` past the last byte is clamped; a `start` at or past the size yields nothing.
        Raises ObjectNotFound before yielding anything when the key is unknown, InvalidKey
        for an unsafe key and InvalidInput for a negative `start` or an `end` before `start`.
        """
        async for chunk in read_file_range(
            lambda: self._open_for_reading(key), start, end, self._read_chunk_bytes
        ):
            yield chunk

    def _open_for_reading(self, key: str) -> BinaryIO:
        path = self._path_for(key)
        try:
            return path.open("rb", buffering=0)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    async def stat(self, key: str) -> ObjectInfo:
        """Size and time of the object; raises ObjectNotFound or InvalidKey."""
        return await asyncio.to_thread(self._stat_sync, key)

    def _stat_sync(self, key: str) -> ObjectInfo:
        path = self._path_for(key)
        try:
            status = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not stat.S_ISREG(status.st_mode):
            raise ObjectNotFound(key)
        return _info_from_stat(key, status)

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error. Raises InvalidKey."""
        await asyncio.to_thread(self._delete_sync, key)

    def _delete_sync(self, key: str) -> None:
        path = self._path_for(key)
        # A folder of other objects is not an object under this key: nothing to delete.
        # (unlink would fail on it with EISDIR on Linux but EPERM on macOS.)
        if path.is_dir():
            return
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix` (a plain string prefix), in key order.

        Files whose names are not valid keys (put there by hand) and symlinks leading out of
        the root are skipped, since `get_range` would refuse them too.
        """
        folder_key, _, name_start = prefix.rpartition("/")
        if folder_key:
            try:
                await asyncio.to_thread(self._path_for, folder_key)
            except InvalidKey:
                # A valid key's folder part is itself a valid key: nothing can match.
                return
            folder_key += "/"
        # Depth-first, each folder's entries sorted by name with a trailing "/" on folders:
        # that visits keys in exactly their string order, without collecting them all first.
        # The stack holds folders still to scan (status None) and files ready to yield.
        stack: _FolderEntries = [(folder_key, None)]
        first_scan = True
        while stack:
            key, status = stack.pop()
            if status is not None:
                yield _info_from_stat(key, status)
                continue
            entries = await asyncio.to_thread(self._scan, self._root / key, key == "")
            if first_scan:
                entries = [entry for entry in entries if entry[0].startswith(name_start)]
                first_scan = False
            for name, entry_status in reversed(entries):
                stack.append((key + name + ("/" if entry_status is None else ""), entry_status))

    def _scan(self, folder: Path, at_root: bool) -> _FolderEntries:
        """Entries of `folder` in key order: (name, None) for a folder, (name, stat) for a file.

        Leaves out `.tmp/`, names that are not valid key segments, other file types and
        symlinks whose target is outside the root. Symlinked folders are not followed.
        """
        try:
            with os.scandir(folder) as iterator:
                raw = list(iterator)
        except (FileNotFoundError, NotADirectoryError):
            return []
        entries: _FolderEntries = []
        for entry in raw:
            if (at_root and entry.name == TEMP_DIR_NAME) or not _is_key_segment(entry.name):
                continue
            if entry.is_dir(follow_symlinks=False):
                entries.append((entry.name, None))
                continue
            try:
                if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(self._root):
                    continue
                status = entry.stat()
            except OSError:
                continue
            if stat.S_ISREG(status.st_mode):
                entries.append((entry.name, status))
        entries.sort(key=lambda item: item[0] + "/" if item[1] is None else item[0])
        return entries

    async def presigned_get_url(
        self, key: str, expires_seconds: int, filename: str | None = None
    ) -> str | None:
        """Always None: local files cannot be presigned, the server serves them itself."""
        check_key(key)
        return None

    async def check(self) -> None:
        """Create the root if missing and prove it takes a write; else raise Unavailable.

        Also removes temp files that crashed writers left in `.tmp/` over a day ago.
        """
        await asyncio.to_thread(self._check_writable)

    def _check_writable(self) -> None:
        if self._root.exists() and not self._root.is_dir():
            raise Unavailable(f"storage folder {self._root} is not a folder")
        try:
            self._temp_dir.mkdir(parents=True, exist_ok=True)
            probe = self._temp_dir / f"check-{uuid.uuid4().hex}.part"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise Unavailable(f"storage folder {self._root} is not writable: {reason}") from None
        self._remove_stale_temp_files()

    def _remove_stale_temp_files(self) -> None:
        cutoff = time.time() - STALE_TEMP_SECONDS
        for temp_path in self._temp_dir.glob("*.part"):
            try:
                if temp_path.stat().st_mtime < cutoff:
                    temp_path.unlink()
            except FileNotFoundError:
                continue

    async def close(self) -> None:
        """Nothing to release: every file is closed after each call."""


__all__ = ["LocalObjectStore"]
