"""The scheduled upkeep jobs: popularity (hourly), tiering and cleanup (weekly), re-render.

Handlers get the worker thread's domain services as `context.domains`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.ingest.models import RenditionKind
from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry
from tonearm.upkeep.tiering import RERENDER_JOB, TIERING_JOB

POPULARITY_JOB = "library.popularity"
CLEANUP_JOB = "library.cleanup"


async def popularity(context: JobContext) -> Mapping[str, Any]:
    """Recompute popularity scores, `trending:daily` and `hot:songs:*`."""
    return await context.domains.popularity.run()


async def tiering(context: JobContext) -> Mapping[str, Any]:
    """Apply the tiering rule; payload `{"dry_run": true}` only reports."""
    report = await context.domains.tiering.run(dry_run=bool(context.payload.get("dry_run")))
    result: Mapping[str, Any] = report.as_dict()
    return result


async def rerender(context: JobContext) -> Mapping[str, Any]:
    """Render a song's dropped renditions again from its original (payload: song_id, kinds)."""
    domains = context.domains
    try:
        song_id = UUID(str(context.payload["song_id"]))
        kinds = [RenditionKind(kind) for kind in context.payload["kinds"]]
    except (KeyError, ValueError, TypeError):
        raise InvalidInput(f"{RERENDER_JOB} needs 'song_id' and 'kinds'") from None
    made = await domains.ingest.rerender(song_id, kinds)
    if made:
        # URLs cached while the song fell back to a lower rendition: sign afresh.
        await domains.tiering.forget_signed_urls(song_id)
    return {"song_id": str(song_id), "rendered": [kind.value for kind in made]}


async def cleanup(context: JobContext) -> Mapping[str, Any]:
    """Orphaned objects, stale uploads and temp folders, expired sign-ins, old job runs."""
    return await context.domains.cleanup.run()


def register_upkeep_jobs(
    registry: JobRegistry,
    *,
    popularity_cron: str = "5 * * * *",
    tiering_cron: str = "0 2 * * 0",
    cleanup_cron: str = "30 3 * * 6",
) -> None:
    """Add the upkeep jobs with their schedules (defaults: those of the settings)."""
    registry.add(
        POPULARITY_JOB,
        popularity,
        description="Popularity scores from recent interactions; trending:daily, hot:songs.",
        cron=popularity_cron,
        max_attempts=2,
    )
    registry.add(
        TIERING_JOB,
        tiering,
        description="Drop big renditions of rarely played songs; queue re-renders.",
        cron=tiering_cron,
        max_attempts=2,
    )
    registry.add(
        RERENDER_JOB,
        rerender,
        description="Render a song's dropped renditions again from its original.",
        needs=("song_id", "kinds"),
        max_attempts=3,
    )
    registry.add(
        CLEANUP_JOB,
        cleanup,
        description="Orphaned objects, stale uploads and temp files, expired sign-ins, "
        "old job runs.",
        cron=cleanup_cron,
        max_attempts=2,
    )
