"""Schema migrations: upgrade, downgrade and drift check, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from tonearm.adapters.db.tables import include_schema_name, metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), revision))


async def downgrade_database(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision` ("-1": one step)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None when it has never been migrated."""

    def read(sync: Connection) -> str | None:
        return MigrationContext.configure(sync).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)


def head_revision() -> str:
    """The newest revision this version of tonearm knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


async def schema_drift(engine: AsyncEngine) -> list[Any]:
    """Differences between the live schema and the models; empty when they agree."""

    def compare(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync, opts={"compare_type": True, "include_name": include_schema_name}
        )
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


__all__ = [
    "current_revision",
    "downgrade_database",
    "head_revision",
    "schema_drift",
    "upgrade_database",
]
