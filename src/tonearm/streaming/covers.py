"""Cover images at the size an app asks for (Subsonic getCoverArt).

Covers are stored at a few sizes (96, 300, 1200 px, never upscaled). A request for another
size is served from the smallest stored one at least that big, scaled down by an
ImageResizer in a thread, and the result is kept in the cache for a week: the same grid of
thumbnails costs one resize per cover. A request for more than the largest stored size
gets the largest (no upscaling).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from tonearm.adapters.cache.base import Cache
from tonearm.streaming.models import MediaNotFound, MediaSource
from tonearm.streaming.service import StreamService

# (image bytes, longer side in px) → the image scaled down to it, in its own format.
# Blocking (Pillow): called through asyncio.to_thread.
ImageResizer = Callable[[bytes, int], bytes]

RESIZED_TTL_SECONDS = 7 * 24 * 3600
# JPEG first: every app shows it.
_FORMAT_PREFERENCE = ("jpg", "webp")


@dataclass(frozen=True, slots=True)
class CoverBytes:
    """A cover image to send, with its type and a validator for conditional requests."""

    body: bytes
    content_type: str
    etag: str


class CoverArtService:
    """A song's stored cover, scaled to the size asked for."""

    def __init__(self, streaming: StreamService, cache: Cache, resize: ImageResizer) -> None:
        self._streaming = streaming
        self._cache = cache
        self._resize = resize

    async def cover(self, song_id: UUID, size_px: int | None) -> CoverBytes:
        """The song's cover with its longer side `size_px` (None: the largest stored);
        raises SongNotFound, or MediaNotFound when it has no cover."""
        media = await self._streaming.song_media(song_id)
        stored = _stored_covers(media.objects)
        if not stored:
            raise MediaNotFound(song_id, "cover art")
        bigger = [cover for cover in stored if size_px is not None and cover[0] >= size_px]
        stored_px, source = bigger[0] if bigger else stored[-1]
        if size_px is None or stored_px <= size_px:
            return CoverBytes(await self._read(source), source.content_type, source.etag)
        etag = f'{source.etag[:-1]}-{size_px}"'
        key = f"art:resized:{song_id}:{source.kind}:{size_px}:{source.etag}"
        # A cached copy spares reading the stored image (a round trip to S3 when scaled out).
        resized = await self._cache.get(key)
        if resized is None:
            resized = await asyncio.to_thread(self._resize, await self._read(source), size_px)
            await self._cache.set(key, resized, ttl_seconds=RESIZED_TTL_SECONDS)
        return CoverBytes(resized, source.content_type, etag)

    async def _read(self, source: MediaSource) -> bytes:
        chunks = [chunk async for chunk in self._streaming.read(source, 0, None)]
        return b"".join(chunks)


def _stored_covers(objects: dict[str, MediaSource]) -> list[tuple[int, MediaSource]]:
    """Stored covers of the preferred format (`art-<size>-<format>`), smallest first."""
    by_format: dict[str, list[tuple[int, MediaSource]]] = {}
    for kind, source in objects.items():
        parts = kind.split("-")
        if len(parts) == 3 and parts[0] == "art" and parts[1].isdigit():
            by_format.setdefault(parts[2], []).append((int(parts[1]), source))
    for image_format in (*_FORMAT_PREFERENCE, *sorted(by_format)):
        if image_format in by_format:
            return sorted(by_format[image_format], key=lambda cover: cover[0])
    return []


__all__ = ["RESIZED_TTL_SECONDS", "CoverArtService", "CoverBytes", "ImageResizer"]
