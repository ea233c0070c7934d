"""ScrobbleRepository on SQLAlchemy: connections and the outbox.

A listen is unique by (user, service, play id): queuing a play that is already queued (the
same counted play reported twice) inserts nothing, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    ScrobbleConnectionRow,
    ScrobbleOutboxRow,
    SongArtistRow,
    SongRow,
    UserInteractionRow,
)
from tonearm.scrobbling.models import (
    Connection,
    ConnectionState,
    PlayToSend,
    ScrobbleTarget,
    Submission,
    SubmissionKind,
    Track,
)

_C = ScrobbleConnectionRow
_O = ScrobbleOutboxRow


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _connection(row: ScrobbleConnectionRow) -> Connection:
    return Connection(
        user_id=row.user_id,
        target=ScrobbleTarget(row.service),
        account_name=row.account_name,
        secret=row.secret,
        state=ConnectionState(row.state),
        connected_at=row.connected_at,
        last_error=row.last_error,
        failures=row.failures,
        retry_at=row.retry_at,
        last_sent_at=row.last_sent_at,
    )


def _track_document(track: Track) -> dict[str, Any]:
    return {
        "artist": track.artist,
        "title": track.title,
        "album": track.album,
        "duration_ms": track.duration_ms,
        "recording_mbid": track.recording_mbid,
    }


def _track(document: dict[str, Any]) -> Track:
    return Track(
        artist=document["artist"],
        title=document["title"],
        album=document.get("album"),
        duration_ms=document.get("duration_ms"),
        recording_mbid=document.get("recording_mbid"),
    )


async def _tracks(session: AsyncSession, song_ids: set[UUID]) -> dict[UUID, Track]:
    """The songs as the services want them (every artist, in order, joined by ", ")."""
    if not song_ids:
        return {}
    artists: dict[UUID, list[str]] = defaultdict(list)
    artist_rows = await session.execute(
        select(SongArtistRow.song_id, ArtistRow.name)
        .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
        .where(SongArtistRow.song_id.in_(song_ids))
        .order_by(SongArtistRow.song_id, SongArtistRow.position)
    )
    for song_id, name in artist_rows:
        artists[song_id].append(name)
    rows = await session.execute(
        select(
            SongRow.id,
            SongRow.title,
            SongRow.duration_ms,
            SongRow.musicbrainz_recording_id,
            AlbumRow.name,
        )
        .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
        .where(SongRow.id.in_(song_ids))
    )
    return {
        song_id: Track(
            artist=", ".join(artists.get(song_id, [])) or "Unknown artist",
            title=title,
            album=album,
            duration_ms=duration_ms,
            recording_mbid=mbid or None,
        )
        for song_id, title, duration_ms, mbid, album in rows
    }


class SqlScrobbleRepository:
    """Connections and outbox rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def connections(self, user_id: UUID) -> list[Connection]:
        """The user's connections."""
        async with self._sessions() as session:
            rows = await session.scalars(select(_C).where(_C.user_id == user_id))
            return [_connection(row) for row in rows]

    async def save_connection(self, connection: Connection) -> None:
        """Upsert; a new connection starts healthy (a paused queue resumes)."""
        values = {
            "user_id": connection.user_id,
            "service": connection.target.value,
            "account_name": connection.account_name,
            "secret": connection.secret,
            "state": connection.state.value,
            "connected_at": connection.connected_at,
            "last_error": connection.last_error,
            "failures": connection.failures,
            "retry_at": connection.retry_at,
            "last_sent_at": connection.last_sent_at,
        }
        async with self._sessions.begin() as session:
            statement = _insert(session)(_C).values(**values)
            kept = {"user_id", "service", "last_sent_at"}
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "service"],
                    set_={k: v for k, v in values.items() if k not in kept},
                )
            )

    async def remove_connection(self, user_id: UUID, target: ScrobbleTarget) -> bool:
        """Delete the connection and its outbox."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(_O).where(_O.user_id == user_id, _O.service == target.value)
            )
            result: Any = await session.execute(
                delete(_C).where(_C.user_id == user_id, _C.service == target.value)
            )
            return bool(result.rowcount)

    async def _services(self, session: AsyncSession, user_id: UUID) -> list[str]:
        rows = await session.scalars(select(_C.service).where(_C.user_id == user_id))
        return list(rows)

    async def queue_plays(self, user_id: UUID, plays: Sequence[PlayToSend], at: datetime) -> int:
        """Insert a listen per play and service, none twice."""
        # Read first, outside a write transaction: most users connect nothing, and a
        # counting batch should not take SQLite's write lock again for them.
        async with self._sessions() as session:
            services = await self._services(session, user_id)
            if not services:
                return 0
            tracks = await _tracks(session, {play.song_id for play in plays})
        rows = [
            {
                "user_id": user_id,
                "service": service,
                "kind": SubmissionKind.LISTEN.value,
                "play_id": play.play_id,
                "occurred_at": play.played_at,
                "track": _track_document(tracks[play.song_id]),
                "queued_at": at,
            }
            for service in services
            for play in plays
            if play.song_id in tracks
        ]
        if not rows:
            return 0
        async with self._sessions.begin() as session:
            statement = (
                _insert(session)(_O)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["user_id", "service", "play_id"])
            )
            result: Any = await session.execute(statement)
            return int(result.rowcount)

    async def queue_love(
        self, user_id: UUID, song_id: UUID, kind: SubmissionKind, at: datetime
    ) -> int:
        """Insert a love or unlove per service."""
        async with self._sessions() as session:
            services = await self._services(session, user_id)
            if not services:
                return 0
            track = (await _tracks(session, {song_id})).get(song_id)
        if track is None:
            return 0
        async with self._sessions.begin() as session:
            session.add_all(
                _O(
                    user_id=user_id,
                    service=service,
                    kind=kind.value,
                    occurred_at=at,
                    track=_track_document(track),
                    queued_at=at,
                )
                for service in services
            )
        return len(services)

    async def song_track(self, song_id: UUID) -> Track | None:
        """The song as a track."""
        async with self._sessions() as session:
            return (await _tracks(session, {song_id})).get(song_id)

    async def queue_missed_plays(self, since: datetime, at: datetime) -> int:
        """Queue the plays counted since `since` (and since their service was connected)
        that are in no outbox: a process that stopped between counting a play and queuing
        it (the two are separate transactions) loses nothing. Idempotent."""
        counted = UserInteractionRow
        queued = (
            select(_O.id).where(_O.user_id == counted.user_id, _O.play_id == counted.id).exists()
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(counted.user_id, counted.id, counted.song_id, counted.occurred_at)
                    .distinct()
                    .join(_C, _C.user_id == counted.user_id)
                    .where(
                        counted.counted_at.is_not(None),
                        counted.counted_at >= since,
                        counted.counted_at > _C.connected_at,
                        _C.state != ConnectionState.PAUSED.value,
                        ~queued,
                    )
                    .order_by(counted.id)
                )
            ).all()
        missed: dict[UUID, list[PlayToSend]] = defaultdict(list)
        for user_id, play_id, song_id, played_at in rows:
            missed[user_id].append(PlayToSend(play_id, song_id, played_at))
        return sum([await self.queue_plays(user, plays, at) for user, plays in missed.items()])

    async def due(self, now: datetime) -> list[Connection]:
        """Active connections past their retry time with an unsent outbox row."""
        waiting = (
            select(_O.id)
            .where(_O.user_id == _C.user_id, _O.service == _C.service, _O.sent_at.is_(None))
            .exists()
        )
        async with self._sessions() as session:
            rows = await session.scalars(
                select(_C)
                .where(
                    _C.state == ConnectionState.ACTIVE.value,
                    or_(_C.retry_at.is_(None), _C.retry_at <= now),
                    waiting,
                )
                # One order for every run: what a crash cut short is taken up first.
                .order_by(_C.user_id, _C.service)
            )
            return [_connection(row) for row in rows]

    async def unsent(self, user_id: UUID, target: ScrobbleTarget, limit: int) -> list[Submission]:
        """The oldest unsent rows."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(_O)
                .where(_O.user_id == user_id, _O.service == target.value, _O.sent_at.is_(None))
                .order_by(_O.id)
                .limit(limit)
            )
            return [
                Submission(
                    id=row.id,
                    kind=SubmissionKind(row.kind),
                    track=_track(row.track),
                    occurred_at=row.occurred_at,
                    attempted=row.attempted_at is not None,
                )
                for row in rows
            ]

    async def mark_attempted(self, ids: Sequence[int], at: datetime) -> None:
        """Stamp the rows' first delivery attempt."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(_O).where(_O.id.in_(ids), _O.attempted_at.is_(None)).values(attempted_at=at)
            )

    async def mark_sent(
        self,
        user_id: UUID,
        target: ScrobbleTarget,
        ids: Sequence[int],
        at: datetime,
        refusal: str | None = None,
    ) -> None:
        """Rows sent, connection healthy: one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(update(_O).where(_O.id.in_(ids)).values(sent_at=at))
            await session.execute(
                update(_C)
                .where(_C.user_id == user_id, _C.service == target.value)
                .values(last_sent_at=at, failures=0, retry_at=None, last_error=refusal)
            )

    async def record_failure(
        self,
        user_id: UUID,
        target: ScrobbleTarget,
        error: str,
        retry_at: datetime | None,
        *,
        pause: bool,
    ) -> None:
        """One more failure; paused, or waiting until `retry_at`."""
        values: dict[str, Any] = {
            "failures": _C.failures + 1,
            "last_error": error[:1000],
            "retry_at": retry_at,
        }
        if pause:
            values["state"] = ConnectionState.PAUSED.value
        async with self._sessions.begin() as session:
            await session.execute(
                update(_C).where(_C.user_id == user_id, _C.service == target.value).values(values)
            )

    async def forget_sent(self, before: datetime) -> int:
        """Delete rows sent before `before`."""
        async with self._sessions.begin() as session:
            result: Any = await session.execute(
                delete(_O).where(_O.sent_at.is_not(None), _O.sent_at < before)
            )
            return int(result.rowcount)

    async def queued_count(self, user_id: UUID, target: ScrobbleTarget) -> int:
        """Unsent rows of the connection."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(_O)
                .where(_O.user_id == user_id, _O.service == target.value, _O.sent_at.is_(None))
            )
            return int(count or 0)
