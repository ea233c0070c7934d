"""Background jobs: definitions, durable runs with leases, retries and cron schedules."""

from tonearm.jobs.builtin import register_builtin_jobs
from tonearm.jobs.ledger import JobLedger
from tonearm.jobs.models import (
    JobContext,
    JobDefinition,
    JobHandler,
    JobRun,
    JobRunNotFound,
    JobState,
    JobStatus,
    UnknownJob,
)
from tonearm.jobs.registry import JobRegistry
from tonearm.jobs.service import JobService, utc_clock
from tonearm.jobs.worker import JobWorker, WorkerRuntime

__all__ = [
    "JobContext",
    "JobDefinition",
    "JobHandler",
    "JobLedger",
    "JobRegistry",
    "JobRun",
    "JobRunNotFound",
    "JobService",
    "JobState",
    "JobStatus",
    "JobWorker",
    "UnknownJob",
    "WorkerRuntime",
    "register_builtin_jobs",
    "utc_clock",
]
