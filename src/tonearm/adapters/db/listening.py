"""ListeningRepository on SQLAlchemy: events, the play rule's state, play counts, likes."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.plays import apply_play_rule, hold_user
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    SongArtistRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
    UserPreferencesRow,
)
from tonearm.adapters.db.user_state import load_user_states
from tonearm.library.models import SongNotFound
from tonearm.listening.models import (
    CountedPlay,
    EventKind,
    HistoryEntry,
    IntakeOutcome,
    InvalidCursor,
    LikedSong,
    ListeningEvent,
    PlayState,
    RejectedEvent,
    SongSummary,
)
from tonearm.listening.plays import JUDGED_KINDS, LISTEN_STARTS
from tonearm.listening.repository import PlayJudge
from tonearm.listening.user_state import ItemKind, UserState

_LIKE_KINDS = (EventKind.LIKE, EventKind.UNLIKE)
_SONG = "song"

_Key = TypeVar("_Key")


class SqlListeningRepository:
    """Events in `user_interactions`, likes in `starred_items`, `user_preferences`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- events and the play rule -------------------------------------------------------

    async def record(
        self, user_id: UUID, events: Sequence[ListeningEvent], now: datetime, judge: PlayJudge
    ) -> IntakeOutcome:
        """Insert new events, apply likes, judge plays: one transaction, one user at a time."""
        async with self._sessions.begin() as session:
            await hold_user(session, user_id)
            seen = await _known_event_ids(session, user_id, [e.client_event_id for e in events])
            songs = await _existing_songs(session, {e.song_id for e in events})
            new: list[ListeningEvent] = []
            duplicates = 0
            rejected: list[RejectedEvent] = []
            for event in events:
                if event.client_event_id in seen:
                    duplicates += 1
                elif event.song_id not in songs:
                    rejected.append(
                        RejectedEvent(event.client_event_id, f"no song {event.song_id}")
                    )
                else:
                    seen.add(event.client_event_id)
                    new.append(event)
            session.add_all(_interaction_row(user_id, event) for event in new)
            await session.flush()
            await _apply_likes(session, user_id, new)
            touched = {(e.session_id, e.song_id) for e in new if e.kind in JUDGED_KINDS}
            counted = await apply_play_rule(session, user_id, touched, now, judge)
        return IntakeOutcome(len(new), duplicates, rejected, counted)

    async def settle(self, user_id: UUID, now: datetime, judge: PlayJudge) -> list[CountedPlay]:
        """Judge the user's pending plays at `now`."""
        async with self._sessions() as session:
            # Most reads find nothing pending: do not take the user's write lock for them.
            pending = await session.scalar(
                select(UserInteractionRow.id)
                .where(
                    UserInteractionRow.user_id == user_id,
                    UserInteractionRow.play_state == PlayState.PENDING.value,
                )
                .limit(1)
            )
        if pending is None:
            return []
        async with self._sessions.begin() as session:
            await hold_user(session, user_id)
            return await apply_play_rule(session, user_id, set(), now, judge)

    async def users_with_pending_plays(self) -> list[UUID]:
        """Users with a pending play."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(UserInteractionRow.user_id)
                .where(UserInteractionRow.play_state == PlayState.PENDING.value)
                .distinct()
            )
            return list(rows)

    async def history(self, user_id: UUID, limit: int, before: str | None) -> list[HistoryEntry]:
        """Counted plays, newest first, by (played at, row id)."""
        query = (
            select(
                UserInteractionRow.id, UserInteractionRow.occurred_at, UserInteractionRow.song_id
            )
            .where(
                UserInteractionRow.user_id == user_id, UserInteractionRow.counted_at.is_not(None)
            )
            .order_by(UserInteractionRow.occurred_at.desc(), UserInteractionRow.id.desc())
            .limit(limit)
        )
        if before is not None:
            at, row_id = _decode_cursor(before, int)
            query = query.where(
                _older(UserInteractionRow.occurred_at, UserInteractionRow.id, at, row_id)
            )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            summaries = await _song_summaries(session, {song_id for _, _, song_id in rows})
        return [
            HistoryEntry(summaries[song_id], played_at, _encode_cursor(played_at, str(row_id)))
            for row_id, played_at, song_id in rows
        ]

    async def recent_plays(self, user_id: UUID, limit: int) -> list[CountedPlay]:
        """The latest counted plays."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(UserInteractionRow.song_id, UserInteractionRow.occurred_at)
                .where(
                    UserInteractionRow.user_id == user_id,
                    UserInteractionRow.counted_at.is_not(None),
                )
                .order_by(UserInteractionRow.occurred_at.desc(), UserInteractionRow.id.desc())
                .limit(limit)
            )
            return [CountedPlay(song_id, played_at) for song_id, played_at in rows]

    # --- likes --------------------------------------------------------------------------

    async def set_liked(self, user_id: UUID, song_id: UUID, liked: bool, at: datetime) -> None:
        """Record the like or unlike as an interaction and star or unstar the song."""
        event = ListeningEvent(
            client_event_id="",
            kind=EventKind.LIKE if liked else EventKind.UNLIKE,
            song_id=song_id,
            occurred_at=at,
            session_id="",
        )
        async with self._sessions.begin() as session:
            await hold_user(session, user_id)
            if not await _existing_songs(session, {song_id}):
                raise SongNotFound(song_id)
            # Not from a client batch: no client event id, no session.
            row = _interaction_row(user_id, event)
            row.client_event_id = row.session_id = None
            session.add(row)
            await _apply_likes(session, user_id, [event])

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
            at, song_id = _decode_cursor(before, UUID)
            query = query.where(
                _older(StarredItemRow.starred_at, StarredItemRow.item_id, at, song_id)
            )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            summaries = await _song_summaries(session, {song_id for song_id, _ in rows})
        return [
            LikedSong(summaries[song_id], liked_at, _encode_cursor(liked_at, str(song_id)))
            for song_id, liked_at in rows
        ]

    # --- preferences --------------------------------------------------------------------

    async def preferences(self, user_id: UUID) -> dict[str, Any] | None:
        """The stored document, if any."""
        async with self._sessions() as session:
            row = await session.get(UserPreferencesRow, user_id)
            return None if row is None else dict(row.preferences)

    async def put_preferences(self, user_id: UUID, document: dict[str, Any], at: datetime) -> None:
        """Insert or replace the user's document."""
        async with self._sessions.begin() as session:
            await session.merge(
                UserPreferencesRow(user_id=user_id, preferences=document, updated_at=at)
            )

    # --- stars, ratings and plays shown next to items -------------------------------------

    async def user_states(
        self, user_id: UUID, kind: ItemKind, item_ids: Sequence[UUID]
    ) -> dict[UUID, UserState]:
        """The user's marks on those of `item_ids` that have any."""
        if not item_ids:
            return {}
        async with self._sessions() as session:
            return await load_user_states(session, user_id, kind, item_ids)


async def _known_event_ids(session: AsyncSession, user_id: UUID, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = await session.scalars(
        select(UserInteractionRow.client_event_id).where(
            UserInteractionRow.user_id == user_id, UserInteractionRow.client_event_id.in_(ids)
        )
    )
    return {event_id for event_id in rows if event_id is not None}


async def _existing_songs(session: AsyncSession, song_ids: set[UUID]) -> set[UUID]:
    if not song_ids:
        return set()
    return set(await session.scalars(select(SongRow.id).where(SongRow.id.in_(song_ids))))


def _interaction_row(user_id: UUID, event: ListeningEvent) -> UserInteractionRow:
    return UserInteractionRow(
        user_id=user_id,
        song_id=event.song_id,
        action=event.kind.value,
        occurred_at=event.occurred_at,
        session_id=event.session_id,
        client_event_id=event.client_event_id,
        context=event.context,
        position_ms=event.position_ms,
        play_state=PlayState.PENDING.value if event.kind in LISTEN_STARTS else None,
        counted_at=None,
    )


async def _apply_likes(
    session: AsyncSession, user_id: UUID, events: Sequence[ListeningEvent]
) -> None:
    # Within a batch the latest like or unlike of a song (by timestamp) wins; between
    # batches and explicit likes, the later to arrive wins.
    latest: dict[UUID, ListeningEvent] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.kind in _LIKE_KINDS:
            latest[event.song_id] = event
    for song_id, event in sorted(latest.items()):
        if event.kind is EventKind.LIKE:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            await session.execute(
                insert(StarredItemRow)
                .values(
                    user_id=user_id, item_kind=_SONG, item_id=song_id, starred_at=event.occurred_at
                )
                .on_conflict_do_nothing()
            )
        else:
            await session.execute(
                delete(StarredItemRow).where(
                    StarredItemRow.user_id == user_id,
                    StarredItemRow.item_kind == _SONG,
                    StarredItemRow.item_id == song_id,
                )
            )


async def _song_summaries(session: AsyncSession, song_ids: set[UUID]) -> dict[UUID, SongSummary]:
    if not song_ids:
        return {}
    rows = await session.execute(
        select(SongRow.id, SongRow.title, AlbumRow.name, SongRow.duration_ms)
        .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
        .where(SongRow.id.in_(song_ids))
    )
    artist_rows = await session.execute(
        select(SongArtistRow.song_id, ArtistRow.name)
        .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
        .where(SongArtistRow.song_id.in_(song_ids))
        .order_by(SongArtistRow.song_id, SongArtistRow.position)
    )
    artists: dict[UUID, list[str]] = defaultdict(list)
    for song_id, name in artist_rows:
        artists[song_id].append(name)
    return {
        song_id: SongSummary(song_id, title, tuple(artists[song_id]), album, duration_ms)
        for song_id, title, album, duration_ms in rows
    }


def _older(time_column: Any, id_column: Any, at: datetime, tiebreak: object) -> Any:
    return or_(time_column < at, and_(time_column == at, id_column < tiebreak))


def _encode_cursor(at: datetime, tiebreak: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{tiebreak}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, tiebreak: Callable[[str], _Key]) -> tuple[datetime, _Key]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, key = raw.split("|", 1)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed, tiebreak(key)
    except ValueError:  # UnicodeDecodeError and binascii.Error are ValueErrors too
        raise InvalidCursor(cursor) from None
