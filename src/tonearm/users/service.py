"""Account management: add, list, change passwords, disable, delete, check a login."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tonearm.errors import BadCredentials, PermissionDenied
from tonearm.users.models import (
    InvalidUsername,
    Role,
    User,
    UsernameTaken,
    UserNotFound,
    check_password_strength,
    normalize_username,
)
from tonearm.users.passwords import hash_password, needs_rehash, verify_password
from tonearm.users.repository import UserRepository


class UserService:
    """The rules for accounts, over a UserRepository."""

    def __init__(
        self, users: UserRepository, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._users = users
        self._clock = clock
        self._password_listeners: list[Callable[[User, str], Awaitable[None]]] = []
        # Counts the changes made here to an account's password, state or existence: a
        # cache of accounts (Subsonic sign-in) drops what it read before a change.
        self.generation = 0

    async def add_user(self, username: str, password: str, role: Role = Role.USER) -> User:
        """Create an account; raises InvalidUsername, WeakPassword or UsernameTaken."""
        check_password_strength(password)
        user = User(
            id=uuid.uuid4(),
            username=normalize_username(username),
            role=role,
            active=True,
            created_at=self._clock(),
        )
        await self._users.add(user, await hash_password(password))
        await self._password_known(user, password)
        return user

    async def create_first_admin(self, username: str = "admin") -> tuple[User, str] | None:
        """On a database without any account, an admin with a random password (returned
        once, to be shown to the owner); None when accounts exist."""
        if await self._users.count() > 0:
            return None
        password = secrets.token_urlsafe(15)
        try:
            return await self.add_user(username, password, Role.ADMIN), password
        except UsernameTaken:
            # Another process starting at the same moment made it first.
            return None

    async def list_users(self) -> list[User]:
        """Every account, by username."""
        return await self._users.list()

    async def get_user(self, username: str) -> User:
        """The account named `username`; raises UserNotFound."""
        user, _ = await self._users.get_by_username(normalize_username(username))
        return user

    async def set_password(self, username: str, new_password: str) -> None:
        """Set a new password (admin reset or CLI); raises UserNotFound or WeakPassword."""
        check_password_strength(new_password)
        user = await self.get_user(username)
        await self._users.set_password_hash(user.id, await hash_password(new_password))
        await self._password_known(user, new_password)
        self.generation += 1

    async def set_active(self, username: str, active: bool) -> User:
        """Enable or disable an account (a disabled one cannot sign in by any means); the
        last active admin cannot be disabled. Raises UserNotFound or PermissionDenied."""
        user = await self.get_user(username)
        if not active and user.is_admin and user.active:
            admins = [u for u in await self._users.list() if u.is_admin and u.active]
            if len(admins) <= 1:
                raise PermissionDenied("cannot disable the last admin; add another admin first")
        await self._users.set_active(user.id, active)
        self.generation += 1
        return await self._users.get(user.id)

    async def delete_user(self, username: str) -> None:
        """Delete the account and what it owns; the last admin cannot be deleted."""
        user = await self.get_user(username)
        if user.is_admin:
            admins = [u for u in await self._users.list() if u.is_admin and u.active]
            if len(admins) <= 1 and user.active:
                raise PermissionDenied("cannot delete the last admin; add another admin first")
        await self._users.delete(user.id)
        self.generation += 1

    async def find_with_hash(self, username: str) -> tuple[User, str] | None:
        """The account named `username` with its password hash, or None."""
        try:
            return await self._users.get_by_username(normalize_username(username))
        except (UserNotFound, InvalidUsername):
            return None

    def on_password(self, listener: Callable[[User, str], Awaitable[None]]) -> None:
        """Call `listener(user, password)` whenever a password is set or checked right
        (Subsonic token auth keeps an encrypted copy)."""
        self._password_listeners.append(listener)

    async def _password_known(self, user: User, password: str) -> None:
        for listener in self._password_listeners:
            await listener(user, password)

    async def authenticate(self, username: str, password: str) -> User:
        """The account if the password is right and the account active; else BadCredentials.

        The same error for unknown users, wrong passwords and disabled accounts, so a caller
        learns nothing about which usernames exist.
        """
        try:
            user, password_hash = await self._users.get_by_username(normalize_username(username))
        except (UserNotFound, InvalidUsername):
            # Spend the same time as a real check so timing does not reveal unknown names.
            await hash_password(password)
            raise BadCredentials("wrong username or password") from None
        if not await verify_password(password_hash, password) or not user.active:
            raise BadCredentials("wrong username or password")
        if needs_rehash(password_hash):
            await self._users.set_password_hash(user.id, await hash_password(password))
            self.generation += 1
        await self._password_known(user, password)
        return user
