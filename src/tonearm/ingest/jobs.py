"""Ingest as background jobs: the scheduled rescan and one-file imports (uploads)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tonearm.errors import InvalidInput
from tonearm.ingest.enrichment import EnrichmentSummary
from tonearm.ingest.report import BatchSummary
from tonearm.ingest.uploads import UPLOAD_JOB, import_upload
from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry
from tonearm.jobs.service import JobService

SCAN_JOB = "library.scan"
ENRICH_JOB = "library.enrich"


async def scan_music_folders(context: JobContext) -> Mapping[str, Any]:
    """Rescan the configured music folders (or the ones in the payload)."""
    services = context.services
    folders = [Path(p) for p in context.payload.get("folders", [])] or list(
        services.settings.music_folders
    )
    if not folders:
        return {"skipped": "no music folders configured (TONEARM_MUSIC_FOLDERS)"}
    summary: BatchSummary = await services.ingest.scan(folders)
    if summary.queued_for_enrichment:
        await request_enrichment(services.jobs)
    return summary.as_dict()


async def request_enrichment(jobs: JobService) -> None:
    """Queue the enrichment job unless a run is already queued or running (it drains the
    whole queue, so one is enough)."""
    if await jobs.active_run(ENRICH_JOB) is None:
        await jobs.enqueue(ENRICH_JOB)


async def enrich_scanned_songs(context: JobContext) -> Mapping[str, Any]:
    """Phase 2 of scanning: enrich queued songs until none is left (see ingest/enrichment.py)."""
    services = context.services
    summary: EnrichmentSummary = await services.ingest.enrich(jobs=services.settings.enrich_jobs)
    return summary.as_dict()


async def import_file(context: JobContext) -> Mapping[str, Any]:
    """Import one file from local disk (an upload), then delete it when `delete_after`."""
    raw_path = context.payload.get("path")
    if not isinstance(raw_path, str):
        raise InvalidInput("library.import_file needs a 'path'")
    path = Path(raw_path)
    result = await context.services.ingest.ingest_upload(path)
    if context.payload.get("delete_after"):
        path.unlink(missing_ok=True)
    return {
        "outcome": result.outcome.value,
        "song_id": str(result.song_id) if result.song_id else None,
        "reason": result.reason,
    }


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
    )
    registry.add(
        UPLOAD_JOB,
        import_upload,
        description="Import one upload (kept in storage under uploads/) through the pipeline.",
    )
