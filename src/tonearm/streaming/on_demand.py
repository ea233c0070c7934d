"""Renditions made on first request: one encode per (song, rendition), streamed while written.

The delivery model (README "How songs are delivered"): a client asking for a quality whose
rendition is not stored yet gets that rendition, encoded by ffmpeg into a temp file that is
streamed to it as it grows; when ffmpeg finishes, the file goes into the object store and
only then is its row added, so no URL ever names an object that is not there.

Exactly one encode per (song, kind), whatever the concurrency:
- in this process, a registry of running encodes: later requesters attach to the running one
  and read the same temp file from its start (each with its own file handle, so the file can
  be unlinked under them);
- across processes (`serve --workers N`, job workers, other hosts), a claim row with a lease
  (EncodeClaims, in the database): only the winner encodes; a loser answers None and its
  caller serves the original (or the rendition, once stored). The lease is renewed while the
  encode runs, so a claim whose process died lapses within `lease` and is taken over.

A client that goes away stops reading, not the encode: it runs in its own task. At most
`slots` encodes run at once per process, at normal CPU priority (background enrichment runs
its ffmpeg under `nice`, so these go first); with every slot busy, open() answers None at once
rather than making a listener wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol
from uuid import UUID

import structlog

from tonearm.adapters.storage.base import ObjectStore, ThreadReads
from tonearm.ingest.keys import rendition_key
from tonearm.ingest.models import RenditionKind
from tonearm.library.models import StoredRendition
from tonearm.streaming.models import MediaSource, PendingRendition, RenditionFormat
from tonearm.streaming.transcoding import TranscodeInput

log = structlog.get_logger(__name__)

CHUNK_BYTES = 64 * 1024
DEFAULT_LEASE = timedelta(minutes=2)
# How often a reader that caught up with ffmpeg looks for more bytes.
TAIL_POLL_SECONDS = 0.05
TEMP_PREFIX = "tonearm-ondemand-"

Clock = Callable[[], datetime]


class EncodeClaims(Protocol):
    """Who is making which rendition, shared by every process. adapters/db/encode_claims.py."""

    async def claim(
        self, song_id: UUID, kind: str, holder: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Take the claim on (song, kind) until `expires_at` if it is free or lapsed before
        `now`; whether `holder` holds it now. Atomic across processes."""
        ...

    async def renew(self, song_id: UUID, kind: str, holder: str, expires_at: datetime) -> bool:
        """Extend `holder`'s claim; False when it no longer holds it."""
        ...

    async def release(self, song_id: UUID, kind: str, holder: str) -> None:
        """Drop `holder`'s claim, if it still holds it."""
        ...


@dataclass(frozen=True, slots=True)
class EncodedRendition:
    """What the encoder wrote."""

    codec: str
    bitrate_kbps: int
    size_bytes: int
    duration_ms: int


class RenditionEncoder(Protocol):
    """Encodes one rendition into a file, writing as it goes. adapters/ffmpeg/on_demand.py."""

    async def encode(
        self, source: TranscodeInput, format: RenditionFormat, out: Path
    ) -> EncodedRendition:
        """Encode `source` into `out` (created empty beforehand; ffmpeg writes it in place
        and finishes its header at the end). Raises on failure or timeout."""
        ...


class RenditionRows(Protocol):
    """Where a stored rendition is recorded (the library's SongRepository has this)."""

    async def add_rendition(self, song_id: UUID, rendition: StoredRendition) -> None:
        """Record a stored object of the song; called only once the object is stored."""
        ...

    async def renditions(self, song_id: UUID) -> list[StoredRendition]:
        """The song's stored objects."""
        ...


class SourceAccess(Protocol):
    """How an encoder reaches an original (StreamService has these)."""

    def read(self, source: MediaSource, start: int, end: int | None) -> AsyncIterator[bytes]:
        """The object's bytes."""
        ...

    async def presigned_url(self, source: MediaSource, expires_at: datetime) -> str | None:
        """A URL serving the object, or None."""
        ...


class _Encode:
    """One running encode: its temp file, and the events its readers wait on."""

    def __init__(self, pending: PendingRendition, path: Path) -> None:
        self.pending = pending
        self.path = path
        self.claimed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.written = asyncio.Event()  # ffmpeg is done (successfully or not)
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None


class OnDemandRenditions:
    """Starts, shares and finishes the encodes behind pending renditions."""

    def __init__(
        self,
        claims: EncodeClaims,
        encoder: Callable[[], RenditionEncoder],
        store: ObjectStore,
        rows: RenditionRows,
        sources: SourceAccess,
        temp_dir: Path,
        *,
        slots: int = 2,
        lease: timedelta = DEFAULT_LEASE,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._claims = claims
        self._encoder = encoder  # built on first use: finding ffmpeg may fail
        self._store = store
        self._rows = rows
        self._sources = sources
        self._temp_dir = temp_dir
        self.slots = slots
        self._lease = lease
        self._clock = clock
        # Unique per service instance, so two apps in one process are two holders.
        self.holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[tuple[UUID, str], _Encode] = {}
        # Every encode task until it has fully ended (claim released, temp folder gone): an
        # encode leaves `_running` before that, so that no new request joins a finished one.
        self._tasks: set[asyncio.Task[None]] = set()
        self.started = 0  # encodes started by this instance (for tests and metrics)
        self.attached = 0  # readers handed out so far, the encodes' starters included

    @property
    def running(self) -> int:
        """Encodes in flight (claiming or encoding) in this process."""
        return len(self._running)

    async def open(self, pending: PendingRendition) -> AsyncIterator[bytes] | None:
        """The rendition's bytes as they are encoded: from this process's running encode, or
        from one started now. None when this process may not encode it now (another process
        holds the claim, every slot is busy, or it was stored meanwhile): serve what is
        stored instead. The claim on a stored rendition is never taken twice."""
        key = (pending.song_id, pending.format.kind)
        encode = self._running.get(key)
        if encode is None:
            if len(self._running) >= self.slots:
                return None
            encode = self._start(pending)
        # Opened before any await: the temp file may be unlinked later, never under a reader.
        handle = encode.path.open("rb")
        try:
            won = await asyncio.shield(encode.claimed)
        except BaseException:
            handle.close()
            raise
        if not won:
            handle.close()
            return None
        self.attached += 1
        return self._tail(encode, handle)

    @contextlib.asynccontextmanager
    async def hold(self, song_id: UUID, kind: str) -> AsyncIterator[bool]:
        """Claim (song, kind) for a rendition made elsewhere in this process (background
        enrichment, re-rendering): yields whether the claim is held; while it is, no process
        starts an on-demand encode of it (they serve the original). Renewed while held,
        released on exit. Record the rendition's row before leaving the block."""
        now = self._clock()
        if not await self._claims.claim(song_id, kind, self.holder, now, now + self._lease):
            yield False
            return
        renewing = asyncio.create_task(self._renew(song_id, kind))
        try:
            yield True
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.shield(self._claims.release(song_id, kind, self.holder))

    async def drain(self) -> None:
        """Wait until every encode running now has finished: stored, or failed and released."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop every running encode (shutdown): ffmpeg is killed, claims released."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start(self, pending: PendingRendition) -> _Encode:
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=self._temp_dir))
        path = folder / f"{pending.format.kind}.{pending.format.container}"
        path.touch()
        encode = _Encode(pending, path)
        self._running[(pending.song_id, pending.format.kind)] = encode
        encode.task = asyncio.create_task(self._run(encode))
        self._tasks.add(encode.task)
        encode.task.add_done_callback(self._tasks.discard)
        return encode

    async def _run(self, encode: _Encode) -> None:
        pending = encode.pending
        song_id, kind = pending.song_id, pending.format.kind
        claimed = False
        try:
            now = self._clock()
            claimed = await self._claims.claim(song_id, kind, self.holder, now, now + self._lease)
            if claimed and kind in {r.kind for r in await self._rows.renditions(song_id)}:
                # Made and stored since the caller looked: serve that, encode nothing.
                await self._claims.release(song_id, kind, self.holder)
                claimed = False
            encode.claimed.set_result(claimed)
            if not claimed:
                return
            self.started += 1
            log.info("streaming.on_demand_started", song_id=str(song_id), kind=kind)
            renewing = asyncio.create_task(self._renew(song_id, kind))
            try:
                made = await self._encode(encode)
            finally:
                renewing.cancel()
                await asyncio.gather(renewing, return_exceptions=True)
            await self._keep(encode, made)
        except asyncio.CancelledError:
            encode.error = ConnectionAbortedError("the server is stopping")
            raise
        except Exception as error:
            encode.error = encode.error or error
            log.warning(
                "streaming.on_demand_failed", song_id=str(song_id), kind=kind, reason=str(error)
            )
        finally:
            if not encode.claimed.done():
                encode.claimed.set_result(False)
            encode.written.set()
            self._running.pop((song_id, kind), None)
            if claimed:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._claims.release(song_id, kind, self.holder))
            # Readers keep their open handles; the name can go now.
            await asyncio.to_thread(shutil.rmtree, encode.path.parent, True)

    async def _encode(self, encode: _Encode) -> EncodedRendition:
        pending = encode.pending
        try:
            source = await self._input(pending)
            made = await self._encoder().encode(source, pending.format, encode.path)
        except BaseException as error:
            encode.error = error
            raise
        finally:
            # Readers may take the last bytes now; storing the file does not hold them up.
            encode.written.set()
        return made

    async def _keep(self, encode: _Encode, made: EncodedRendition) -> None:
        """Store the finished file, then (only then) record its row."""
        pending = encode.pending
        kind = RenditionKind(pending.format.kind)
        # A key of its own (ingest's name plus a nonce): storage tiering deletes a dropped
        # rendition's object a moment after its row, and must never hit this new one.
        stem, extension = rendition_key(pending.song_id, kind).rsplit(".", 1)
        key = f"{stem}-{uuid.uuid4().hex[:8]}.{extension}"
        info = await self._store.put_file(key, encode.path, pending.format.content_type)
        await self._rows.add_rendition(
            pending.song_id,
            StoredRendition(
                kind=kind.value,
                codec=made.codec,
                bitrate_kbps=made.bitrate_kbps,
                size_bytes=info.size_bytes,
                storage_key=key,
                created_at=self._clock(),
            ),
        )
        log.info(
            "streaming.on_demand_stored",
            song_id=str(pending.song_id),
            kind=kind.value,
            size_bytes=info.size_bytes,
        )

    async def _renew(self, song_id: UUID, kind: str) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 4)
            if not await self._claims.renew(
                song_id, kind, self.holder, self._clock() + self._lease
            ):
                log.warning("streaming.on_demand_claim_lost", song_id=str(song_id), kind=kind)
                return

    async def _input(self, pending: PendingRendition) -> TranscodeInput:
        original = pending.original
        if original.path is not None:
            return TranscodeInput(path=original.path)
        url = await self._sources.presigned_url(original, self._clock() + timedelta(hours=6))
        if url is not None:
            return TranscodeInput(url=url)
        return TranscodeInput(chunks=self._sources.read(original, 0, None))

    async def _tail(self, encode: _Encode, file: BinaryIO) -> AsyncIterator[bytes]:
        """The temp file's bytes from its start, following ffmpeg until it is done."""
        handle = ThreadReads(file)  # closed safely when the listener hangs up mid-read
        try:
            while True:
                done = encode.written.is_set()
                chunk = await asyncio.to_thread(handle.read, CHUNK_BYTES)
                if chunk:
                    yield chunk
                    continue
                if done:
                    if encode.error is not None:
                        raise encode.error
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(encode.written.wait(), TAIL_POLL_SECONDS)
        finally:
            handle.close()


__all__ = [
    "EncodeClaims",
    "EncodedRendition",
    "OnDemandRenditions",
    "RenditionEncoder",
    "RenditionRows",
]
