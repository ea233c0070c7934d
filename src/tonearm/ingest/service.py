"""LibraryIngest: the entry points (scan, import, upload) over one pipeline."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from tonearm.adapters.storage.base import ObjectStore
from tonearm.errors import InvalidInput
from tonearm.ingest.batch import import_paths
from tonearm.ingest.cleanup import remove_orphan_objects, remove_stale_temp_folders
from tonearm.ingest.enrichment import (
    DecodedAudioAnalysis,
    Enricher,
    EnrichmentReporter,
    EnrichmentSummary,
)
from tonearm.ingest.enrichment_queue import EnrichmentCounts, EnrichmentQueue
from tonearm.ingest.models import RenditionKind
from tonearm.ingest.pending import PendingImports, RepairSummary
from tonearm.ingest.pipeline import ImportOrigin, IngestPipeline, IngestResult
from tonearm.ingest.repair import finish_pending_imports
from tonearm.ingest.report import BatchSummary, IngestReporter, SilentReporter
from tonearm.ingest.scan import FileIdentity, LibraryScanner
from tonearm.library.paths import text_to_path
from tonearm.library.repository import SongRepository

STALE_TEMP_SECONDS = 3600.0


class LibraryIngest:
    """How music gets into the library; every entry point runs the same pipeline."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        songs: SongRepository,
        store: ObjectStore,
        *,
        concurrency: int,
        temp_dir: Path,
        orphan_grace: timedelta = timedelta(hours=1),
        enrichment: EnrichmentQueue,
        identify: FileIdentity,
        scan_pipeline: IngestPipeline | None = None,
        pending: PendingImports | None = None,
        enrich_jobs: int = 1,
        analysis: DecodedAudioAnalysis | None = None,
    ) -> None:
        self.pipeline = pipeline
        self._enrich_jobs = enrich_jobs
        self._analysis = analysis
        self._pending = pending
        self._songs = songs
        self._store = store
        self._concurrency = concurrency
        self._temp_dir = temp_dir
        self._orphan_grace = orphan_grace
        self._enrichment = enrichment
        # Scanned songs: renditions per TONEARM_SCAN_RENDITIONS, ffmpeg at lowered priority.
        self.scan_pipeline = scan_pipeline or pipeline
        self._scanner = LibraryScanner(
            self.scan_pipeline, songs, enrichment, identify, concurrency=concurrency
        )

    async def scan(
        self, folders: list[Path], reporter: IngestReporter | None = None
    ) -> BatchSummary:
        """Phase 1: bring the library in line with the music folders (read in place); new
        and changed songs are listed at once and queued for enrichment."""
        await self.clean_leftovers()
        return await self._scanner.scan(folders, reporter or SilentReporter())

    async def enrich(
        self, jobs: int | None = None, reporter: EnrichmentReporter | None = None
    ) -> EnrichmentSummary:
        """Phase 2: enrich queued songs, `jobs` at a time (default TONEARM_ENRICH_JOBS),
        until none is left."""
        enricher = Enricher(
            self.scan_pipeline,
            self._songs,
            self._enrichment,
            self._scanner.rescan_file,
            analysis=self._analysis,
            temp_dir=self._temp_dir,
        )
        return await enricher.run(jobs or self._enrich_jobs, reporter)

    async def enrichment_status(self) -> EnrichmentCounts:
        """How many scanned songs wait for, are in, failed or finished enrichment."""
        return await self._enrichment.counts(self.pipeline.now())

    async def import_paths(
        self,
        paths: list[Path],
        reporter: IngestReporter | None = None,
        *,
        jobs: int | None = None,
        move: bool = False,
    ) -> BatchSummary:
        """Copy (or move) music files into storage and the library."""
        await self.clean_leftovers()
        return await import_paths(
            self.pipeline,
            paths,
            reporter or SilentReporter(),
            jobs=jobs or self._concurrency,
            move=move,
        )

    async def ingest_upload(
        self,
        path: Path,
        name: str | None = None,
        *,
        uploader_id: UUID | None = None,
        upload_key: str | None = None,
    ) -> IngestResult:
        """One uploaded file (already on local disk, alone in its folder), as the upload job
        runs it; a failure is recorded under `name`, what the user uploaded it as."""
        origin = ImportOrigin("upload", uploader_id, upload_key)
        return await self.pipeline.ingest_file(
            path, in_place=False, source="upload", root=path.parent, shown_as=name, origin=origin
        )

    async def finish_pending_imports(self) -> RepairSummary:
        """Finish every import a killed process left between "original stored" and "song
        listed" (run at each start of `serve` and `worker`, see FINISH_PENDING_JOB)."""
        if self._pending is None:
            return RepairSummary()
        return await finish_pending_imports(
            self.pipeline, self._pending, self._songs, self._store, self._temp_dir
        )

    async def rerender(
        self, song_id: UUID, kinds: Collection[RenditionKind]
    ) -> list[RenditionKind]:
        """Render the song's missing `kinds` again from its original (kept in storage, or
        read in place). Raises SongNotFound, IngestError, ObjectNotFound."""
        song = await self._songs.get(song_id)
        if song.original_key is None:
            if song.original_path is None:
                raise InvalidInput(f"song {song_id} has no original to render from")
            source = text_to_path(song.original_path)  # the stored text's exact bytes
            return await self.pipeline.rerender(song_id, source, kinds)
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tonearm-ingest-", dir=self._temp_dir) as tmp:
            source = Path(tmp) / Path(song.original_key).name
            with source.open("wb") as file:
                async for chunk in self._store.get_range(song.original_key):
                    await asyncio.to_thread(file.write, chunk)
            return await self.pipeline.rerender(song_id, source, kinds)

    async def clean_leftovers(self, now: datetime | None = None) -> int:
        """Remove what interrupted ingests left: orphaned objects, stale temp folders."""
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(remove_stale_temp_folders, self._temp_dir, STALE_TEMP_SECONDS)
        return await remove_orphan_objects(
            self._store,
            self._songs,
            now=now or self.pipeline.now(),
            grace=self._orphan_grace,
            pending=self._pending,
        )
