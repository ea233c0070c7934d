"""Phase 2 of a scan: enrichment, as durable, resumable, prioritised work.

Songs phase 1 listed wait in the enrichment queue (a database table). Workers claim them
one at a time under a lease — most recently played first, then newest — and run, for each:

  1. check     — the file is still what phase 1 saw (size, mtime); else the result would be
                 for other bytes: phase 1 runs again for the file, which queues it afresh
  2. decode    — one ffmpeg decode (under `nice`): PCM identity hash, exact duration,
                 loudness and ReplayGain, waveform, fingerprint, the preview's place
  3. check     — again, for a file that changed while it was decoded
  4. identify  — store the hash; a song with the same audio is merged (the older id stays,
                 with all history; the other id becomes an alias)
  5. render    — the pipeline's render stage: waveform, preview, cover art, and the full
                 renditions only when TONEARM_SCAN_RENDITIONS is eager; album ReplayGain;
                 then audio analysis (tempo, key, …) of the PCM step 2 wrote on the side,
                 when analysis is on and installed (else step 2 writes none)
  6. finish    — done, unless the song was queued again meanwhile

Every write is idempotent (objects keyed by song and kind, rows upserted), so a worker
killed anywhere leaves a claim whose lease runs out; the next worker does it again and ends
with the same rows, never a second song. An art-only claim (the folder's cover file
appeared, changed or went) runs only the cover part of step 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from uuid import UUID

import structlog

from tonearm.ingest.enrichment_queue import AudioOutcome, EnrichmentQueue, EnrichmentTask
from tonearm.ingest.models import IngestError
from tonearm.ingest.pipeline import IngestPipeline, IngestResult, SourceFile
from tonearm.library.models import ScannedFile, Song, SongNotFound
from tonearm.library.paths import path_to_text, text_to_path
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)

Rescan = Callable[[Path, ScannedFile], Awaitable[IngestResult]]


class DecodedAudioAnalysis(Protocol):
    """Audio analysis fed by the enrichment decode (AnalysisService): no second decode."""

    async def wants_pcm(self) -> bool:
        """Whether to decode the analysis PCM on the side (analysis on and installed)."""
        ...

    async def analyse_decoded(self, song_id: UUID, pcm: Path) -> str:
        """Analyse the PCM the decode wrote and keep the result; never fails the song."""
        ...


class EnrichmentReporter(Protocol):
    """Told about each song as enrichment goes (the CLI draws a bar from it)."""

    def song_finished(self, outcome: str, label: str) -> None:
        """One claim ended: enriched, merged, art, changed, gone or failed."""
        ...


@dataclass
class EnrichmentSummary:
    """What a run did, by outcome, with the failures' reasons."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """A JSON-able form (job results)."""
        return {
            **self.counts,
            "failures": [{"song": s, "reason": r} for s, r in self.failures[:50]],
        }


class Enricher:
    """Drains the enrichment queue, `jobs` songs at a time."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        songs: SongRepository,
        queue: EnrichmentQueue,
        rescan: Rescan,
        *,
        lease: timedelta = DEFAULT_LEASE,
        worker_name: str | None = None,
        analysis: DecodedAudioAnalysis | None = None,
        temp_dir: Path | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._songs = songs
        self._queue = queue
        self._rescan = rescan
        self._lease = lease
        self._worker = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        self._analysis = analysis
        self._temp_dir = temp_dir
        self._wants_pcm = False  # settled at each run's start

    async def run(
        self, jobs: int = 1, reporter: EnrichmentReporter | None = None
    ) -> EnrichmentSummary:
        """Enrich until no song is left to claim; `jobs` claims run at once."""
        summary = EnrichmentSummary()
        self._wants_pcm = self._analysis is not None and await self._analysis.wants_pcm()

        async def worker(number: int) -> None:
            while True:
                now = self._pipeline.now()
                task = await self._queue.claim(f"{self._worker}:{number}", now, self._lease)
                if task is None:
                    return
                outcome, label, reason = await self._enrich_with_lease(task)
                summary.counts[outcome] += 1
                if reason is not None:
                    summary.failures.append((label, reason))
                if reporter is not None:
                    reporter.song_finished(outcome, label)

        await asyncio.gather(*(worker(n) for n in range(max(1, jobs))))
        return summary

    async def _enrich_with_lease(self, task: EnrichmentTask) -> tuple[str, str, str | None]:
        renewing = asyncio.create_task(self._renew(task))
        try:
            return await self.enrich(task)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _renew(self, task: EnrichmentTask) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            await self._queue.renew(task, self._pipeline.now(), self._lease)

    async def enrich(self, task: EnrichmentTask) -> tuple[str, str, str | None]:
        """Run the stages for one claimed song: (outcome, label, failure reason)."""
        try:
            song = await self._songs.get(task.song_id)
        except SongNotFound:
            return "gone", str(task.song_id), None  # merged or deleted meanwhile
        label = song.original_path or str(song.id)
        if song.original_path is None or song.deleted_at is not None:
            await self._queue.finish(task, self._pipeline.now())
            return "gone", label, None
        path = text_to_path(song.original_path)  # stored as database text (library/paths.py)
        try:
            if not await self._still_queued_file(task, path):  # 1. check
                return await self._requeue(task, path, song.audio_hash), label, None
            if task.art_only:
                await self._pipeline.store_cover(song.id, path)
                await self._queue.finish(task, self._pipeline.now())
                return "art", label, None
            with self._analysis_pcm() as pcm:
                return await self._decode_and_finish(task, song, label, path, pcm)
        except IngestError as error:
            # Not usable audio after all (mutagen read it, ffmpeg refuses it): unlisted,
            # remembered as a failure so rescans skip it until it changes.
            now = self._pipeline.now()
            await self._queue.fail(task, error.reason, now)
            await self._songs.tombstone(song.id, now)
            await self._songs.record_failure(
                path_to_text(path), error.reason, "scan", task.size_bytes, task.mtime_ns, now
            )
            log.warning("enrich.failed", path=str(path), reason=error.reason)
            return "failed", label, error.reason
        except Exception as error:  # one song's bug must not stop the queue
            log.exception("enrich.crashed", song_id=str(song.id))
            await self._queue.fail(task, f"{type(error).__name__}: {error}", self._pipeline.now())
            return "failed", label, f"{type(error).__name__}: {error}"

    async def _decode_and_finish(
        self, task: EnrichmentTask, song: Song, label: str, path: Path, pcm: Path | None
    ) -> tuple[str, str, str | None]:
        """Stages 2–6 (see the module's docstring); with `pcm`, the decode writes the audio
        analyser's PCM there too and the song is analysed before it is finished."""
        analysis = await self._pipeline.analyse(path, pcm)  # 2. decode
        if not await self._still_queued_file(task, path):  # 3. check again
            return await self._requeue(task, path, song.audio_hash), label, None
        now = self._pipeline.now()
        record = await self._queue.record_audio(song.id, analysis, now)  # 4. identify
        tags = await self._pipeline.read_tags(path)
        source = SourceFile(
            path, task.size_bytes or 0, task.mtime_ns or 0, analysis, tags, in_place=True
        )
        await self._pipeline.render(record.song_id, source)  # 5. render
        if pcm is not None and self._analysis is not None:
            await self._analysis.analyse_decoded(record.song_id, pcm)  # same decode's PCM
        if record.outcome is AudioOutcome.MERGED_AWAY:
            kept = await self._songs.get(record.song_id)
            if kept.original_path == song.original_path:  # it took this file over, queue row too
                await self._queue.finish(replace(task, song_id=kept.id), self._pipeline.now())
            log.info("enrich.merged", dropped=str(song.id), kept=str(record.song_id))
            return "merged", label, None
        await self._queue.finish(task, self._pipeline.now())  # 6. finish
        return ("merged" if record.dropped_id else "enriched"), label, None

    @contextlib.contextmanager
    def _analysis_pcm(self) -> Iterator[Path | None]:
        """A temp file for the analysis PCM when analysis wants it (deleted afterwards)."""
        if self._analysis is None or not self._wants_pcm:
            yield None
            return
        handle, name = tempfile.mkstemp(prefix="tonearm-enrich-", suffix=".f32", dir=self._temp_dir)
        os.close(handle)
        try:
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    async def _still_queued_file(self, task: EnrichmentTask, path: Path) -> bool:
        try:
            stat = await asyncio.to_thread(path.stat)
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (task.size_bytes, task.mtime_ns)

    async def _requeue(self, task: EnrichmentTask, path: Path, audio_hash: str) -> str:
        """The file changed or went after it was queued: drop this result, read the file
        again (phase 1, which queues it afresh), or leave a vanished one to the next scan."""
        if not await asyncio.to_thread(path.exists):
            await self._queue.fail(task, "file not found (moved or removed?)", self._pipeline.now())
            return "gone"
        known = ScannedFile(
            task.song_id, path_to_text(path), task.size_bytes, task.mtime_ns, audio_hash
        )
        await self._rescan(path, known)
        log.info("enrich.requeued", path=str(path))
        return "changed"
