"""RefreshTokenRepository on SQLAlchemy."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import RefreshTokenRow
from tonearm.users.tokens import RefreshRecord


class SqlRefreshTokenRepository:
    """Refresh tokens in `refresh_tokens`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        record_id: UUID,
        user_id: UUID,
        token_hash: str,
        family_id: UUID,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Insert a token."""
        async with self._sessions.begin() as session:
            session.add(
                RefreshTokenRow(
                    id=record_id,
                    user_id=user_id,
                    token_hash=token_hash,
                    family_id=family_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    async def find(self, token_hash: str) -> RefreshRecord | None:
        """The token with this hash."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
            )
        if row is None:
            return None
        return RefreshRecord(
            row.id, row.user_id, row.family_id, row.expires_at, row.used_at, row.revoked_at
        )

    async def use(self, record_id: UUID, now: datetime) -> bool:
        """One conditional UPDATE: only the first of two concurrent refreshes wins."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(RefreshTokenRow)
                .where(
                    RefreshTokenRow.id == record_id,
                    RefreshTokenRow.used_at.is_(None),
                    RefreshTokenRow.revoked_at.is_(None),
                )
                .values(used_at=now)
            )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        """Revoke every live token of the family."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(RefreshTokenRow)
                .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    async def revoke_user(self, user_id: UUID, now: datetime) -> None:
        """Revoke every live token of the user."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(RefreshTokenRow)
                .where(RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    async def delete_expired(self, now: datetime) -> int:
        """Remove expired tokens: an expired token is refused whether or not it is kept."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(RefreshTokenRow).where(RefreshTokenRow.expires_at <= now)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
