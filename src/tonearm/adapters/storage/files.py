"""Range reads of originals that stay in the music folders (scanned, not imported)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import BinaryIO

from tonearm.adapters.storage.base import check_range
from tonearm.errors import NotFound
from tonearm.library.paths import display_path, text_to_path

CHUNK_BYTES = 256 * 1024


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
        check_range(start, end)
        reader = await asyncio.to_thread(_open, path)
        try:
            await asyncio.to_thread(reader.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = self._chunk_bytes if remaining is None else min(self._chunk_bytes, remaining)
                chunk = await asyncio.to_thread(reader.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            reader.close()


def _open(path: str) -> BinaryIO:
    try:
        # `path` is the stored text (library/paths.py): open the exact bytes it came from.
        return open(text_to_path(path), "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise OriginalGone(path) from None
