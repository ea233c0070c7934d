"""Range reads of originals that stay in the music folders (scanned, not imported)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import BinaryIO

from tonearm.adapters.storage.base import check_range
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

    Opening, seeking and the first read are one thread hop, and a range of at most
    WINDOW_BYTES is read whole by it: a player's Range window costs one hop in all.
    """
    check_range(start, end)
    remaining = None if end is None else end - start + 1
    if remaining is not None and remaining <= WINDOW_BYTES:
        chunk_bytes = max(chunk_bytes, remaining)

    def want() -> int:
        return chunk_bytes if remaining is None else min(chunk_bytes, remaining)

    def open_and_read(size: int) -> tuple[BinaryIO, bytes]:
        reader = open_file()
        try:
            reader.seek(start)
            return reader, reader.read(size)
        except BaseException:
            reader.close()
            raise

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
        # Closing a read-only file does no I/O worth a thread, and it must also run when
        # the consumer abandons the generator.
        reader.close()


def _open(path: str) -> BinaryIO:
    try:
        # `path` is the stored text (library/paths.py): open the exact bytes it came from.
        # Unbuffered: each read is one read(2) straight into the chunk, no second copy.
        return open(text_to_path(path), "rb", buffering=0)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise OriginalGone(path) from None
