"""The mashup job: monthly for everyone who listened in the last six months, or on demand
for one user (payload {"user_id": ..., "pairs": N})."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tonearm.analysis.mashups import DEFAULT_PAIRS
from tonearm.errors import InvalidInput
from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry

MASHUP_JOB = "mashups.generate"
MASHUP_CRON = "0 5 1 * *"  # 05:00 UTC on the first of each month


async def generate_mashups(context: JobContext) -> Mapping[str, Any]:
    """Make new mashups for the payload's user, or for every recent listener."""
    payload = context.payload
    pairs = int(payload.get("pairs", DEFAULT_PAIRS))
    service = context.domains.mashups
    if payload.get("user_id"):
        try:
            users = [UUID(str(payload["user_id"]))]
        except ValueError:
            raise InvalidInput(f"user_id is not an id: {payload['user_id']!r}") from None
    else:
        users = list(await service.listeners())
    made = 0
    for user_id in users:
        report = await service.generate(user_id, pairs)
        made += len(report.made)
    return {"users": len(users), "made": made}


def register_mashup_jobs(registry: JobRegistry, cron: str | None = MASHUP_CRON) -> None:
    """Add the mashup job (monthly unless `cron` is None)."""
    registry.add(
        MASHUP_JOB,
        generate_mashups,
        description="Mix users' compatible top songs of the last 6 months into mashups.",
        cron=cron,
        max_attempts=1,
    )
