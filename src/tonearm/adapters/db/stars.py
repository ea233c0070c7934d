"""StarRepository on SQLAlchemy: the one writer of `starred_items` and `ratings`.

Likes arrive two ways: explicitly (`set_liked`, REST like and Subsonic star of a song) and
as `like`/`unlike` events in a batch (`/api/events`); the listening repository applies the
latter with `write_likes` inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from tonearm.adapters.db.engine import run_write
from tonearm.adapters.db.interactions import (
    decode_cursor,
    encode_cursor,
    interaction_values,
    older,
    song_summaries,
)
from tonearm.adapters.db.plays import lock_user
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    RatingRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.library.models import SongNotFound
from tonearm.listening.models import EventKind, LikedSong, ListeningEvent
from tonearm.listening.stars import StarredItem
from tonearm.listening.user_state import ItemKind

_LIKE_KINDS = (EventKind.LIKE, EventKind.UNLIKE)
_SONG = ItemKind.SONG.value


def _insert(session: AsyncSession | Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlStarRepository:
    """Stars in `starred_items`, ratings in `ratings`; likes also as interactions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def item_kind(self, item_id: UUID) -> ItemKind | None:
        """Which of songs (live), albums and artists has the id, in one query."""
        query = union_all(
            select(literal(ItemKind.SONG.value)).where(
                SongRow.id == item_id, SongRow.deleted_at.is_(None)
            ),
            select(literal(ItemKind.ALBUM.value)).where(AlbumRow.id == item_id),
            select(literal(ItemKind.ARTIST.value)).where(ArtistRow.id == item_id),
        )
        async with self._sessions() as session:
            found = (await session.execute(query)).scalars().first()
        return None if found is None else ItemKind(found)

    async def set_liked(self, user_id: UUID, song_id: UUID, liked: bool, at: datetime) -> None:
        """Record the like or unlike as an interaction and star or unstar the song."""
        event = ListeningEvent(
            client_event_id="",
            kind=EventKind.LIKE if liked else EventKind.UNLIKE,
            song_id=song_id,
            occurred_at=at,
            session_id="",
        )

        def write(session: Session) -> None:
            lock_user(session, user_id)
            if session.scalar(select(SongRow.id).where(SongRow.id == song_id)) is None:
                raise SongNotFound(song_id)
            # Not from a client batch: no client event id, no session.
            values = interaction_values(user_id, event)
            values["client_event_id"] = values["session_id"] = None
            session.execute(insert(UserInteractionRow).values(**values))
            write_likes(session, user_id, [event])

        # On SQLite's writer thread (adapters/db/engine.py): likes are written under load.
        await run_write(self._sessions, write)

    async def set_starred(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, starred: bool, at: datetime
    ) -> None:
        """Insert (a repeated star keeps the first time) or delete the starred row."""
        async with self._sessions.begin() as session:
            await _write_star(session, user_id, kind, item_id, at if starred else None)

    async def set_rating(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, rating: int | None, at: datetime
    ) -> None:
        """Upsert or delete the rating row."""
        async with self._sessions.begin() as session:
            if rating is None:
                await session.execute(
                    delete(RatingRow).where(
                        RatingRow.user_id == user_id,
                        RatingRow.item_kind == kind.value,
                        RatingRow.item_id == item_id,
                    )
                )
                return
            statement = _insert(session)(RatingRow).values(
                user_id=user_id, item_kind=kind.value, item_id=item_id, rating=rating, rated_at=at
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "item_kind", "item_id"],
                    set_={"rating": rating, "rated_at": at},
                )
            )

    async def starred(self, user_id: UUID) -> list[StarredItem]:
        """Starred live songs, albums and artists, newest first."""
        live_songs = select(SongRow.id).where(SongRow.deleted_at.is_(None))
        query = (
            select(StarredItemRow.item_kind, StarredItemRow.item_id, StarredItemRow.starred_at)
            .where(StarredItemRow.user_id == user_id)
            .where(
                (StarredItemRow.item_kind != ItemKind.SONG.value)
                | StarredItemRow.item_id.in_(live_songs)
            )
            .order_by(StarredItemRow.starred_at.desc(), StarredItemRow.item_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [StarredItem(ItemKind(kind), item_id, _aware(at)) for kind, item_id, at in rows]

    async def likes(self, user_id: UUID, limit: int, before: str | None) -> list[LikedSong]:
        """Liked (starred) live songs, newest first, by (liked at, song id)."""
        query = (
            select(StarredItemRow.item_id, StarredItemRow.starred_at)
            .join(SongRow, SongRow.id == StarredItemRow.item_id)
            .where(
                StarredItemRow.user_id == user_id,
                StarredItemRow.item_kind == _SONG,
                SongRow.deleted_at.is_(None),
            )
            .order_by(StarredItemRow.starred_at.desc(), StarredItemRow.item_id.desc())
            .limit(limit)
        )
        if before is not None:
            at, song_id = decode_cursor(before, UUID)
            query = query.where(
                older(StarredItemRow.starred_at, StarredItemRow.item_id, at, song_id)
            )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            summaries = await song_summaries(session, {song_id for song_id, _ in rows})
        return [
            LikedSong(summaries[song_id], liked_at, encode_cursor(liked_at, str(song_id)))
            for song_id, liked_at in rows
        ]


def write_likes(session: Session, user_id: UUID, events: Sequence[ListeningEvent]) -> None:
    """Star or unstar the songs that `events` like or unlike (other kinds are ignored)."""
    # Within a batch the latest like or unlike of a song (by timestamp) wins; between
    # batches and explicit likes, the later to arrive wins.
    latest: dict[UUID, ListeningEvent] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.kind in _LIKE_KINDS:
            latest[event.song_id] = event
    for song_id, event in sorted(latest.items()):
        starred_at = event.occurred_at if event.kind is EventKind.LIKE else None
        session.execute(_star_statement(session, user_id, ItemKind.SONG, song_id, starred_at))


async def _write_star(
    session: AsyncSession, user_id: UUID, kind: ItemKind, item_id: UUID, at: datetime | None
) -> None:
    await session.execute(_star_statement(session, user_id, kind, item_id, at))


def _star_statement(
    session: AsyncSession | Session,
    user_id: UUID,
    kind: ItemKind,
    item_id: UUID,
    at: datetime | None,
) -> Any:
    # `at` None unstars; a star already there keeps its first time.
    if at is None:
        return delete(StarredItemRow).where(
            StarredItemRow.user_id == user_id,
            StarredItemRow.item_kind == kind.value,
            StarredItemRow.item_id == item_id,
        )
    return (
        _insert(session)(StarredItemRow)
        .values(user_id=user_id, item_kind=kind.value, item_id=item_id, starred_at=at)
        .on_conflict_do_nothing()
    )


__all__ = ["SqlStarRepository", "write_likes"]
