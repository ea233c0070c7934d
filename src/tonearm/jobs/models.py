"""What a job is: a named async handler, its payload, and the durable record of each run."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tonearm.errors import NotFound

if TYPE_CHECKING:
    # Built by app.py from every domain (this one included): for the type checker only.
    from tonearm.domains import Domains


class JobState(enum.StrEnum):
    """Where a run is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a job, as recorded in the ledger."""

    id: UUID
    job_name: str
    payload: Mapping[str, Any]
    state: JobState
    attempts: int
    max_attempts: int
    redeliveries: int
    enqueued_at: datetime
    run_after: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    worker_id: str | None = None
    scheduled_for: datetime | None = None
    error: str | None = None
    result: Mapping[str, Any] | None = None

    @property
    def duration_seconds(self) -> float | None:
        """How long the last attempt took, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: its run and the domain services of the worker thread running
    it (built for that thread: its own event loop, database engine, storage and cache)."""

    run: JobRun
    domains: Domains

    @property
    def payload(self) -> Mapping[str, Any]:
        """The job's arguments."""
        return self.run.payload

    @property
    def attempt(self) -> int:
        """1 for the first attempt, 2 for the first retry or redelivery, …"""
        return self.run.attempts


JobHandler = Callable[[JobContext], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """A job tonearm knows how to run, and optionally when to run it on its own."""

    name: str
    handler: JobHandler
    description: str
    cron: str | None = None
    max_attempts: int | None = None
    default_payload: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # payload keys a run must be given (e.g. a file's path)

    @property
    def runnable(self) -> bool:
        """Whether a run can be queued without arguments (an admin's "Run now")."""
        return not self.needs


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job as an admin sees it: its schedule, its latest run and latest failure, when it
    is next due."""

    definition: JobDefinition
    last_run: JobRun | None
    next_due: datetime | None
    last_failure: JobRun | None = None  # the newest failed run (among the recent ones)


class UnknownJob(NotFound):
    """No job is registered under this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no job named {name!r}")


class JobRunNotFound(NotFound):
    """No run has this id."""

    def __init__(self, run_id: UUID) -> None:
        super().__init__(f"no job run {run_id}")
