"""`tonearm db`: schema migrations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import typer

from tonearm.cli.context import console, run, state

if TYPE_CHECKING:
    from tonearm.adapters.db import Database
    from tonearm.settings import Settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _on_database(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> str:
    """Run `action` on the configured database, then return its revision."""
    from tonearm.adapters.db import Database
    from tonearm.adapters.db.migrate import current_revision

    async def go() -> str:
        database = Database(settings.resolved_database_url)
        try:
            await database.check()
            await action(database)
            return await current_revision(database.engine) or "empty"
        finally:
            await database.close()

    return run(go())


async def _nothing(database: Database) -> None:
    return None


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the database to this version's schema (needed for PostgreSQL)."""
    from tonearm.adapters.db import Database

    revision = _on_database(state(ctx).settings(), Database.upgrade)
    console.print(f"database schema at revision {revision}")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the database's schema revision and the one this version needs."""
    from tonearm.adapters.db.migrate import head_revision

    revision = _on_database(state(ctx).settings(), _nothing)
    console.print(f"database: {revision}  needed: {head_revision()}")


@app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: str = typer.Argument("-1", help="Target revision; -1 is one step back."),
) -> None:
    """Take the schema back (to roll back an upgrade)."""

    from tonearm.adapters.db.migrate import downgrade_database

    async def step_back(database: Database) -> None:
        await downgrade_database(database.engine, revision)

    now = _on_database(state(ctx).settings(), step_back)
    console.print(f"database schema at revision {now}")
