"""Where job runs are recorded durably. Implemented in adapters/db/jobs.py.

The ledger, not the queue, is the truth about a job: the queue only carries run ids, and a
run whose lease expires (its worker died, or its message was lost) is sent again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from tonearm.jobs.models import JobRun


class JobLedger(Protocol):
    """Durable job records with leases."""

    async def create(
        self,
        run_id: UUID,
        job_name: str,
        payload: Mapping[str, Any],
        max_attempts: int,
        now: datetime,
        run_after: datetime,
        lease_expires_at: datetime,
        scheduled_for: datetime | None = None,
    ) -> JobRun:
        """Record a new queued run."""
        ...

    async def get(self, run_id: UUID) -> JobRun:
        """The run; raises JobRunNotFound."""
        ...

    async def claim(
        self, run_id: UUID, worker_id: str, now: datetime, lease_expires_at: datetime
    ) -> JobRun | None:
        """Atomically move a queued run to running for `worker_id`; None if it is not queued
        (already taken, finished or unknown) or not yet due."""
        ...

    async def extend_lease(self, run_id: UUID, worker_id: str, lease_expires_at: datetime) -> bool:
        """Push the lease forward; False if the run is no longer this worker's."""
        ...

    async def succeed(
        self, run_id: UUID, worker_id: str, now: datetime, result: Mapping[str, Any] | None
    ) -> bool:
        """Mark the run done; False if it was no longer this worker's."""
        ...

    async def fail(
        self,
        run_id: UUID,
        worker_id: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
        lease_expires_at: datetime | None,
    ) -> bool:
        """Record a failed attempt: queued again for `retry_at`, or failed for good if None."""
        ...

    async def requeue_expired(
        self, now: datetime, lease_expires_at: datetime, limit: int = 100
    ) -> list[UUID]:
        """Runs whose lease ran out, atomically queued again with a new lease (each id is
        returned to exactly one caller, however many sweepers run)."""
        ...

    async def recent(self, job_name: str | None = None, limit: int = 100) -> list[JobRun]:
        """Newest runs first."""
        ...

    async def prune(self, keep_per_job: int) -> int:
        """Delete finished runs beyond the newest `keep_per_job` of each job; how many went."""
        ...

    async def fire_schedule(
        self,
        job_name: str,
        cron: str,
        due: datetime,
        now: datetime,
        new_run: Mapping[str, Any] | None,
    ) -> bool:
        """Claim the scheduled time `due` for `job_name` exactly once across all processes.

        Returns True for the one caller that moved the schedule forward; that caller's run
        (`new_run`: keyword arguments of `create`) is recorded in the same transaction. The
        first call for a job only records `due` as its baseline and returns False.
        """
        ...

    async def last_fired(self) -> dict[str, datetime | None]:
        """The last scheduled time fired, per job."""
        ...
