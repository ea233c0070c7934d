"""PendingImports on SQLAlchemy: the `pending_imports` table (see ingest/pending.py).

The row is deleted by the song repository in the transaction that lists the song
(`delete_pending_import`), so "listed" and "no longer pending" change together.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import PendingImportRow
from tonearm.ingest.pending import PendingImport


class SqlPendingImports:
    """Imports whose song is not yet listed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, pending: PendingImport) -> None:
        """Insert or replace the row of `pending.song_id`."""
        async with self._sessions.begin() as session:
            await session.merge(
                PendingImportRow(
                    song_id=pending.song_id,
                    audio_hash=pending.audio_hash,
                    original_key=pending.original_key,
                    source_name=pending.source_name,
                    source=pending.source,
                    uploader_id=pending.uploader_id,
                    upload_key=pending.upload_key,
                    created_at=pending.created_at,
                )
            )

    async def find_by_audio_hash(self, audio_hash: str) -> PendingImport | None:
        """The oldest pending import of this audio."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PendingImportRow)
                .where(PendingImportRow.audio_hash == audio_hash)
                .order_by(PendingImportRow.created_at, PendingImportRow.song_id)
                .limit(1)
            )
            return None if row is None else _to_pending(row)

    async def all(self) -> list[PendingImport]:
        """Every pending import, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PendingImportRow).order_by(
                    PendingImportRow.created_at, PendingImportRow.song_id
                )
            )
            return [_to_pending(row) for row in rows]

    async def remove(self, song_id: UUID) -> None:
        """Delete the row (no error if it is gone)."""
        async with self._sessions.begin() as session:
            await delete_pending_import(session, song_id)

    async def pending_song_ids(self, song_ids: Collection[UUID]) -> set[UUID]:
        """The subset of `song_ids` with a pending row."""
        if not song_ids:
            return set()
        async with self._sessions() as session:
            found = await session.scalars(
                select(PendingImportRow.song_id).where(PendingImportRow.song_id.in_(song_ids))
            )
            return set(found)


async def delete_pending_import(session: AsyncSession, song_id: UUID) -> None:
    """Delete the pending row of `song_id` inside the caller's transaction."""
    await session.execute(delete(PendingImportRow).where(PendingImportRow.song_id == song_id))


def _to_pending(row: PendingImportRow) -> PendingImport:
    return PendingImport(
        song_id=row.song_id,
        audio_hash=row.audio_hash,
        original_key=row.original_key,
        source_name=row.source_name,
        source=row.source,
        created_at=row.created_at,
        uploader_id=row.uploader_id,
        upload_key=row.upload_key,
    )
