"""Enqueue, run, retry, redeliver and schedule jobs: the rules, over a ledger and a queue."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from croniter import croniter

from tonearm.adapters.queue.base import JobQueue
from tonearm.errors import InvalidInput
from tonearm.jobs.ledger import JobLedger
from tonearm.jobs.models import JobContext, JobRun, JobState, JobStatus
from tonearm.jobs.registry import JobRegistry

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
MAX_ERROR_LENGTH = 4000

if TYPE_CHECKING:
    from tonearm.domains import Domains


def utc_clock() -> datetime:
    """The real time, timezone-aware."""
    return datetime.now(UTC)


def latest_due_time(cron: str, now: datetime) -> datetime:
    """The latest time at or before `now` that `cron` names (cron has minute resolution)."""
    # croniter's get_prev is strictly before its start, so start just after now's minute.
    next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    due: datetime = croniter(cron, next_minute).get_prev(datetime)
    return due


class JobService:
    """Job life cycle: queued → running → succeeded, or retried with backoff, or failed.

    A run's lease is renewed while it runs; when a lease runs out (worker killed, message
    lost) `sweep` queues the run again, so every job runs to an outcome at least once.
    """

    def __init__(
        self,
        ledger: JobLedger,
        queue: JobQueue,
        registry: JobRegistry,
        *,
        lease_seconds: float = 60.0,
        default_max_attempts: int = 5,
        retry_base_seconds: float = 5.0,
        clock: Clock = utc_clock,
    ) -> None:
        self._ledger = ledger
        self._queue = queue
        self._registry = registry
        self._lease = timedelta(seconds=lease_seconds)
        self._default_max_attempts = default_max_attempts
        self._retry_base_seconds = retry_base_seconds
        self._clock = clock

    @property
    def registry(self) -> JobRegistry:
        """The jobs this service can run."""
        return self._registry

    async def enqueue(
        self, job_name: str, payload: Mapping[str, Any] | None = None, delay_seconds: float = 0.0
    ) -> JobRun:
        """Record a run of `job_name` and queue it; raises UnknownJob, or InvalidInput when
        the payload lacks a key the job needs."""
        definition = self._registry.get(job_name)
        missing = [key for key in definition.needs if key not in (payload or {})]
        if missing:
            raise InvalidInput(f"{job_name} needs {', '.join(repr(key) for key in missing)}")
        now = self._clock()
        run_after = now + timedelta(seconds=delay_seconds)
        run = await self._ledger.create(
            run_id=uuid.uuid4(),
            job_name=job_name,
            payload={**definition.default_payload, **(payload or {})},
            max_attempts=definition.max_attempts or self._default_max_attempts,
            now=now,
            run_after=run_after,
            lease_expires_at=run_after + self._lease,
        )
        # After the commit: if this send is lost, the lease runs out and sweep sends again.
        self._queue.send(str(run.id), delay_seconds)
        log.info("job.enqueued", job=job_name, run_id=str(run.id))
        return run

    async def get(self, run_id: UUID) -> JobRun:
        """The run; raises JobRunNotFound."""
        return await self._ledger.get(run_id)

    async def recent(self, job_name: str | None = None, limit: int = 100) -> list[JobRun]:
        """Newest runs first."""
        return await self._ledger.recent(job_name, limit)

    async def active_run(self, job_name: str) -> JobRun | None:
        """The newest queued or running run of `job_name`, if any (among the latest 20)."""
        for run in await self._ledger.recent(job_name, 20):
            if run.state in (JobState.QUEUED, JobState.RUNNING):
                return run
        return None

    async def last_fired(self) -> dict[str, datetime | None]:
        """The last scheduled time fired, per recurring job."""
        return await self._ledger.last_fired()

    def next_due(self, job_name: str) -> datetime | None:
        """When a recurring job is next due (None for jobs without a schedule)."""
        cron = self._registry.get(job_name).cron
        if cron is None:
            return None
        upcoming: datetime = croniter(cron, self._clock()).get_next(datetime)
        return upcoming

    async def statuses(self, recent_runs: int = 1000) -> list[JobStatus]:
        """Every registered job with its latest run and latest failed run (among the newest
        `recent_runs`) and its next due time."""
        latest: dict[str, JobRun] = {}
        failed: dict[str, JobRun] = {}
        for run in await self._ledger.recent(None, recent_runs):
            latest.setdefault(run.job_name, run)
            if run.state is JobState.FAILED:
                failed.setdefault(run.job_name, run)
        return [
            JobStatus(job, latest.get(job.name), self.next_due(job.name), failed.get(job.name))
            for job in self._registry
        ]

    async def execute(self, run_id: UUID, worker_id: str, domains: Domains) -> JobRun | None:
        """Run one delivered run on this worker; None if it was not ours to run.

        Failures are recorded, never raised: the handler's error becomes a retry (with
        exponential backoff) until its attempts are used up, then the run is failed.
        """
        now = self._clock()
        run = await self._ledger.claim(run_id, worker_id, now, now + self._lease)
        if run is None:
            return None  # a duplicate delivery, or a retry that is not yet due
        definition = self._registry.get(run.job_name)
        heartbeat = asyncio.create_task(self._keep_lease(run_id, worker_id))
        try:
            result = await definition.handler(JobContext(run=run, domains=domains))
        except Exception as error:  # any failure of a job is recorded, not raised
            heartbeat.cancel()
            await self._record_failure(run, worker_id, error)
        else:
            heartbeat.cancel()
            await self._ledger.succeed(run_id, worker_id, self._clock(), result)
            log.info("job.succeeded", job=run.job_name, run_id=str(run_id))
        finally:
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return await self._ledger.get(run_id)

    async def _keep_lease(self, run_id: UUID, worker_id: str) -> None:
        interval = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            if not await self._ledger.extend_lease(run_id, worker_id, self._clock() + self._lease):
                log.warning("job.lease_lost", run_id=str(run_id))
                return

    async def _record_failure(self, run: JobRun, worker_id: str, error: Exception) -> None:
        now = self._clock()
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        if run.attempts >= run.max_attempts:
            await self._ledger.fail(run.id, worker_id, now, message, None, None)
            log.error(
                "job.failed",
                job=run.job_name,
                run_id=str(run.id),
                error=message,
            )
            return
        delay = self._retry_base_seconds * 2 ** (run.attempts - 1)
        retry_at = now + timedelta(seconds=delay)
        if await self._ledger.fail(
            run.id, worker_id, now, message, retry_at, retry_at + self._lease
        ):
            self._queue.send(str(run.id), delay)
        log.warning(
            "job.retrying",
            job=run.job_name,
            run_id=str(run.id),
            in_seconds=delay,
        )

    async def sweep(self) -> list[UUID]:
        """Queue again every run whose lease ran out; returns their ids."""
        now = self._clock()
        requeued = await self._ledger.requeue_expired(now, now + self._lease)
        for run_id in requeued:
            self._queue.send(str(run_id))
            log.warning("job.redelivered", run_id=str(run_id))
        return requeued

    async def tick_schedules(self) -> list[JobRun]:
        """Enqueue each recurring job whose latest due time has not been fired yet.

        However many processes tick and however many due times were missed (a laptop that
        slept), each job fires once for its latest due time.
        """
        now = self._clock()
        fired: list[JobRun] = []
        for definition in self._registry.scheduled():
            assert definition.cron is not None
            due = latest_due_time(definition.cron, now)
            run_id = uuid.uuid4()
            new_run = {
                "run_id": run_id,
                "job_name": definition.name,
                "payload": dict(definition.default_payload),
                "max_attempts": definition.max_attempts or self._default_max_attempts,
                "now": now,
                "run_after": now,
                "lease_expires_at": now + self._lease,
                "scheduled_for": due,
            }
            if await self._ledger.fire_schedule(
                definition.name, definition.cron, due, now, new_run
            ):
                self._queue.send(str(run_id))
                fired.append(await self._ledger.get(run_id))
                log.info("job.scheduled", job=definition.name, due=due.isoformat())
        return fired

    async def prune(self, keep_per_job: int = 100) -> int:
        """Forget finished runs beyond the newest `keep_per_job` of each job."""
        return await self._ledger.prune(keep_per_job)
