"""The durable job ledger and job schedules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base

JOB_STATES = ("queued", "running", "succeeded", "failed")


class JobRunRow(Base):
    """The durable record of one job: what to run, who holds it, until when, and how it went.

    A worker holds a lease (`lease_expires_at`) while running; the sweeper re-enqueues any
    queued or running job whose lease ran out, so a killed worker loses nothing.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in JOB_STATES) + ")", name="state"),
        Index("ix_job_runs_state_lease", "state", "lease_expires_at"),
        Index("ix_job_runs_name_enqueued", "job_name", "enqueued_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime]
    run_after: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(100))
    scheduled_for: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]


class JobScheduleRow(Base):
    """The last due time of a recurring job that was enqueued (for exactly-once firing)."""

    __tablename__ = "job_schedules"

    job_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    cron: Mapped[str] = mapped_column(String(100))
    last_fired_for: Mapped[datetime | None]
    updated_at: Mapped[datetime]
