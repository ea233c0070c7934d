"""/api/admin/enrichment: phase 2 of scanning at a glance (admins only).

Songs a scan listed wait in the enrichment queue until they are decoded (identity,
loudness, waveform, preview, art); this tells how many wait, run, failed or are done, and
roughly how long the rest will take at the recent rate.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tonearm.api.deps import AdminUser, IngestDep

router = APIRouter(prefix="/admin", tags=["admin"])


class EnrichmentOut(BaseModel):
    """The enrichment queue's counts; `eta_seconds` is null when nothing finished lately."""

    pending: int
    running: int
    failed: int
    done: int
    per_minute: float
    eta_seconds: float | None


@router.get("/enrichment")
async def enrichment_status(ingest: IngestDep, admin: AdminUser) -> EnrichmentOut:
    """Pending, running, failed and done songs of the enrichment queue."""
    counts = await ingest.enrichment_status()
    return EnrichmentOut(
        pending=counts.pending,
        running=counts.running,
        failed=counts.failed,
        done=counts.done,
        per_minute=counts.recent_per_minute,
        eta_seconds=counts.eta_seconds,
    )
