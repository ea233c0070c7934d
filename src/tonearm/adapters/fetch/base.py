"""The Fetcher interface: getting a document or a large file from an untrusted URL.

Podcast feeds and enclosures are addresses anyone can type, so every fetch is bounded
(time, size, redirects) and may not reach the server's own network. Implementation:
guarded.py. Standard library only, so every domain may import it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from tonearm.errors import InvalidInput, TonearmError, TooLarge


class FetchError(TonearmError):
    """A fetch that did not give a usable answer; the message says why, for people."""


class FetchRefused(FetchError, InvalidInput):
    """The URL (or a redirect) points somewhere tonearm may not fetch from: a loopback,
    private, link-local, multicast or reserved address, a scheme other than http(s), too
    many redirects or a redirect loop."""


class FetchTooLarge(FetchError, TooLarge):
    """The body is over the size cap (counted while it arrives)."""


class FetchTimedOut(FetchError):
    """Connecting, reading or the whole fetch took longer than allowed."""


class FetchFailed(FetchError):
    """The server could not be reached or answered with an error status."""


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A whole (small) body: a feed."""

    url: str  # after redirects
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class FetchedStream:
    """A body read in chunks (an enclosure); `chunks` stops with FetchTooLarge at the cap."""

    url: str
    content_type: str | None
    declared_size_bytes: int | None
    chunks: AsyncIterator[bytes]


class Fetcher(Protocol):
    """Bounded GETs of untrusted URLs."""

    async def fetch(self, url: str, *, max_bytes: int) -> FetchedDocument:
        """The body at `url`; raises a FetchError (Refused, TooLarge, TimedOut, Failed)."""
        ...

    def open(self, url: str, *, max_bytes: int) -> AbstractAsyncContextManager[FetchedStream]:
        """The body at `url` as a stream, within the fetcher's total deadline; raises a
        FetchError on entering or while iterating."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


__all__ = [
    "FetchError",
    "FetchFailed",
    "FetchRefused",
    "FetchTimedOut",
    "FetchTooLarge",
    "FetchedDocument",
    "FetchedStream",
    "Fetcher",
]
