"""On-the-fly transcodes for Subsonic `stream`: a bounded number at once, bytes as they come.

Pre-encoded renditions are served whenever one fits (`delivery.choose_delivery`); what is
left is encoded by a Transcoder (ffmpeg, in adapters/ffmpeg/transcode.py) while it is sent.
At most `slots` run at once per process; a request beyond that waits for a slot up to
`wait_seconds`, then fails with TranscodeBusy (Unavailable) rather than queueing forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from tonearm.errors import NotFound, Unavailable
from tonearm.library.paths import text_to_path
from tonearm.streaming.decision import ClientInfo, TranscodeDecision, decide
from tonearm.streaming.delivery import Delivery, Remux, StreamRequest, Transcode, choose_delivery
from tonearm.streaming.models import RENDITION_FORMATS, MediaSource
from tonearm.streaming.service import StreamService

DEFAULT_WAIT_SECONDS = 30.0
# Where a source in object storage is read from, when the store cannot presign a URL.
PRESIGNED_INPUT_TTL = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class TranscodeInput:
    """Where the transcoder reads the source: a local path, a URL, or bytes fed to it."""

    path: str | None = None
    url: str | None = None
    chunks: AsyncIterator[bytes] | None = None


class Transcoder(Protocol):
    """Encodes audio while it is read. Implemented in adapters/ffmpeg/transcode.py."""

    def transcode(
        self, job: Transcode | Remux, source: TranscodeInput
    ) -> AsyncGenerator[bytes, None]:
        """The encoded (or, for a Remux, repackaged) bytes of `job`, in chunks of at most
        64 KiB, as they are made.

        Closing the iterator stops the encoder. Raises the encoder's failure or timeout.
        """
        ...


class TranscodeBusy(Unavailable):
    """Every transcode slot stayed busy for as long as a request may wait."""

    def __init__(self, slots: int, wait_seconds: float) -> None:
        super().__init__(
            f"all {slots} transcode slots stayed busy for {wait_seconds:g} s; try again, "
            "or ask for a bitrate a stored rendition has"
        )


class SourceUnreadable(NotFound):
    """ffmpeg could not read the song's audio (a damaged file, or one without an audio
    stream) and nothing was sent: there is no playable audio to give."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the song's audio could not be read ({detail})")


class TranscodeSlots:
    """How many transcodes may run at once: one semaphore shared by a process's requests."""

    def __init__(self, slots: int, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._semaphore = asyncio.Semaphore(slots)
        self._in_use = 0
        self._waiting = 0
        self.granted = 0  # slots handed out so far, in order: the n-th holder got number n

    @property
    def in_use(self) -> int:
        """Transcodes running now."""
        return self._in_use

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return self._waiting

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[int]:
        """Hold a slot for the block; yields the slot's grant number. Raises TranscodeBusy."""
        self._waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._semaphore.acquire()
        except TimeoutError:
            raise TranscodeBusy(self.slots, self.wait_seconds) from None
        finally:
            self._waiting -= 1
        self._in_use += 1
        self.granted += 1
        try:
            yield self.granted
        finally:
            self._in_use -= 1
            self._semaphore.release()


class TranscodeService:
    """Chooses what a Subsonic stream sends and runs the transcodes it needs."""

    def __init__(
        self,
        streaming: StreamService,
        transcoder: Callable[[], Transcoder],
        slots: TranscodeSlots,
    ) -> None:
        self._streaming = streaming
        self._transcoder = transcoder  # built on first use: finding ffmpeg may fail
        self.slots = slots

    async def delivery(self, song_id: UUID, request: StreamRequest) -> Delivery:
        """What to send for the song (see streaming/delivery.py); raises SongNotFound."""
        media = await self._streaming.song_media(song_id)
        pending = {
            kind: made
            for kind in RENDITION_FORMATS
            if (made := self._streaming.pending(media, kind)) is not None
        }
        return choose_delivery(media, request, pending)

    async def decision(self, song_id: UUID, client: ClientInfo) -> TranscodeDecision:
        """Direct play or which transcode, for this client (OpenSubsonic transcoding);
        raises SongNotFound."""
        return decide(await self._streaming.song_media(song_id), client)

    async def original(self, song_id: UUID) -> MediaSource:
        """The song's original file (Subsonic download); raises SongNotFound."""
        return choose_delivery(
            await self._streaming.song_media(song_id), StreamRequest(format="raw")
        ).source

    async def transcode(self, job: Transcode | Remux) -> AsyncGenerator[bytes, None]:
        """The encoded (or remuxed) stream, once a slot is free; the slot is held until the iterator is
        exhausted or closed. Raises TranscodeBusy, or the transcoder's failure."""
        async with self.slots.hold():
            encoded = self._transcoder().transcode(job, await self._input(job.source))
            try:
                async for chunk in encoded:
                    yield chunk
            finally:
                await encoded.aclose()

    async def _input(self, source: MediaSource) -> TranscodeInput:
        if source.path is not None:
            return TranscodeInput(path=str(text_to_path(source.path)))  # exact bytes
        expires_at = self._streaming.now() + PRESIGNED_INPUT_TTL
        url = await self._streaming.presigned_url(source, expires_at)
        if url is not None:
            return TranscodeInput(url=url)
        return TranscodeInput(chunks=self._streaming.read(source, 0, None))


async def exactly(chunks: AsyncIterator[bytes], length: int) -> AsyncIterator[bytes]:
    """`chunks` cut or padded with zero bytes to `length`: a transcode sent with an estimated
    Content-Length must match it (decoders ignore trailing zeros)."""
    sent = 0
    try:
        async for chunk in chunks:
            if sent + len(chunk) >= length:
                yield chunk[: length - sent]
                sent = length
                break
            sent += len(chunk)
            yield chunk
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    while sent < length:
        pad = min(64 * 1024, length - sent)
        sent += pad
        yield bytes(pad)


__all__ = [
    "TranscodeBusy",
    "TranscodeInput",
    "TranscodeService",
    "TranscodeSlots",
    "Transcoder",
    "exactly",
]
