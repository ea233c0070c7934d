"""No job is lost when the worker running it is killed (SIGKILL) mid-job.

A real `tonearm worker` process takes the job; the job marks its start on disk and blocks;
the test kills the process by pid at that point; a second worker picks the run up once the
sweeper finds its lease expired. Embedded (SQLite + SQLite queue) and scale-out
(PostgreSQL + Redis) configurations.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.holding_jobs import registry_with_holding_job
from tests.servers import RunningServer, stop_process
from tonearm.adapters.db import Database
from tonearm.app import open_runtime
from tonearm.jobs import JobState
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["embedded", "scale_out"])
def worker_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {
        "TONEARM_DATA_DIR": str(tmp_path / "data"),
        "TONEARM_JOB_LEASE_SECONDS": "3",
        "TONEARM_JOB_SWEEP_INTERVAL_SECONDS": "0.5",
        "TONEARM_LOG_FORMAT": "json",
    }
    if request.param == "scale_out":
        redis: RunningServer = request.getfixturevalue("redis_server")
        env["TONEARM_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        env["TONEARM_QUEUE_URL"] = redis.url
        env["TONEARM_CACHE_URL"] = redis.url
    return env


def settings_from(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=Path(env["TONEARM_DATA_DIR"]),
        database_url=env.get("TONEARM_DATABASE_URL"),
        queue_url=env.get("TONEARM_QUEUE_URL"),
        cache_url=env.get("TONEARM_CACHE_URL", "memory://"),
        job_lease_seconds=3,
    )


@pytest.fixture
def start_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.holding_jobs"],
            cwd=REPO,
            env={**os.environ, **worker_env, "PYTHONPATH": str(REPO)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop_process(process)


def wait_for_file(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


async def test_a_job_taken_by_a_killed_worker_runs_again(
    worker_env: dict[str, str],
    start_worker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    settings = settings_from(worker_env)
    database = Database(settings.resolved_database_url)
    await database.upgrade()  # what `tonearm db upgrade` does for PostgreSQL
    await database.close()
    services = await open_runtime(settings, registry=registry_with_holding_job())
    try:
        queued = await services.domains.jobs.enqueue("test.hold", {"marker_dir": str(markers)})

        first = start_worker()
        wait_for_file(markers / "started-1")
        # The fixed point: the job is taken and its work not finished.
        assert not (markers / "finished").exists()
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        taken = await services.domains.jobs.get(queued.id)
        assert taken.state is JobState.RUNNING
        assert taken.attempts == 1

        start_worker()
        wait_for_file(markers / "finished")
        deadline = time.monotonic() + 30
        while (done := await services.domains.jobs.get(queued.id)).state is not JobState.SUCCEEDED:
            assert time.monotonic() < deadline, f"run stuck in {done.state}"
            time.sleep(0.1)
    finally:
        await services.close()

    assert (markers / "started-2").exists()
    assert done.attempts == 2
    # The second run came from the sweeper finding the dead worker's lease expired (a slow
    # worker start may let the new lease lapse once more: still redelivered, never lost).
    assert done.redeliveries >= 1
    assert done.result == {"finished_on_attempt": 2}
    assert done.worker_id != taken.worker_id
