"""The scheduled listening.settle_plays job counts plays left pending by a quiet session."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests.listening.conftest import START, Listening, event
from tonearm.jobs import JobRegistry
from tonearm.jobs.models import JobContext, JobRun, JobState
from tonearm.listening.jobs import SETTLE_PLAYS_JOB, register_listening_jobs

pytestmark = pytest.mark.anyio


def context_for(listening: Listening) -> JobContext:
    run = JobRun(
        id=uuid.uuid4(),
        job_name=SETTLE_PLAYS_JOB,
        payload={},
        state=JobState.RUNNING,
        attempts=1,
        max_attempts=3,
        redeliveries=0,
        enqueued_at=START,
        run_after=START,
    )
    return JobContext(run, SimpleNamespace(listening=listening.service))


async def test_the_job_counts_a_play_whose_session_went_quiet(listening: Listening) -> None:
    registry = JobRegistry()
    register_listening_jobs(registry)
    definition = registry.get(SETTLE_PLAYS_JOB)
    assert definition.cron == "*/10 * * * *"
    song = await listening.add_song()
    listening.clock.now = START + timedelta(seconds=5)
    await listening.service.record_events(listening.user_id, [event("play", song, 0)])
    assert await listening.play_count(song) == 0  # pending: a skip may still come
    assert await definition.handler(context_for(listening)) == {"counted": 0}
    listening.clock.advance(60)
    assert await definition.handler(context_for(listening)) == {"counted": 1}
    assert await listening.play_count(song) == 1
