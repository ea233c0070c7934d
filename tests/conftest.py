"""Session-wide servers (PostgreSQL, Redis, moto S3), started only when a test asks for one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.servers import RunningServer, running_moto_s3, running_postgres, running_redis


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
