"""The podcast jobs: refresh every feed on a schedule, and download one episode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry
from tonearm.podcasts.service import DOWNLOAD_JOB, REFRESH_JOB


async def refresh_podcasts(context: JobContext) -> Mapping[str, Any]:
    """Refresh every channel, queue the newest episodes' downloads, apply retention."""
    return await context.domains.podcasts.refresh_all()


async def download_episode(context: JobContext) -> Mapping[str, Any]:
    """Fetch one episode into storage (payload: episode_id)."""
    try:
        episode_id = UUID(str(context.payload["episode_id"]))
    except (KeyError, ValueError):
        raise InvalidInput(f"{DOWNLOAD_JOB} needs an 'episode_id'") from None
    episode = await context.domains.podcasts.download(episode_id)
    return {"episode_id": str(episode_id), "status": episode.status.value, "error": episode.error}


def register_podcast_jobs(
    registry: JobRegistry, *, refresh_cron: str | None = "15 * * * *"
) -> None:
    """Add the podcast jobs: feeds refresh on `refresh_cron` (None: only on request)."""
    registry.add(
        REFRESH_JOB,
        refresh_podcasts,
        description="Refresh podcast feeds; download the newest episodes, drop older files.",
        cron=refresh_cron,
    )
    registry.add(
        DOWNLOAD_JOB,
        download_episode,
        description="Download one podcast episode into storage.",
        needs=("episode_id",),
        max_attempts=2,
    )
