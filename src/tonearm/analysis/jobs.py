"""Audio analysis as a background job: `analysis.run` analyses every song not analysed by
the current analyser yet (resumable: see analysis/service.py), on its schedule and on
request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tonearm.analysis.service import AnalysisUnavailable
from tonearm.jobs.models import JobContext
from tonearm.jobs.registry import JobRegistry
from tonearm.jobs.service import JobService

ANALYSIS_JOB = "analysis.run"


async def run_analysis(context: JobContext) -> Mapping[str, Any]:
    """Analyse the pending songs; skipped (not failed) when analysis is unavailable here."""
    try:
        summary = await context.domains.analysis.run()
    except AnalysisUnavailable as error:
        return {"skipped": str(error)}
    return summary.as_dict()


async def request_analysis(jobs: JobService) -> None:
    """Queue the analysis job unless a run is already queued or running (it drains every
    pending song, so one is enough)."""
    if await jobs.active_run(ANALYSIS_JOB) is None:
        await jobs.enqueue(ANALYSIS_JOB)


def register_analysis_jobs(registry: JobRegistry, *, cron: str | None = None) -> None:
    """Add analysis's job; it runs on `cron` when given."""
    registry.add(
        ANALYSIS_JOB,
        run_analysis,
        description="Analyse songs not analysed yet (tempo, key, energy, intro/outro, "
        "similarity embedding); resumes where a stopped run left off.",
        cron=cron,
        max_attempts=3,
    )
