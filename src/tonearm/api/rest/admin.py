"""GET /api/admin/jobs (what runs in the background), GET /api/admin/jobs/{name}/runs and
POST /api/admin/jobs/{name}/run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from tonearm.api.deps import AdminUser, JobsDep
from tonearm.jobs import JobRun, JobStatus

router = APIRouter(prefix="/admin", tags=["admin"])


class JobRunOut(BaseModel):
    """One run of a job."""

    id: UUID
    job: str
    state: str
    attempts: int
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    result: dict[str, Any] | None
    error: str | None

    @classmethod
    def from_domain(cls, run: JobRun) -> JobRunOut:
        return cls(
            id=run.id,
            job=run.job_name,
            state=run.state.value,
            attempts=run.attempts,
            enqueued_at=run.enqueued_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            duration_seconds=run.duration_seconds,
            result=dict(run.result) if run.result is not None else None,
            error=run.error,
        )


class JobOut(BaseModel):
    """A job: its schedule (cron, UTC; null: on demand), last run, last failed run and next
    run."""

    name: str
    description: str
    schedule: str | None
    last_run: JobRunOut | None
    next_run: datetime | None
    last_failure: JobRunOut | None = None
    runnable: bool = Field(default=True, description="Whether it can be run now without arguments.")

    @classmethod
    def from_domain(cls, job: JobStatus) -> JobOut:
        return cls(
            name=job.definition.name,
            description=job.definition.description,
            schedule=job.definition.cron,
            last_run=JobRunOut.from_domain(job.last_run) if job.last_run else None,
            next_run=job.next_due,
            last_failure=JobRunOut.from_domain(job.last_failure) if job.last_failure else None,
            runnable=job.definition.runnable,
        )


# Job names are short dotted words (library.tiering); a longer one names no job.
JobName = Annotated[str, Path(max_length=100)]


class RunJobIn(BaseModel):
    """Arguments for the run, e.g. `{"dry_run": true}` for library.tiering."""

    payload: dict[str, Any] = Field(default_factory=dict)


@router.get("/jobs")
async def list_jobs(jobs: JobsDep, admin: AdminUser) -> list[JobOut]:
    """Every job tonearm knows (admins only)."""
    return [JobOut.from_domain(job) for job in await jobs.statuses()]


@router.post("/jobs/{name}/run", status_code=status.HTTP_202_ACCEPTED)
async def run_job(
    name: JobName, jobs: JobsDep, admin: AdminUser, body: RunJobIn | None = None
) -> JobRunOut:
    """Queue one run of the job now (admins only); follow it in GET /api/admin/jobs."""
    run = await jobs.enqueue(name, body.payload if body else None)
    return JobRunOut.from_domain(run)


@router.get("/jobs/{name}/runs")
async def list_job_runs(
    name: JobName,
    jobs: JobsDep,
    admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[JobRunOut]:
    """A job's newest runs first, with each one's result or error (admins only)."""
    jobs.registry.get(name)  # 404 for a job tonearm does not know
    return [JobRunOut.from_domain(run) for run in await jobs.recent(name, limit)]
