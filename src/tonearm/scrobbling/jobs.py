"""The scrobbling domain's job: deliver the outbox (retries wait in the outbox, not here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry

DELIVER_SCROBBLES_JOB = "scrobbling.deliver"


async def deliver_scrobbles(context: JobContext) -> Mapping[str, Any]:
    """Send every connection's queued listens and loves whose retry time has come."""
    report = await context.domains.scrobbling.deliver()
    return {
        "sent": report.sent,
        "failed_connections": report.failed_connections,
        "paused_connections": report.paused_connections,
    }


def register_scrobbling_jobs(registry: JobRegistry) -> None:
    """Add the scrobbling job: the outbox is delivered every minute."""
    registry.add(
        DELIVER_SCROBBLES_JOB,
        deliver_scrobbles,
        description="Send queued plays and loves to ListenBrainz and Last.fm.",
        cron="* * * * *",
    )
