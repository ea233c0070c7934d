"""Migrations against both databases: up from empty, one step down, up again, no drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tonearm.adapters.db.engine import open_engine
from tonearm.adapters.db.migrate import (
    current_revision,
    downgrade_database,
    head_revision,
    schema_drift,
    scripted_head_revision,
    upgrade_database,
)
from tonearm.adapters.db.tables import metadata
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path).resolved_database_url
    pg_url: str = request.getfixturevalue("postgres_url")
    return Settings(data_dir=tmp_path, database_url=pg_url).resolved_database_url


async def table_names(engine) -> set[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_from_empty_creates_every_table_at_head(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        assert await current_revision(engine) is None
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        assert set(metadata.tables) <= await table_names(engine)
    finally:
        await engine.dispose()


async def test_downgrade_one_step_then_upgrade_again(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        await upgrade_database(engine)
        await downgrade_database(engine, "-1")
        assert await current_revision(engine) != head_revision()
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        await upgrade_database(engine)
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        await upgrade_database(engine)
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = open_engine(Settings(data_dir=tmp_path).resolved_database_url)
    try:
        async with engine.connect() as conn:
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            foreign_keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert journal == "wal"
        assert foreign_keys == 1
    finally:
        await engine.dispose()


def test_head_revision_constant_is_alembics_head() -> None:
    # HEAD_REVISION lets a start skip importing alembic; a new migration must move it.
    assert head_revision() == scripted_head_revision()


def test_a_start_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    # A fresh interpreter: migrate an empty SQLite file (alembic runs), then, in a second
    # interpreter, open it again as every later start does.
    url = Settings(data_dir=tmp_path).resolved_database_url
    program = f"""
import asyncio, sys
from tonearm.adapters.db.engine import open_engine
from tonearm.adapters.db.migrate import upgrade_database, current_revision

async def main():
    engine = open_engine({url!r})
    await upgrade_database(engine)
    print(await current_revision(engine), "alembic" in sys.modules)
    await engine.dispose()

asyncio.run(main())
"""
    first = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == [head_revision(), "True"]
    again = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == [head_revision(), "False"]
