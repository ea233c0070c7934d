"""Where accounts are kept. Implemented in adapters/db/users.py."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from tonearm.users.models import User


class UserRepository(Protocol):
    """Accounts and their password hashes."""

    async def add(self, user: User, password_hash: str) -> None:
        """Store a new account; raises UsernameTaken."""
        ...

    async def get_by_username(self, username: str) -> tuple[User, str]:
        """The account and its password hash; raises UserNotFound."""
        ...

    async def get(self, user_id: UUID) -> User:
        """The account; raises UserNotFound."""
        ...

    async def list(self) -> list[User]:
        """Every account, by username."""
        ...

    async def count(self) -> int:
        """How many accounts exist."""
        ...

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        """Replace the password hash; raises UserNotFound."""
        ...

    async def set_active(self, user_id: UUID, active: bool) -> None:
        """Enable or disable the account; raises UserNotFound."""
        ...

    async def delete(self, user_id: UUID) -> None:
        """Remove the account and everything it owns; raises UserNotFound."""
        ...
