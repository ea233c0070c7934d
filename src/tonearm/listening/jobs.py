"""The listening domain's scheduled job: judge plays left pending by quiet sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry

SETTLE_PLAYS_JOB = "listening.settle_plays"


async def settle_plays(context: JobContext) -> Mapping[str, Any]:
    """Count (or reject) every play whose 30 s have passed with no more events to decide it."""
    counted = await context.domains.listening.settle_plays()
    return {"counted": counted}


def register_listening_jobs(registry: JobRegistry) -> None:
    """Add the listening jobs: pending plays settle at least every 10 minutes."""
    registry.add(
        SETTLE_PLAYS_JOB,
        settle_plays,
        description="Judge pending plays whose session went quiet (the play rule).",
        cron="*/10 * * * *",
    )
