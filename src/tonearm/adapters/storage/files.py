"""Range reads of originals that stay in the music folders (scanned, not imported)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from typing import BinaryIO

from tonearm.adapters.storage.base import ThreadReads, check_range
from tonearm.errors import NotFound
from tonearm.library.paths import display_path, text_to_path

CHUNK_BYTES = 256 * 1024
# A range up to this long is read in one piece: the windows players ask for (64 KiB - 1 MiB)
# then cost one thread hop and go out as one body (api/object_response.py).
WINDOW_BYTES = 1024 * 1024


class OriginalGone(NotFound):
    """The file was moved or deleted since the last scan."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the original file is gone (rescan the library): {display_path(path)}")


class LocalFileReader:
    """Streams byte ranges of local files in large chunks, off the event loop."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._chunk_bytes = chunk_bytes

    async def read_range(self, path: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` inclusive (None: to the end); raises OriginalGone first."""
        async for chunk in read_file_range(lambda: _open(path), start, end, self._chunk_bytes):
            yield chunk


async def read_file_range(
    open_file: Callable[[], BinaryIO], start: int, end: int | None, chunk_bytes: int
) -> AsyncIterator[bytes]:
    """Bytes `start`..`end` inclusive of the file `open_file` opens, in chunks of at most
    `chunk_bytes`, off the event loop; `open_file`'s errors are raised before any chunk.

    A range of at most WINDOW_BYTES (a player's Range window) is read whole at once: on
    the event loop when the page cache holds it, else by one thread hop. Longer reads
    open, seek and read their first chunk in one hop.
    """
    check_range(start, end)
    remaining = None if end is None else end - start + 1
    if remaining is not None and remaining <= WINDOW_BYTES:
        chunk_bytes = max(chunk_bytes, remaining)

    def want() -> int:
        return chunk_bytes if remaining is None else min(chunk_bytes, remaining)

    def open_and_read(size: int) -> tuple[ThreadReads, bytes]:
        file = open_file()
        try:
            file.seek(start)
            return ThreadReads(file), file.read(size)
        except BaseException:
            file.close()
            raise

    if remaining is not None and remaining <= WINDOW_BYTES:
        # A window the page cache already holds is read here: a thread hop would cost
        # more than the copy. Anything else (a cold file, a whole-file read) goes to a thread.
        file = open_file()
        reader = ThreadReads(file)
        try:
            chunk = read_if_cached(file, start, remaining)
            if chunk is None:
                file.seek(start)
                chunk = await asyncio.to_thread(reader.read, want())
            else:
                file.seek(start + len(chunk))
        except BaseException:
            reader.close()
            raise
    else:
        reader, chunk = await asyncio.to_thread(open_and_read, want())
    try:
        while chunk:
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
            if remaining is not None and remaining <= 0:
                return
            chunk = await asyncio.to_thread(reader.read, want())
    finally:
        # Also when the consumer abandons the generator with a read still in its thread:
        # ThreadReads then leaves the close to that thread (see its docstring).
        reader.close()


def read_if_cached(reader: BinaryIO, start: int, size: int) -> bytes | None:
    """Up to `size` bytes at `start`, when the page cache holds the window's first and last
    bytes (Linux's RWF_NOWAIT probes them without waiting for the disk); else None.

    A window is read ahead as a whole, so its two ends stand for the rest; the read itself
    is one os.pread, a single copy into the bytes it returns.
    """
    if _NOWAIT is None or size <= 0:
        return None
    descriptor = reader.fileno()
    probe = bytearray(1)
    try:
        for offset in (start, start + size - 1):
            if os.preadv(descriptor, [probe], offset, _NOWAIT) == 0 and offset == start:
                return b""  # at or past the end
    except OSError:  # EAGAIN: not cached; EOPNOTSUPP: a file system without it
        return None
    return os.pread(descriptor, size, start)


_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)


def _open(path: str) -> BinaryIO:
    try:
        # `path` is the stored text (library/paths.py): open the exact bytes it came from.
        # Unbuffered: each read is one read(2) straight into the chunk, no second copy.
        return open(text_to_path(path), "rb", buffering=0)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise OriginalGone(path) from None
