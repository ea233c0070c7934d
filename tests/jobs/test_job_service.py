"""JobService rules: outcomes, retries with backoff, redelivery after a lost lease, schedules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.jobs.conftest import FakeClock
from tonearm.adapters.db import Database, SqlJobLedger
from tonearm.adapters.queue import HueyJobQueue
from tonearm.errors import InvalidInput
from tonearm.jobs import JobContext, JobRegistry, JobService, JobState, UnknownJob

pytestmark = pytest.mark.anyio


class Calls:
    """Counts handler invocations and can fail the first N of them."""

    def __init__(self, failures: int = 0) -> None:
        self.count = 0
        self.failures = failures

    async def handler(self, context: JobContext) -> Mapping[str, Any]:
        self.count += 1
        if self.count <= self.failures:
            raise RuntimeError(f"boom {self.count}")
        return {"echo": dict(context.payload), "attempt": context.attempt}


async def test_an_enqueued_job_runs_and_records_its_result(
    jobs: JobService, registry: JobRegistry, queue: HueyJobQueue
) -> None:
    calls = Calls()
    registry.add("echo", calls.handler, description="echo")
    queued = await jobs.enqueue("echo", {"n": 1})
    assert queued.state is JobState.QUEUED
    assert queue.pending() == 1

    done = await jobs.execute(queued.id, "w1", domains=None)

    assert done is not None
    assert done.state is JobState.SUCCEEDED
    assert done.result == {"echo": {"n": 1}, "attempt": 1}
    assert done.attempts == 1


async def test_a_duplicate_delivery_does_not_run_the_job_twice(
    jobs: JobService, registry: JobRegistry
) -> None:
    calls = Calls()
    registry.add("echo", calls.handler, description="echo")
    queued = await jobs.enqueue("echo")
    await jobs.execute(queued.id, "w1", domains=None)
    assert await jobs.execute(queued.id, "w2", domains=None) is None
    assert calls.count == 1


async def test_failures_are_retried_with_exponential_backoff_then_marked_failed(
    jobs: JobService, registry: JobRegistry, clock: FakeClock
) -> None:
    calls = Calls(failures=10)
    registry.add("flaky", calls.handler, description="always fails")
    queued = await jobs.enqueue("flaky")

    first = await jobs.execute(queued.id, "w1", domains=None)
    assert first is not None and first.state is JobState.QUEUED
    assert (first.run_after - clock.now).total_seconds() == 5
    assert first.error == "RuntimeError: boom 1"

    # Not due yet: a delivery now does nothing.
    assert await jobs.execute(queued.id, "w1", domains=None) is None
    clock.advance(seconds=5)
    second = await jobs.execute(queued.id, "w1", domains=None)
    assert second is not None and second.state is JobState.QUEUED
    assert (second.run_after - clock.now).total_seconds() == 10

    clock.advance(seconds=10)
    last = await jobs.execute(queued.id, "w1", domains=None)
    assert last is not None
    assert last.state is JobState.FAILED
    assert last.attempts == 3
    assert last.error == "RuntimeError: boom 3"
    assert calls.count == 3


async def test_a_job_that_fails_once_succeeds_on_retry(
    jobs: JobService, registry: JobRegistry, clock: FakeClock
) -> None:
    calls = Calls(failures=1)
    registry.add("flaky", calls.handler, description="fails once")
    queued = await jobs.enqueue("flaky")
    await jobs.execute(queued.id, "w1", domains=None)
    clock.advance(seconds=5)
    done = await jobs.execute(queued.id, "w1", domains=None)
    assert done is not None and done.state is JobState.SUCCEEDED
    assert done.attempts == 2
    assert done.result == {"echo": {}, "attempt": 2}


async def test_a_run_whose_worker_died_is_redelivered_by_the_sweeper(
    jobs: JobService, registry: JobRegistry, clock: FakeClock, database: Database
) -> None:
    calls = Calls()
    registry.add("echo", calls.handler, description="echo")
    queued = await jobs.enqueue("echo")
    # A worker takes the run and dies before finishing: nothing ever reports back.
    ledger = SqlJobLedger(database.sessions)
    taken = await ledger.claim(queued.id, "dead-worker", clock.now, clock.now)
    assert taken is not None and taken.state is JobState.RUNNING

    assert await jobs.sweep() == []  # the lease has not run out yet
    clock.advance(seconds=1)
    assert await jobs.sweep() == [queued.id]
    assert await jobs.sweep() == []  # handed out once

    done = await jobs.execute(queued.id, "w2", domains=None)
    assert done is not None and done.state is JobState.SUCCEEDED
    assert done.redeliveries == 1
    assert done.attempts == 2


async def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_attempt(
    jobs: JobService, registry: JobRegistry, clock: FakeClock, database: Database
) -> None:
    registry.add("echo", Calls().handler, description="echo")
    queued = await jobs.enqueue("echo")
    ledger = SqlJobLedger(database.sessions)
    await ledger.claim(queued.id, "slow-worker", clock.now, clock.now)
    clock.advance(seconds=1)
    await jobs.sweep()
    await jobs.execute(queued.id, "w2", domains=None)
    assert not await ledger.succeed(queued.id, "slow-worker", clock.now, {"stale": True})
    assert (await jobs.get(queued.id)).result == {"echo": {}, "attempt": 2}


async def test_unknown_jobs_are_refused(jobs: JobService) -> None:
    with pytest.raises(UnknownJob):
        await jobs.enqueue("nope")


async def test_a_schedule_fires_once_per_due_time(
    jobs: JobService, registry: JobRegistry, clock: FakeClock
) -> None:
    registry.add("hourly", Calls().handler, description="hourly", cron="0 * * * *")
    assert await jobs.tick_schedules() == []  # first sight: baseline only
    clock.advance(minutes=30)
    assert await jobs.tick_schedules() == []  # 10:30, nothing due since 10:00
    clock.advance(minutes=31)
    fired = await jobs.tick_schedules()
    assert [run.scheduled_for for run in fired] == [datetime(2026, 11, 2, 11, 0, tzinfo=UTC)]
    assert await jobs.tick_schedules() == []


async def test_a_laptop_that_slept_through_many_due_times_runs_the_job_once(
    jobs: JobService, registry: JobRegistry, clock: FakeClock
) -> None:
    registry.add("daily", Calls().handler, description="daily", cron="0 3 * * *")
    await jobs.tick_schedules()
    clock.advance(days=5)
    fired = await jobs.tick_schedules()
    assert len(fired) == 1
    assert fired[0].scheduled_for == datetime(2026, 11, 7, 3, 0, tzinfo=UTC)


async def test_many_processes_ticking_at_once_fire_a_schedule_once(
    make_service: Callable[[], JobService], registry: JobRegistry, clock: FakeClock
) -> None:
    registry.add("hourly", Calls().handler, description="hourly", cron="0 * * * *")
    services = [make_service() for _ in range(5)]
    await services[0].tick_schedules()
    clock.advance(hours=1)
    fired = await asyncio.gather(*(service.tick_schedules() for service in services))
    assert sum(len(runs) for runs in fired) == 1
    assert len(await services[0].recent("hourly")) == 1


async def test_prune_keeps_the_newest_runs_of_each_job(
    jobs: JobService, registry: JobRegistry, clock: FakeClock
) -> None:
    registry.add("a", Calls().handler, description="a")
    registry.add("b", Calls().handler, description="b")
    for name in ["a"] * 5 + ["b"] * 2:
        run = await jobs.enqueue(name)
        await jobs.execute(run.id, "w", domains=None)
        clock.advance(seconds=1)
    still_queued = await jobs.enqueue("a")
    assert await jobs.prune(keep_per_job=2) == 3
    remaining = await jobs.recent()
    assert sorted(run.job_name for run in remaining) == ["a", "a", "a", "b", "b"]
    assert still_queued.id in {run.id for run in remaining}


def test_a_bad_cron_expression_is_refused_at_registration(registry: JobRegistry) -> None:
    with pytest.raises(InvalidInput, match="bad cron"):
        registry.add("x", Calls().handler, description="x", cron="every tuesday")
