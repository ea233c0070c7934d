"""Session-wide servers (PostgreSQL, Redis, moto S3), started only when a test asks for one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import psycopg
import pytest
import redis

from tests.servers import RunningServer, running_moto_s3, running_postgres, running_redis
from tonearm.adapters.db import Database
from tonearm.settings import Settings


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RunningServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[RunningServer]:
    with running_moto_s3() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[RunningServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: RunningServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server.url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server.url}/{name}"
    with psycopg.connect(f"{postgres_server.url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite in tmp_path, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path)
    else:
        settings = Settings(data_dir=tmp_path, database_url=request.getfixturevalue("postgres_url"))
    db = Database(settings.resolved_database_url)
    await db.upgrade()
    yield db
    await db.close()


def make_s3_bucket(s3_url: str) -> str:
    """A new, empty bucket on the test S3 server."""
    bucket = f"t-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["embedded", "scale_out"])
async def stack_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for the whole stack: the embedded defaults, then PostgreSQL + Redis + S3.

    The scale-out database is fresh and migrated; Redis is flushed (tests run one at a time).
    """
    if request.param == "embedded":
        return Settings(data_dir=tmp_path / "data")
    s3 = request.getfixturevalue("s3_server")
    redis_url = request.getfixturevalue("redis_server").url
    redis.Redis.from_url(redis_url).flushdb()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=request.getfixturevalue("postgres_url"),
        cache_url=redis_url,
        queue_url=redis_url,
        storage_url=f"s3://{make_s3_bucket(s3.url)}/lib",
        s3_endpoint_url=s3.url,
        s3_region="us-east-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    db = Database(settings.resolved_database_url)
    await db.upgrade()
    await db.close()
    return settings


# The modules that take minutes (servers in subprocesses, killed workers, CLI runs), as
# measured with --durations. pytest-xdist hands out whole files in collection order, so
# these go first: started last, they would leave one worker busy while the other idles.
SLOW_FIRST = (
    "tests/test_serve_e2e.py",
    "tests/cli/test_commands.py",
    "tests/api/subsonic/test_pysonic_userdata.py",
    "tests/api/subsonic/test_pysonic_browse.py",
    "tests/api/subsonic/test_pysonic_play.py",
    "tests/e2e/test_media_server.py",
    "tests/jobs/test_worker_kill.py",
    "tests/jobs/test_scheduler_processes.py",
    "tests/ingest/test_crash_safety.py",
    "tests/web/test_downloads.py",
    "tests/web/test_playback.py",
    "tests/web/test_admin.py",
    "tests/api/subsonic/test_pysonic_mashups.py",
    "tests/cli/test_mashup_cli.py",
    "tests/cli/test_analyse_cli.py",
    "tests/web/test_mashups.py",
    "tests/web/test_sonic.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Known slow modules first (a stable sort: the rest keep their order)."""
    root = config.rootpath

    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(root).as_posix()
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)
