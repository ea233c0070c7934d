"""ResumeRepository on SQLAlchemy: `bookmarks` and `play_queues`."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.catalog_repository.songs import live_song_ids
from tonearm.adapters.db.tables import BookmarkRow, PlayQueueRow, SongRow
from tonearm.library.models import SongNotFound
from tonearm.resume.models import Bookmark, PlayQueue


class SqlResumeRepository:
    """Bookmarks keyed by (user, song); one play-queue row per user, songs as a JSON list."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def bookmarks(self, user_id: UUID) -> list[Bookmark]:
        """Bookmarks in live songs, newest change first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(BookmarkRow)
                .join(SongRow, SongRow.id == BookmarkRow.song_id)
                .where(BookmarkRow.user_id == user_id, SongRow.deleted_at.is_(None))
                .order_by(BookmarkRow.updated_at.desc(), BookmarkRow.song_id)
            )
            return [_to_bookmark(row) for row in rows]

    async def put_bookmark(self, user_id: UUID, bookmark: Bookmark) -> Bookmark:
        """Insert or update; a concurrent insert of the same key is retried as an update."""
        for attempt in range(2):
            try:
                async with self._sessions.begin() as session:
                    row = await session.get(
                        BookmarkRow, (user_id, bookmark.song_id), with_for_update=True
                    )
                    if row is None:
                        row = BookmarkRow(
                            user_id=user_id,
                            song_id=bookmark.song_id,
                            position_ms=bookmark.position_ms,
                            comment=bookmark.comment,
                            created_at=bookmark.created_at,
                            updated_at=bookmark.updated_at,
                        )
                        session.add(row)
                    else:
                        row.position_ms = bookmark.position_ms
                        row.comment = bookmark.comment
                        row.updated_at = bookmark.updated_at
                    await session.flush()
                    return _to_bookmark(row)
            except IntegrityError:
                if attempt:
                    # Not a duplicate key the second time: the song was deleted outright.
                    raise SongNotFound(bookmark.song_id) from None
        raise AssertionError("unreachable")

    async def delete_bookmark(self, user_id: UUID, song_id: UUID) -> bool:
        """Delete the row; whether there was one."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(BookmarkRow).where(
                    BookmarkRow.user_id == user_id, BookmarkRow.song_id == song_id
                )
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def play_queue(self, user_id: UUID) -> PlayQueue | None:
        """The stored row as a PlayQueue."""
        async with self._sessions() as session:
            row = await session.get(PlayQueueRow, user_id)
            if row is None:
                return None
            return PlayQueue(
                song_ids=tuple(UUID(raw) for raw in row.song_ids),
                current_index=row.current_index,
                position_ms=row.position_ms,
                changed_by=row.changed_by,
                updated_at=row.updated_at,
            )

    async def put_play_queue(self, user_id: UUID, queue: PlayQueue) -> None:
        """Replace the row (delete and insert in one transaction)."""
        for attempt in range(2):
            try:
                async with self._sessions.begin() as session:
                    await session.execute(
                        delete(PlayQueueRow).where(PlayQueueRow.user_id == user_id)
                    )
                    session.add(
                        PlayQueueRow(
                            user_id=user_id,
                            song_ids=[str(song_id) for song_id in queue.song_ids],
                            current_index=queue.current_index,
                            position_ms=queue.position_ms,
                            changed_by=queue.changed_by,
                            updated_at=queue.updated_at,
                        )
                    )
                return
            except IntegrityError:
                # Two saves raced to insert: the later one retries and wins.
                if attempt:
                    raise

    async def delete_play_queue(self, user_id: UUID) -> None:
        """Delete the row if there is one."""
        async with self._sessions.begin() as session:
            await session.execute(delete(PlayQueueRow).where(PlayQueueRow.user_id == user_id))

    async def live_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Which of `song_ids` exist and are not tombstoned."""
        async with self._sessions() as session:
            return await live_song_ids(session, song_ids)


def _to_bookmark(row: BookmarkRow) -> Bookmark:
    return Bookmark(
        song_id=row.song_id,
        position_ms=row.position_ms,
        comment=row.comment,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
