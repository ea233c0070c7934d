"""Job tests: a JobService on a real database and queue, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tonearm.adapters.db import Database, SqlJobLedger
from tonearm.adapters.queue import HueyJobQueue, open_job_queue
from tonearm.jobs import JobRegistry, JobService


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
def queue(tmp_path: Path) -> HueyJobQueue:
    return open_job_queue(f"sqlite:///{tmp_path / 'queue.db'}")


@pytest.fixture
def registry() -> JobRegistry:
    return JobRegistry()


@pytest.fixture
def make_service(
    database: Database, queue: HueyJobQueue, registry: JobRegistry, clock: FakeClock
) -> Callable[[], JobService]:
    """A JobService over the test database; call twice for two 'processes'."""

    def make() -> JobService:
        return JobService(
            SqlJobLedger(database.sessions),
            queue,
            registry,
            lease_seconds=60,
            default_max_attempts=3,
            retry_base_seconds=5,
            clock=clock,
        )

    return make


@pytest.fixture
def jobs(make_service: Callable[[], JobService]) -> JobService:
    return make_service()
