"""WebSessionRepository on SQLAlchemy."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import WebSessionRow
from tonearm.users.sessions import WebSessionRecord


class SqlWebSessionRepository:
    """Browser sessions in `web_sessions`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        session_id: UUID,
        user_id: UUID,
        token_hash: str,
        csrf_hash: str,
        now: datetime,
        expires_at: datetime,
        user_agent: str | None,
    ) -> None:
        """Insert a session."""
        async with self._sessions.begin() as session:
            session.add(
                WebSessionRow(
                    id=session_id,
                    user_id=user_id,
                    token_hash=token_hash,
                    csrf_hash=csrf_hash,
                    created_at=now,
                    expires_at=expires_at,
                    last_seen_at=now,
                    user_agent=user_agent[:300] if user_agent else None,
                )
            )

    async def find(self, token_hash: str) -> WebSessionRecord | None:
        """The session with this token hash."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(WebSessionRow).where(WebSessionRow.token_hash == token_hash)
            )
        if row is None:
            return None
        return WebSessionRecord(
            row.id, row.user_id, row.csrf_hash, row.created_at, row.expires_at, row.last_seen_at
        )

    async def extend(self, session_id: UUID, now: datetime, expires_at: datetime) -> None:
        """Move last_seen_at and expires_at forward."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.id == session_id)
                .values(last_seen_at=now, expires_at=expires_at)
            )

    async def delete(self, session_id: UUID) -> None:
        """Remove one session."""
        async with self._sessions.begin() as session:
            await session.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))

    async def delete_for_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        """Remove the user's sessions but `keep`."""
        statement = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
        if keep is not None:
            statement = statement.where(WebSessionRow.id != keep)
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def delete_expired(self, now: datetime) -> int:
        """Remove expired sessions."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(WebSessionRow).where(WebSessionRow.expires_at <= now)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
