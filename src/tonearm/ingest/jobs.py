"""Ingest as background jobs: the scheduled rescan of the music folders (all, or one) and
one-file imports (uploads)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tonearm.errors import InvalidInput
from tonearm.ingest.enrichment import EnrichmentSummary
from tonearm.ingest.folder_scan import scan_folders
from tonearm.ingest.pending import FINISH_PENDING_JOB, PendingImports, RepairSummary
from tonearm.ingest.report import BatchSummary
from tonearm.ingest.uploads import UPLOAD_JOB, import_upload
from tonearm.jobs.models import JobContext, JobRun
from tonearm.jobs.registry import JobRegistry
from tonearm.jobs.service import JobService
from tonearm.library.repository import SongRepository

SCAN_JOB = "library.scan"
ENRICH_JOB = "library.enrich"


async def scan_music_folders(context: JobContext) -> Mapping[str, Any]:
    """Rescan the music folders kept in the database, or the one the payload names
    (`{"folder_id": 3}`)."""
    domains = context.domains
    chosen = await domains.folders.list_folders()
    folder_id = context.payload.get("folder_id")
    if folder_id is not None:
        if not isinstance(folder_id, int):
            raise InvalidInput("library.scan: 'folder_id' must be an integer")
        chosen = [await domains.folders.get(folder_id)]
    if not chosen:
        return {
            "skipped": "no music folders: add one with `tonearm folders add PATH`, in the "
            "admin screen, or with TONEARM_MUSIC_FOLDERS"
        }
    summary: BatchSummary = await scan_folders(
        domains.ingest, domains.folders, chosen, playlist_files=domains.playlist_files
    )
    if summary.queued_for_enrichment:
        await request_enrichment(domains.jobs)
    result: dict[str, Any] = summary.as_dict()
    result["folders"] = [folder.id for folder in chosen]
    return result


async def request_enrichment(jobs: JobService) -> None:
    """Queue the enrichment job unless a run is already queued or running (it drains the
    whole queue, so one is enough)."""
    if await jobs.active_run(ENRICH_JOB) is None:
        await jobs.enqueue(ENRICH_JOB)


async def enrich_scanned_songs(context: JobContext) -> Mapping[str, Any]:
    """Phase 2 of scanning: enrich queued songs until none is left (see ingest/enrichment.py)."""
    summary: EnrichmentSummary = await context.domains.ingest.enrich()
    return summary.as_dict()


async def import_file(context: JobContext) -> Mapping[str, Any]:
    """Import one file from local disk (an upload), then delete it when `delete_after`."""
    raw_path = context.payload.get("path")
    if not isinstance(raw_path, str):
        raise InvalidInput("library.import_file needs a 'path'")
    path = Path(raw_path)
    result = await context.domains.ingest.ingest_upload(path)
    if context.payload.get("delete_after"):
        path.unlink(missing_ok=True)
    return {
        "outcome": result.outcome.value,
        "song_id": str(result.song_id) if result.song_id else None,
        "reason": result.reason,
    }


async def finish_pending(context: JobContext) -> Mapping[str, Any]:
    """Finish the imports and uploads a killed process left pending (ingest/repair.py)."""
    summary: RepairSummary = await context.domains.ingest.finish_pending_imports()
    return summary.as_dict()


async def queue_pending_imports(
    jobs: JobService, pending: PendingImports, songs: SongRepository
) -> JobRun | None:
    """At a start of `serve` or `worker`: queue FINISH_PENDING_JOB when some import is
    pending (or an older version left a song listed half-done) and no run of it is queued
    or running already (the job ledger reruns a run whose worker died, so one is enough)."""
    if not await pending.all() and not await songs.unfinished_imports(limit=1):
        return None
    if await jobs.active_run(FINISH_PENDING_JOB) is not None:
        return None
    return await jobs.enqueue(FINISH_PENDING_JOB)


def register_ingest_jobs(
    registry: JobRegistry, *, scan_cron: str | None, enrich_cron: str | None = None
) -> None:
    """Add ingest's jobs; the rescan runs on `scan_cron` and a check for songs waiting for
    enrichment on `enrich_cron`, when given."""
    registry.add(
        ENRICH_JOB,
        enrich_scanned_songs,
        description="Enrich scanned songs (identity, loudness, waveform, preview, art; "
        "renditions when eager), most recently played and newest first.",
        cron=enrich_cron,
        max_attempts=3,
    )
    registry.add(
        SCAN_JOB,
        scan_music_folders,
        description="Pick up new, changed, moved and removed files in the music folders.",
        cron=scan_cron,
        max_attempts=2,
    )
    registry.add(
        "library.import_file",
        import_file,
        description="Import one file from local disk through the ingest pipeline.",
        needs=("path",),
    )
    registry.add(
        FINISH_PENDING_JOB,
        finish_pending,
        description="Finish imports and uploads a killed process left half-done (queued at "
        "every start of serve and worker).",
        max_attempts=3,
    )
    registry.add(
        UPLOAD_JOB,
        import_upload,
        description="Import one upload (kept in storage under uploads/) through the pipeline.",
        needs=("upload_key",),
    )
