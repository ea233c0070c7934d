"""Session-wide servers (PostgreSQL, Redis, moto S3), started only when a test asks for one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

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
