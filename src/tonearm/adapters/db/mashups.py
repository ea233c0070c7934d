"""MashupRepository on SQLAlchemy: `mashups` rows, and the reads a mashup run needs (a
user's most played songs, where their originals are). Every mashup read names its owner."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    ArtistRow,
    MashupRow,
    SongArtistRow,
    SongRow,
    UserInteractionRow,
    UserRow,
)
from tonearm.analysis.mashup_pairs import PairReason, TopSong
from tonearm.analysis.mashups import Mashup, MashupNotFound, SongAudio
from tonearm.library.paths import text_to_path

_ID_BATCH = 500


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _to_mashup(row: MashupRow) -> Mashup:
    return Mashup(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        lead_song_id=row.lead_song_id,
        under_song_id=row.under_song_id,
        pair_key=row.pair_key,
        storage_key=row.storage_key,
        duration_ms=row.duration_ms,
        size_bytes=row.size_bytes,
        reason=PairReason.from_json(row.reason),
        created_at=_aware(row.created_at),
    )


class SqlMashupRepository:
    """Mashups by owner; top songs from counted plays."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def top_songs(self, user_id: UUID, since: datetime, limit: int) -> Sequence[TopSong]:
        """Listed songs by the user's counted plays since `since`, most played first."""
        plays = func.count().label("plays")
        counted = (
            select(UserInteractionRow.song_id, plays)
            .where(
                UserInteractionRow.user_id == user_id,
                UserInteractionRow.counted_at.is_not(None),
                UserInteractionRow.counted_at >= since,
            )
            .group_by(UserInteractionRow.song_id)
            .subquery()
        )
        first_artist = (
            select(ArtistRow.name)
            .join(SongArtistRow, SongArtistRow.artist_id == ArtistRow.id)
            .where(SongArtistRow.song_id == SongRow.id)
            .order_by(SongArtistRow.position)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(SongRow.id, SongRow.title, first_artist, counted.c.plays)
            .join(counted, counted.c.song_id == SongRow.id)
            .where(SongRow.deleted_at.is_(None))
            .order_by(counted.c.plays.desc(), SongRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [TopSong(row[0], row[1], row[2], int(row[3])) for row in rows]

    async def listeners(self, since: datetime) -> Sequence[UUID]:
        """Active users with a counted play since `since`."""
        query = (
            select(UserRow.id)
            .where(
                UserRow.active.is_(True),
                select(UserInteractionRow.id)
                .where(
                    UserInteractionRow.user_id == UserRow.id,
                    UserInteractionRow.counted_at.is_not(None),
                    UserInteractionRow.counted_at >= since,
                )
                .exists(),
            )
            .order_by(UserRow.id)
        )
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def song_audio(self, song_ids: Collection[UUID]) -> dict[UUID, SongAudio]:
        """Where each listed song's original is."""
        wanted = list(dict.fromkeys(song_ids))
        found: dict[UUID, SongAudio] = {}
        async with self._sessions() as session:
            for start in range(0, len(wanted), _ID_BATCH):
                rows = await session.execute(
                    select(SongRow.id, SongRow.original_path, SongRow.original_key).where(
                        SongRow.id.in_(wanted[start : start + _ID_BATCH]),
                        SongRow.deleted_at.is_(None),
                    )
                )
                for song_id, path, key in rows:
                    if key is not None:
                        found[song_id] = SongAudio(song_id, None, key)
                    elif path is not None:
                        found[song_id] = SongAudio(song_id, text_to_path(path), None)
        return found

    async def made_pairs(self, owner_id: UUID) -> set[str]:
        """The owner's pair keys."""
        async with self._sessions() as session:
            return set(
                await session.scalars(
                    select(MashupRow.pair_key).where(MashupRow.owner_id == owner_id)
                )
            )

    async def add(self, mashup: Mashup) -> bool:
        """Insert; False when the owner has this pair already."""
        row = MashupRow(
            id=mashup.id,
            owner_id=mashup.owner_id,
            pair_key=mashup.pair_key,
            lead_song_id=mashup.lead_song_id,
            under_song_id=mashup.under_song_id,
            title=mashup.title[:1000],
            storage_key=mashup.storage_key,
            duration_ms=mashup.duration_ms,
            size_bytes=mashup.size_bytes,
            reason=mashup.reason.to_json(),
            created_at=mashup.created_at,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    async def list(self, owner_id: UUID) -> list[Mashup]:
        """The owner's mashups, newest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(MashupRow)
                .where(MashupRow.owner_id == owner_id)
                .order_by(MashupRow.created_at.desc(), MashupRow.storage_key.desc())
            )
            return [_to_mashup(row) for row in rows]

    async def get(self, owner_id: UUID, mashup_id: UUID) -> Mashup:
        """The owner's mashup; MashupNotFound for anyone else's."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(MashupRow).where(MashupRow.id == mashup_id, MashupRow.owner_id == owner_id)
            )
            if row is None:
                raise MashupNotFound(f"no mashup {mashup_id}")
            return _to_mashup(row)
