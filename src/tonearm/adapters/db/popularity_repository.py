"""PopularityRepository on SQLAlchemy: the decayed sum is one GROUP BY in the database."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, case, extract, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    SongArtistRow,
    SongRow,
    UserInteractionRow,
)
from tonearm.library.popularity import HotSong

UNIX_EPOCH_JULIAN_DAY = 2440587.5
UPDATE_BATCH = 1000


def epoch_days(column: Any, dialect: str) -> ColumnElement[Any]:
    """Days since 1970-01-01 UTC of a timestamp column, as a float, in SQL."""
    if dialect == "sqlite":
        return func.julianday(column) - UNIX_EPOCH_JULIAN_DAY
    return extract("epoch", column) / 86400.0


class SqlPopularityRepository:
    """Scores from `user_interactions` into `songs.popularity_score`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def recompute_scores(
        self, now: datetime, since: datetime, half_life_days: float, weights: Mapping[str, float]
    ) -> int:
        """Zero every score, then write the window's decayed sums (one transaction)."""
        interactions = UserInteractionRow
        rejected = and_(
            interactions.action.in_(("play", "replay")), interactions.play_state == "rejected"
        )
        weight = case(
            (rejected, literal(0.0)),
            *[(interactions.action == action, literal(w)) for action, w in weights.items()],
            else_=literal(0.0),
        )
        decay_rate = math.log(2) / half_life_days
        now_days = now.timestamp() / 86400.0
        async with self._sessions() as session, session.begin():
            dialect = session.get_bind().dialect.name
            age_days = literal(now_days) - epoch_days(interactions.occurred_at, dialect)
            score = func.sum(weight * func.exp(-decay_rate * age_days))
            rows = (
                await session.execute(
                    select(interactions.song_id, score)
                    .where(interactions.occurred_at >= since, interactions.occurred_at <= now)
                    .group_by(interactions.song_id)
                )
            ).all()
            await session.execute(
                update(SongRow).where(SongRow.popularity_score != 0).values(popularity_score=0.0)
            )
            scores = [
                {"song_id": song_id, "score": float(value)} for song_id, value in rows if value
            ]
            statement = (
                update(SongRow.__table__)  # type: ignore[arg-type]
                .where(SongRow.__table__.c.id == bindparam("song_id"))
                .values(popularity_score=bindparam("score"))
            )
            for start in range(0, len(scores), UPDATE_BATCH):
                await session.execute(statement, scores[start : start + UPDATE_BATCH])
        return len(scores)

    async def top_songs(self, limit: int) -> list[HotSong]:
        """Live songs with a positive score, best first."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        SongRow.id,
                        SongRow.title,
                        AlbumRow.name,
                        SongRow.duration_ms,
                        SongRow.play_count,
                        SongRow.popularity_score,
                    )
                    .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
                    .where(SongRow.deleted_at.is_(None), SongRow.popularity_score > 0)
                    .order_by(
                        SongRow.popularity_score.desc(), SongRow.play_count.desc(), SongRow.id
                    )
                    .limit(limit)
                )
            ).all()
            artists: dict[UUID, list[str]] = defaultdict(list)
            ids = [row[0] for row in rows]
            for start in range(0, len(ids), UPDATE_BATCH):
                for song_id, name in await session.execute(
                    select(SongArtistRow.song_id, ArtistRow.name)
                    .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
                    .where(SongArtistRow.song_id.in_(ids[start : start + UPDATE_BATCH]))
                    .order_by(SongArtistRow.song_id, SongArtistRow.position)
                ):
                    artists[song_id].append(name)
        return [
            HotSong(
                song_id=song_id,
                title=title,
                artists=tuple(artists.get(song_id, ())),
                album=album,
                duration_ms=duration_ms,
                play_count=play_count,
                popularity_score=score,
            )
            for song_id, title, album, duration_ms, play_count, score in rows
        ]
