"""The ObjectStore interface: where song files and renditions live.

Keys look like `high/3f2c….mp3`: a prefix from the specification and an id, never tag text.
Implementations: LocalObjectStore (a folder, the default) and S3ObjectStore (R2, MinIO, S3).
Standard library only, so every domain may import it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from tonearm.errors import InvalidInput, NotFound

# Letters, digits and . _ - in slash-separated segments: nothing a shell, URL or path
# resolution would reinterpret.
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
MAX_KEY_LENGTH = 512


class InvalidKey(InvalidInput):
    """A storage key that could escape the store or is not in the allowed alphabet."""


class ObjectNotFound(NotFound):
    """No object is stored under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object stored under {key!r}")
        self.key = key


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What a store knows about one object."""

    key: str
    size_bytes: int
    modified_at: datetime
    content_type: str | None = None


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative key, else raise InvalidKey.

    Rejects empty keys, absolute paths, `.`/`..` segments, empty segments, NUL and any
    character outside [A-Za-z0-9._-/].
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key must be 1–{MAX_KEY_LENGTH} characters")
    if "\x00" in key:
        raise InvalidKey("storage key contains a NUL byte")
    if key.startswith("/"):
        raise InvalidKey(f"storage key is absolute: {key!r}")
    for segment in key.split("/"):
        if segment in {"", ".", ".."} or not _KEY_SEGMENT.match(segment):
            raise InvalidKey(f"storage key has a bad segment: {key!r}")
    return key


def check_range(start: int, end: int | None) -> None:
    """Raise InvalidInput unless `start`..`end` (inclusive, None: to the end) is a valid range."""
    if start < 0:
        raise InvalidInput(f"byte range start must be >= 0, got {start}")
    if end is not None and end < start:
        raise InvalidInput(f"byte range end {end} is before its start {start}")


class Closable(Protocol):
    """A file or response body: read and close."""

    def read(self, size: int, /) -> bytes:
        """Up to `size` bytes."""
        ...

    def close(self) -> None:
        """Release it."""
        ...


class ThreadReads:
    """An open file read in worker threads and closed from the event loop, safely.

    A read handed to a thread keeps running when the request that wanted it is cancelled
    (a player hangs up). Closing the file then, while that thread is between taking the
    descriptor's number and its read(2), frees the number for the next accepted socket —
    and the stale read swallows that connection's request, which is never answered. So a
    close while a read is in flight is left to the reading thread, right after its read.
    """

    def __init__(self, file: Closable) -> None:
        self.file = file
        self._lock = threading.Lock()
        self._closing = False

    def read(self, size: int) -> bytes:
        """Up to `size` bytes (b"" once closing); call it from a worker thread."""
        with self._lock:
            data = b"" if self._closing else self.file.read(size)
        if self._closing:
            self._close_if_free()
        return data

    def close(self) -> None:
        """Close now, or as soon as the read in flight ends; never blocks."""
        self._closing = True
        self._close_if_free()

    def _close_if_free(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self.file.close()
            finally:
                self._lock.release()


class ObjectStore(Protocol):
    """Put, read (by byte range), stat, delete, list and presign objects by key."""

    async def put_file(self, key: str, source: Path, content_type: str | None = None) -> ObjectInfo:
        """Store the file at `source` under `key`, replacing any object there.

        The object appears whole or not at all.
        """
        ...

    async def put_stream(
        self, key: str, chunks: AsyncIterator[bytes], content_type: str | None = None
    ) -> ObjectInfo:
        """Store the bytes of `chunks` under `key`; whole or not at all, even if `chunks` fails."""
        ...

    def get_range(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Yield the bytes from `start` to `end` inclusive (None: to the end) in chunks.

        Raises ObjectNotFound before yielding anything when the key is unknown.
        """
        ...

    async def stat(self, key: str) -> ObjectInfo:
        """Size and time of the object; raises ObjectNotFound."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order."""
        ...

    async def presigned_get_url(
        self, key: str, expires_seconds: int, filename: str | None = None
    ) -> str | None:
        """A time-limited URL that serves the object directly, or None if this store cannot
        presign (local disk: the server then serves the bytes itself)."""
        ...

    async def check(self) -> None:
        """Raise Unavailable (with the reason) if the store cannot be used."""
        ...

    async def close(self) -> None:
        """Release connections and threads."""
        ...


__all__ = [
    "InvalidKey",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "check_key",
    "check_range",
]
