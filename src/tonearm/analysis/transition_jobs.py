"""The transitions job: render precomputed transitions for the most-played pairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry

TRANSITIONS_JOB = "analysis.transitions"


async def render_transitions(context: JobContext) -> Mapping[str, Any]:
    """Render what the top pairs lack (payload `limit` overrides TONEARM_TRANSITIONS_TOP_PAIRS).

    Each pair is stored before the next is rendered: a run stopped half-way is resumed by
    the next one, which keeps what is there."""
    limit = context.payload.get("limit")
    report = await context.domains.transitions.run(None if limit is None else int(limit))
    return {"rendered": report.rendered, "kept": report.kept, "skipped": report.skipped}


def register_transition_jobs(registry: JobRegistry) -> None:
    """Add the transitions job, nightly (after the night's analysis has had its turn)."""
    registry.add(
        TRANSITIONS_JOB,
        render_transitions,
        description="Render 5-second transitions for the most-played consecutive song pairs.",
        cron="40 4 * * *",
    )
