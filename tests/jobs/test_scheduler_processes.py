"""Two workers and a server replica — separate OS processes on one PostgreSQL and Redis —
fire each scheduled run exactly once, hour after hour (clocks set by the test)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.jobs.test_worker_kill import REPO
from tonearm.app import open_runtime
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
HOURS = 6
PROCESSES = 3  # two `tonearm worker`s and a `tonearm serve` replica tick the same way


async def test_each_due_time_fires_once_across_processes(
    stack_settings: Settings, tmp_path: Path
) -> None:
    settings = stack_settings
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TONEARM_DATA_DIR": str(settings.data_dir),
        "TONEARM_CACHE_URL": settings.cache_url,
        "TONEARM_LOG_LEVEL": "warning",
    }
    if settings.database_url:  # the scale-out stack: PostgreSQL, Redis, S3
        env |= {
            "TONEARM_DATABASE_URL": settings.database_url,
            "TONEARM_QUEUE_URL": str(settings.queue_url),
            "TONEARM_STORAGE_URL": str(settings.storage_url),
            "TONEARM_S3_ENDPOINT_URL": str(settings.s3_endpoint_url),
            "TONEARM_S3_REGION": "us-east-1",
            "TONEARM_S3_ACCESS_KEY_ID": "test",
            "TONEARM_S3_SECRET_ACCESS_KEY": "test",
        }
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.jobs.scheduler_process",
                str(go),
                START.isoformat(),
                str(HOURS),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    go.write_text("go")
    fired = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        fired.append(int(out.decode().strip().splitlines()[-1]))

    services = await open_runtime(settings)
    try:
        popularity = await services.domains.jobs.recent("library.popularity")
        due_times = [run.scheduled_for for run in popularity]
        # One run per hourly due time; the first tick only records where the schedule starts.
        assert len(due_times) == len(set(due_times)) == HOURS, due_times
        scheduled = [
            run for run in await services.domains.jobs.recent(limit=1000) if run.scheduled_for
        ]
        keys = [(run.job_name, run.scheduled_for) for run in scheduled]
        assert len(keys) == len(set(keys))  # no due time of any job fired twice
        assert sum(fired) == len(scheduled)  # and every firing is one of those runs
        assert sum(1 for count in fired if count) >= 1
    finally:
        await services.close()
