"""`tonearm user`: accounts."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from tonearm.cli.context import console, run, state

if TYPE_CHECKING:
    from tonearm.settings import Settings
    from tonearm.users import User, UserService
    from tonearm.users.api_keys import ApiKeyService

app = typer.Typer(help="Accounts.", no_args_is_help=True)
T = TypeVar("T")


def _with_users(settings: Settings, action: Callable[[UserService], Awaitable[T]]) -> T:
    """Run `action` with a UserService on the configured database (migrated if embedded)."""
    from tonearm.adapters.db import SqlUserRepository
    from tonearm.app import load_secret_key, open_database, subsonic_password_copies
    from tonearm.users import UserService

    async def go() -> T:
        database = await open_database(settings)
        try:
            users = UserService(SqlUserRepository(database.sessions))
            copies = subsonic_password_copies(settings, database, load_secret_key(settings))
            users.on_password(copies.remember)
            return await action(users)
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
    from tonearm.users import Role

    role = Role.ADMIN if admin else Role.USER
    user: User = _with_users(
        state(ctx).settings(), lambda users: users.add_user(username, secret, role)
    )
    console.print(f"added {user.role.value} [bold]{user.username}[/bold]")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Show every account."""
    from tonearm.users import UserService

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


apikey_app = typer.Typer(help="API keys for Subsonic apps (apiKey=).", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")


def _with_api_keys(settings: Settings, action: Callable[[ApiKeyService], Awaitable[T]]) -> T:
    from tonearm.adapters.db.subsonic_auth import SqlApiKeyRepository
    from tonearm.app import open_database
    from tonearm.users.api_keys import ApiKeyService

    async def go() -> T:
        database = await open_database(settings)
        try:
            return await action(ApiKeyService(SqlApiKeyRepository(database.sessions)))
        finally:
            await database.close()

    return run(go())


def _user(settings: Settings, username: str) -> User:
    return _with_users(settings, lambda users: users.get_user(username))


@apikey_app.command("add")
def apikey_add(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the app's name.")],
) -> None:
    """Make an API key for a user; the key is printed once."""
    settings = state(ctx).settings()
    user = _user(settings, username)
    key, secret = _with_api_keys(settings, lambda keys: keys.create(user, name))
    console.print(f"API key [bold]{key.name}[/bold] ({key.id}) for {user.username}:")
    console.print(secret, soft_wrap=True, highlight=False)
    console.print("It is shown only now; paste it into the app's API key field.")


@apikey_app.command("list")
def apikey_list(ctx: typer.Context, username: str) -> None:
    """Show a user's API keys (their first characters only)."""
    settings = state(ctx).settings()
    user = _user(settings, username)
    keys = _with_api_keys(settings, lambda service: service.list(user))
    table = Table("id", "name", "starts with", "created", "last used")
    for key in keys:
        table.add_row(
            str(key.id),
            key.name,
            key.prefix,
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never",
        )
    console.print(table)


@apikey_app.command("revoke")
def apikey_revoke(ctx: typer.Context, username: str, key_id: uuid.UUID) -> None:
    """Revoke one of a user's API keys."""
    settings = state(ctx).settings()
    user = _user(settings, username)
    _with_api_keys(settings, lambda keys: keys.revoke(user, key_id))
    console.print(f"revoked API key {key_id} of [bold]{user.username}[/bold]")
