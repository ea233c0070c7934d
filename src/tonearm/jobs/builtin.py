"""Jobs of the job system itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry

KEEP_RUNS_PER_JOB = 100


async def prune_job_runs(context: JobContext) -> Mapping[str, Any]:
    """Forget finished runs beyond the newest 100 of each job."""
    keep = int(context.payload.get("keep_per_job", KEEP_RUNS_PER_JOB))
    deleted = await context.domains.jobs.prune(keep)
    return {"deleted": deleted}


def register_builtin_jobs(registry: JobRegistry) -> None:
    """Add the job system's own jobs to `registry`."""
    registry.add(
        "jobs.prune",
        prune_job_runs,
        description="Keep the last 100 runs of each job, forget older ones.",
        cron="30 4 * * *",
    )
