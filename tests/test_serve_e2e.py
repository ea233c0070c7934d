"""`tonearm serve` (and `tonearm worker`) as real processes, on the embedded defaults and on
one scale-out configuration (PostgreSQL + Redis + S3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.cli.conftest import TONEARM, clean_environment
from tests.polling import eventually, wait_for
from tests.servers import RunningServer, free_port, stop_process
from tonearm.app import open_runtime
from tonearm.jobs import JobState
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

StartProcess = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[StartProcess]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{args[0]}-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [str(TONEARM), *args],
            env=clean_environment(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            stop_process(process)


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 180) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
            if response.status_code == 200:
                return response.json()  # type: ignore[no-any-return]
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server never became healthy")


async def wait_for_job(settings: Settings, job_name: str, timeout: float = 60) -> JobState:
    services = await open_runtime(settings)
    try:
        run = await services.domains.jobs.enqueue(job_name)

        async def ended() -> JobState | None:
            state = (await services.domains.jobs.get(run.id)).state
            return None if state in (JobState.QUEUED, JobState.RUNNING) else state

        return await eventually(ended, f"{job_name} to end", timeout=timeout)
    finally:
        await services.close()


async def test_embedded_server_is_healthy_runs_jobs_and_stops_cleanly(
    start_process: StartProcess, tmp_path: Path
) -> None:
    port = free_port()
    data = tmp_path / "data"
    server = start_process("serve", "--port", str(port), env={"TONEARM_DATA_DIR": str(data)})
    health = wait_healthy(port, server)
    assert health["status"] == "ok"
    assert {name for name, c in health["components"].items() if c["ok"]} == {
        "database",
        "storage",
        "cache",
        "queue",
    }
    # The embedded queue is consumed inside `tonearm serve` itself.
    assert await wait_for_job(Settings(data_dir=data), "jobs.prune") is JobState.SUCCEEDED

    os.kill(server.pid, signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "serve-0.log").read_text()


async def test_several_server_processes_share_the_embedded_defaults(
    start_process: StartProcess, tmp_path: Path
) -> None:
    port = free_port()
    server = start_process(
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        env={"TONEARM_DATA_DIR": str(tmp_path / "data")},
    )
    assert wait_healthy(port, server)["status"] == "ok"
    for _ in range(10):
        assert httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
    # The supervising process never loads the application (its preflight ran in a child
    # that has exited): SQLAlchemy's compiled parts are mapped in each worker, not in it.
    # A second worker costs one application, not two.
    assert "sqlalchemy" not in _mapped_extensions(server.pid)
    workers = [int(pid) for pid in _children(server.pid)]
    assert sum("sqlalchemy" in _mapped_extensions(pid) for pid in workers) == 2


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def _mapped_extensions(pid: int) -> set[str]:
    """The site-packages distributions with a compiled extension mapped in process `pid`."""
    names = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "site-packages/" in path and path.endswith(".so"):
            names.add(path.split("site-packages/", 1)[1].split("/", 1)[0])
    return names


async def test_scale_out_server_and_worker_on_postgres_redis_and_s3(
    start_process: StartProcess,
    tmp_path: Path,
    postgres_url: str,
    redis_server: RunningServer,
    s3_server: RunningServer,
) -> None:
    bucket = f"tonearm-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    env = {
        "TONEARM_DATA_DIR": str(tmp_path / "data"),
        "TONEARM_DATABASE_URL": postgres_url,
        "TONEARM_CACHE_URL": redis_server.url,
        "TONEARM_QUEUE_URL": redis_server.url.replace("/0", "/1"),
        "TONEARM_STORAGE_URL": f"s3://{bucket}/library",
        "TONEARM_S3_ENDPOINT_URL": s3_server.url,
        "TONEARM_S3_REGION": "us-east-1",
        "TONEARM_S3_ACCESS_KEY_ID": "test",
        "TONEARM_S3_SECRET_ACCESS_KEY": "test",
    }
    upgrade = subprocess.run(
        [str(TONEARM), "db", "upgrade"], env=clean_environment(**env), capture_output=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    port = free_port()
    server = start_process("serve", "--port", str(port), env=env)
    health = wait_healthy(port, server)
    assert all(component["ok"] for component in health["components"].values()), health

    start_process("worker", env=env)
    settings = Settings(
        data_dir=Path(env["TONEARM_DATA_DIR"]),
        database_url=postgres_url,
        cache_url=env["TONEARM_CACHE_URL"],
        queue_url=env["TONEARM_QUEUE_URL"],
        storage_url=env["TONEARM_STORAGE_URL"],
        s3_endpoint_url=s3_server.url,
        s3_region="us-east-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    # With Redis as the queue the server runs no jobs; the worker process does.
    assert await wait_for_job(settings, "jobs.prune") is JobState.SUCCEEDED


def test_python_is_the_virtualenv_one() -> None:
    # The console script these tests run must be the one installed beside this Python.
    assert TONEARM.exists(), f"{TONEARM} missing: pip install -e . first"
    assert Path(sys.executable).parent == TONEARM.parent


async def test_first_admin_is_printed_once_and_an_accepted_upload_survives_a_kill(
    start_process: StartProcess, tmp_path: Path
) -> None:
    from tests.ingest.audio_factory import make_audio_file

    port = free_port()
    env = {"TONEARM_DATA_DIR": str(tmp_path / "data")}
    server = start_process("serve", "--port", str(port), env=env)
    wait_healthy(port, server)
    log = (tmp_path / "serve-0.log").read_text()
    line = next(line for line in log.splitlines() if "created admin" in line)
    password = line.split("with password ")[1].split(" ")[0]
    base = f"http://127.0.0.1:{port}"
    tokens = httpx.post(
        f"{base}/api/auth/login", json={"username": "admin", "password": password}
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    track = make_audio_file(tmp_path, "flac", seconds=1.0, tags={"title": "Survivor"})
    accepted = httpx.post(
        f"{base}/api/songs?filename=survivor.flac", headers=headers, content=track.read_bytes()
    )
    assert accepted.status_code == 202
    job_id = accepted.json()["uploads"][0]["job_id"]
    os.kill(server.pid, signal.SIGKILL)  # right after the 202
    server.wait(timeout=30)

    port = free_port()
    again = start_process("serve", "--port", str(port), env=env)
    wait_healthy(port, again)
    assert "created admin" not in (tmp_path / "serve-1.log").read_text()
    base = f"http://127.0.0.1:{port}"

    def ended() -> dict[str, Any] | None:
        status: dict[str, Any] = httpx.get(
            f"{base}/api/ingest/{job_id}", headers=headers, timeout=30
        ).json()
        return status if status["state"] in ("done", "failed") else None

    status = wait_for(ended, "the upload's import to end", timeout=120)
    assert status["state"] == "done", status
    song = httpx.get(f"{base}/api/songs/{status['song_id']}", headers=headers).json()
    assert song["title"] == "Survivor"
