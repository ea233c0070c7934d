"""UserRepository on SQLAlchemy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import UserRow, utc_now
from tonearm.users.models import Role, User, UsernameTaken, UserNotFound


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        active=row.active,
        created_at=row.created_at,
    )


class SqlUserRepository:
    """Accounts in the `users` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, user: User, password_hash: str) -> None:
        """Insert the account; raises UsernameTaken."""
        row = UserRow(
            id=user.id,
            username=user.username,
            password_hash=password_hash,
            role=user.role.value,
            active=user.active,
            created_at=user.created_at,
            updated_at=user.created_at,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise UsernameTaken(user.username) from None

    async def get_by_username(self, username: str) -> tuple[User, str]:
        """The account and its hash; raises UserNotFound."""
        async with self._sessions() as session:
            row = await session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise UserNotFound(username)
        return _to_user(row), row.password_hash

    async def get(self, user_id: UUID) -> User:
        """The account; raises UserNotFound."""
        async with self._sessions() as session:
            row = await session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(str(user_id))
        return _to_user(row)

    async def list(self) -> list[User]:
        """Every account, by username."""
        async with self._sessions() as session:
            rows = await session.scalars(select(UserRow).order_by(UserRow.username))
            return [_to_user(row) for row in rows]

    async def count(self) -> int:
        """How many accounts exist."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        """Replace the hash; raises UserNotFound."""
        await self._update(user_id, password_hash=password_hash)

    async def set_active(self, user_id: UUID, active: bool) -> None:
        """Enable or disable; raises UserNotFound."""
        await self._update(user_id, active=active)

    async def delete(self, user_id: UUID) -> None:
        """Delete the row; the schema cascades to what the user owns."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(UserRow).where(UserRow.id == user_id))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise UserNotFound(str(user_id))

    async def _update(self, user_id: UUID, **values: Any) -> None:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(UserRow).where(UserRow.id == user_id).values(**values, updated_at=utc_now())
            )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise UserNotFound(str(user_id))
