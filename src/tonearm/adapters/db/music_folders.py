"""MusicFolderRepository on SQLAlchemy: the `music_folders` table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import MusicFolderRow, SongRow
from tonearm.errors import AlreadyExists
from tonearm.library.music_folders import MusicFolder, MusicFolderNotFound


def _folder(row: MusicFolderRow) -> MusicFolder:
    return MusicFolder(
        id=row.id,
        path=row.path,
        name=row.name,
        created_at=row.created_at,
        last_scan_at=row.last_scan_at,
        last_scan=row.last_scan,
    )


class SqlMusicFolderRepository:
    """Music folders by integer id, unique by path."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, path: str, name: str, now: datetime) -> MusicFolder:
        """Insert a folder; raises AlreadyExists when its path is already one."""
        row = MusicFolderRow(path=path, name=name[:500], created_at=now)
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
                await session.flush()
                return _folder(row)
        except IntegrityError:
            raise AlreadyExists(f"{path!r} is already a music folder") from None

    async def list_folders(self) -> list[MusicFolder]:
        """Every music folder, by id."""
        async with self._sessions() as session:
            rows = await session.scalars(select(MusicFolderRow).order_by(MusicFolderRow.id))
            return [_folder(row) for row in rows]

    async def get(self, folder_id: int) -> MusicFolder:
        """One folder; raises MusicFolderNotFound."""
        async with self._sessions() as session:
            row = await session.get(MusicFolderRow, folder_id)
            if row is None:
                raise MusicFolderNotFound(folder_id)
            return _folder(row)

    async def remove(self, folder_id: int) -> None:
        """Delete the folder's row; raises MusicFolderNotFound."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(MusicFolderRow).where(MusicFolderRow.id == folder_id)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise MusicFolderNotFound(folder_id)

    async def record_scan(self, folder_id: int, now: datetime, summary: Mapping[str, Any]) -> None:
        """Remember the folder's last scan (a folder removed meanwhile is left alone)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(MusicFolderRow)
                .where(MusicFolderRow.id == folder_id)
                .values(last_scan_at=now, last_scan=dict(summary))
            )

    async def song_counts(self) -> dict[int, int]:
        """Live in-place songs under each folder (one indexed prefix count per folder)."""
        async with self._sessions() as session:
            folders = (await session.execute(select(MusicFolderRow.id, MusicFolderRow.path))).all()
            counts: dict[int, int] = {}
            for folder_id, path in folders:
                prefix = path.rstrip("/") + "/"
                counts[folder_id] = int(
                    await session.scalar(
                        select(func.count()).where(
                            SongRow.deleted_at.is_(None),
                            SongRow.original_path.startswith(prefix, autoescape=True),
                        )
                    )
                    or 0
                )
            return counts
