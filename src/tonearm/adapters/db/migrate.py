"""Schema migrations: upgrade, downgrade and drift check, on SQLite and PostgreSQL alike.

Alembic (and Mako under it) is imported only when a migration really runs: a start on a
database already at HEAD_REVISION reads the version row with one plain query, so `serve`
and every worker process skip ~10 MiB and a good part of their start-up CPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from tonearm.adapters.db.tables import include_schema_name, metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# The newest revision in migrations/versions; a test checks it against alembic's own head,
# so adding a migration without moving this fails the suite.
HEAD_REVISION = "0020"


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    if revision == "head" and await current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), revision))


async def downgrade_database(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision` ("-1": one step)."""
    from alembic import command

    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None when it has never been migrated."""

    # Alembic's own table, read as its MigrationContext does (one row; none before the
    # first migration), without importing alembic.
    async with engine.connect() as conn:
        try:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except (OperationalError, ProgrammingError):
            return None  # no such table yet
    if len(rows) > 1:
        raise RuntimeError("alembic_version holds several heads: run `tonearm db upgrade`")
    return str(rows[0][0]) if rows else None


def head_revision() -> str:
    """The newest revision this version of tonearm knows."""
    return HEAD_REVISION


def scripted_head_revision() -> str:
    """The newest revision as alembic finds it in migrations/versions (tests compare it
    with HEAD_REVISION)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


async def schema_drift(engine: AsyncEngine) -> list[Any]:
    """Differences between the live schema and the models; empty when they agree."""

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def compare(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync, opts={"compare_type": True, "include_name": include_schema_name}
        )
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


__all__ = [
    "HEAD_REVISION",
    "current_revision",
    "downgrade_database",
    "head_revision",
    "schema_drift",
    "scripted_head_revision",
    "upgrade_database",
]
