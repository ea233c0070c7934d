"""EncodeClaims on SQLAlchemy: one `rendition_encodes` row per (song, rendition) being made.

Taking a claim is one atomic statement on both databases: an INSERT that, on a conflict with
the (song_id, kind) primary key, takes the row over only when its lease has run out
(`ON CONFLICT … DO UPDATE … WHERE expires_at < now`), returning the row it wrote. No row
back means another holder's live claim stands. SQLite (3.35+) and PostgreSQL both run it
as written, so two processes — or two hosts on one PostgreSQL — never both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import RenditionEncodeRow

_TABLE = RenditionEncodeRow.__table__


class SqlEncodeClaims:
    """Claims with leases in the `rendition_encodes` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, song_id: UUID, kind: str, holder: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Whether `holder` now holds the claim on (song, kind) until `expires_at`: it was
        free, or its last holder's lease ended before `now`."""
        async with self._sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                insert(_TABLE)
                .values(song_id=song_id, kind=kind, holder=holder, expires_at=expires_at)
                .on_conflict_do_update(
                    index_elements=[_TABLE.c.song_id, _TABLE.c.kind],
                    set_={"holder": holder, "expires_at": expires_at},
                    where=_TABLE.c.expires_at < now,
                )
                .returning(_TABLE.c.holder)
            )
            won = (await session.execute(statement)).scalar_one_or_none()
        return won == holder

    async def renew(self, song_id: UUID, kind: str, holder: str, expires_at: datetime) -> bool:
        """Extend `holder`'s claim; False when it no longer holds it."""
        async with self._sessions.begin() as session:
            result: Any = await session.execute(
                update(RenditionEncodeRow)
                .where(
                    RenditionEncodeRow.song_id == song_id,
                    RenditionEncodeRow.kind == kind,
                    RenditionEncodeRow.holder == holder,
                )
                .values(expires_at=expires_at)
            )
        return bool(result.rowcount)

    async def release(self, song_id: UUID, kind: str, holder: str) -> None:
        """Drop `holder`'s claim (a no-op when someone else took it over)."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(RenditionEncodeRow).where(
                    RenditionEncodeRow.song_id == song_id,
                    RenditionEncodeRow.kind == kind,
                    RenditionEncodeRow.holder == holder,
                )
            )

    async def holder(self, song_id: UUID, kind: str) -> tuple[str, datetime] | None:
        """Who holds the claim on (song, kind) and until when, if anyone (for tests and
        status pages)."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(RenditionEncodeRow.holder, RenditionEncodeRow.expires_at).where(
                        RenditionEncodeRow.song_id == song_id, RenditionEncodeRow.kind == kind
                    )
                )
            ).first()
        return None if row is None else (row[0], row[1])


__all__ = ["SqlEncodeClaims"]
