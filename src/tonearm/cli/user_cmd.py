"""`tonearm user`: accounts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from tonearm.adapters.db import SqlUserRepository
from tonearm.app import open_database
from tonearm.cli.context import console, run, state
from tonearm.settings import Settings
from tonearm.users import Role, User, UserService

app = typer.Typer(help="Accounts.", no_args_is_help=True)
T = TypeVar("T")


def _with_users(settings: Settings, action: Callable[[UserService], Awaitable[T]]) -> T:
    """Run `action` with a UserService on the configured database (migrated if embedded)."""

    async def go() -> T:
        database = await open_database(settings)
        try:
            return await action(UserService(SqlUserRepository(database.sessions)))
        finally:
            await database.close()

    return run(go())


def _ask_password(password: str | None) -> str:
    if password is not None:
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    ctx: typer.Context,
    username: str,
    admin: Annotated[
        bool, typer.Option("--admin", help="May manage users and the library.")
    ] = False,
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given).")
    ] = None,
) -> None:
    """Create an account."""
    secret = _ask_password(password)
    role = Role.ADMIN if admin else Role.USER
    user: User = _with_users(
        state(ctx).settings(), lambda users: users.add_user(username, secret, role)
    )
    console.print(f"added {user.role.value} [bold]{user.username}[/bold]")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Show every account."""
    users = _with_users(state(ctx).settings(), UserService.list_users)
    table = Table("username", "role", "active", "created")
    for user in users:
        table.add_row(
            user.username,
            user.role.value,
            "yes" if user.active else "no",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    username: str,
    password: Annotated[
        str | None, typer.Option(help="New password (asked for when not given).")
    ] = None,
) -> None:
    """Set a new password for an account."""
    secret = _ask_password(password)
    _with_users(state(ctx).settings(), lambda users: users.set_password(username, secret))
    console.print(f"password of [bold]{username}[/bold] changed")


@app.command("delete")
def delete(
    ctx: typer.Context,
    username: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an account with its playlists and listening history."""
    if not yes:
        typer.confirm(f"Delete {username} and their playlists and history?", abort=True)
    _with_users(state(ctx).settings(), lambda users: users.delete_user(username))
    console.print(f"deleted [bold]{username}[/bold]")
