"""JobLedger on SQLAlchemy: leases and schedule claims as single conditional UPDATEs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import JobRunRow, JobScheduleRow
from tonearm.jobs.models import JobRun, JobRunNotFound, JobState

_LIVE_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


def _to_run(row: JobRunRow) -> JobRun:
    return JobRun(
        id=row.id,
        job_name=row.job_name,
        payload=dict(row.payload),
        state=JobState(row.state),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        redeliveries=row.redeliveries,
        enqueued_at=row.enqueued_at,
        run_after=row.run_after,
        started_at=row.started_at,
        finished_at=row.finished_at,
        worker_id=row.worker_id,
        scheduled_for=row.scheduled_for,
        error=row.error,
        result=dict(row.result) if row.result is not None else None,
    )


class SqlJobLedger:
    """Job runs in `job_runs`, schedule marks in `job_schedules`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

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
        """Insert a queued run."""
        row = self._new_row(
            run_id, job_name, payload, max_attempts, now, run_after, lease_expires_at, scheduled_for
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _to_run(row)

    @staticmethod
    def _new_row(
        run_id: UUID,
        job_name: str,
        payload: Mapping[str, Any],
        max_attempts: int,
        now: datetime,
        run_after: datetime,
        lease_expires_at: datetime,
        scheduled_for: datetime | None = None,
    ) -> JobRunRow:
        return JobRunRow(
            id=run_id,
            job_name=job_name,
            payload=dict(payload),
            state=JobState.QUEUED.value,
            attempts=0,
            max_attempts=max_attempts,
            redeliveries=0,
            enqueued_at=now,
            run_after=run_after,
            lease_expires_at=lease_expires_at,
            scheduled_for=scheduled_for,
        )

    async def get(self, run_id: UUID) -> JobRun:
        """The run; raises JobRunNotFound."""
        async with self._sessions() as session:
            row = await session.get(JobRunRow, run_id)
        if row is None:
            raise JobRunNotFound(run_id)
        return _to_run(row)

    async def claim(
        self, run_id: UUID, worker_id: str, now: datetime, lease_expires_at: datetime
    ) -> JobRun | None:
        """Queued and due → running for `worker_id`, in one conditional UPDATE."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(JobRunRow)
                .where(
                    JobRunRow.id == run_id,
                    JobRunRow.state == JobState.QUEUED.value,
                    JobRunRow.run_after <= now,
                )
                .values(
                    state=JobState.RUNNING.value,
                    attempts=JobRunRow.attempts + 1,
                    worker_id=worker_id,
                    started_at=now,
                    finished_at=None,
                    lease_expires_at=lease_expires_at,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await session.get(JobRunRow, run_id, populate_existing=True)
            assert row is not None
            return _to_run(row)

    async def extend_lease(self, run_id: UUID, worker_id: str, lease_expires_at: datetime) -> bool:
        """Heartbeat of a running job."""
        return await self._update_owned(run_id, worker_id, lease_expires_at=lease_expires_at)

    async def succeed(
        self, run_id: UUID, worker_id: str, now: datetime, result: Mapping[str, Any] | None
    ) -> bool:
        """Running → succeeded."""
        return await self._update_owned(
            run_id,
            worker_id,
            state=JobState.SUCCEEDED.value,
            finished_at=now,
            lease_expires_at=None,
            error=None,
            result=dict(result) if result is not None else None,
        )

    async def fail(
        self,
        run_id: UUID,
        worker_id: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
        lease_expires_at: datetime | None,
    ) -> bool:
        """Running → queued for a retry at `retry_at`, or → failed when it is None."""
        if retry_at is None:
            return await self._update_owned(
                run_id,
                worker_id,
                state=JobState.FAILED.value,
                finished_at=now,
                lease_expires_at=None,
                error=error,
            )
        return await self._update_owned(
            run_id,
            worker_id,
            state=JobState.QUEUED.value,
            finished_at=now,
            run_after=retry_at,
            lease_expires_at=lease_expires_at,
            error=error,
        )

    async def _update_owned(self, run_id: UUID, worker_id: str, **values: Any) -> bool:
        # Only the worker holding the run may change it: a worker that lost its lease (and
        # whose run went to someone else) cannot overwrite the newer attempt.
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(JobRunRow)
                .where(
                    JobRunRow.id == run_id,
                    JobRunRow.worker_id == worker_id,
                    JobRunRow.state == JobState.RUNNING.value,
                )
                .values(**values)
            )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def requeue_expired(
        self, now: datetime, lease_expires_at: datetime, limit: int = 100
    ) -> list[UUID]:
        """Queue again every live run whose lease ran out; each id goes to one caller only."""
        async with self._sessions() as session:
            candidates = list(
                await session.scalars(
                    select(JobRunRow.id)
                    .where(JobRunRow.state.in_(_LIVE_STATES), JobRunRow.lease_expires_at < now)
                    .order_by(JobRunRow.lease_expires_at)
                    .limit(limit)
                )
            )
        requeued: list[UUID] = []
        for run_id in candidates:
            async with self._sessions.begin() as session:
                result = await session.execute(
                    update(JobRunRow)
                    .where(
                        JobRunRow.id == run_id,
                        JobRunRow.state.in_(_LIVE_STATES),
                        JobRunRow.lease_expires_at < now,
                    )
                    .values(
                        state=JobState.QUEUED.value,
                        redeliveries=JobRunRow.redeliveries + 1,
                        worker_id=None,
                        run_after=now,
                        lease_expires_at=lease_expires_at,
                    )
                )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                requeued.append(run_id)
        return requeued

    async def recent(self, job_name: str | None = None, limit: int = 100) -> list[JobRun]:
        """Newest runs first, optionally of one job."""
        query = select(JobRunRow).order_by(JobRunRow.enqueued_at.desc()).limit(limit)
        if job_name is not None:
            query = query.where(JobRunRow.job_name == job_name)
        async with self._sessions() as session:
            return [_to_run(row) for row in await session.scalars(query)]

    async def prune(self, keep_per_job: int) -> int:
        """Delete finished runs older than each job's newest `keep_per_job`."""
        ranked = (
            select(
                JobRunRow.id,
                func.row_number()
                .over(partition_by=JobRunRow.job_name, order_by=JobRunRow.enqueued_at.desc())
                .label("rank"),
            )
            .where(JobRunRow.state.not_in(_LIVE_STATES))
            .subquery()
        )
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(JobRunRow).where(
                    JobRunRow.id.in_(select(ranked.c.id).where(ranked.c.rank > keep_per_job))
                )
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def fire_schedule(
        self,
        job_name: str,
        cron: str,
        due: datetime,
        now: datetime,
        new_run: Mapping[str, Any] | None,
    ) -> bool:
        """Move the schedule's mark to `due` once; the winner's run is inserted with it."""
        try:
            async with self._sessions.begin() as session:
                exists = await session.get(JobScheduleRow, job_name)
                if exists is None:
                    # First sight of this schedule: remember where we are, run nothing.
                    session.add(
                        JobScheduleRow(
                            job_name=job_name, cron=cron, last_fired_for=due, updated_at=now
                        )
                    )
                    return False
                result = await session.execute(
                    update(JobScheduleRow)
                    .where(
                        JobScheduleRow.job_name == job_name,
                        or_(
                            JobScheduleRow.last_fired_for.is_(None),
                            and_(JobScheduleRow.last_fired_for < due),
                        ),
                    )
                    .values(last_fired_for=due, cron=cron, updated_at=now)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return False
                if new_run is not None:
                    session.add(self._new_row(**new_run))
                return True
        except IntegrityError:
            # Another process inserted the baseline row first; it has the same meaning.
            return False

    async def last_fired(self) -> dict[str, datetime | None]:
        """Each schedule's last fired time."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(JobScheduleRow.job_name, JobScheduleRow.last_fired_for)
            )
            return {name: fired for name, fired in rows}
