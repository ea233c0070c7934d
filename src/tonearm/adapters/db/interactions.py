"""Shared by the listening and star repositories: `user_interactions` rows, the songs they
name, and the cursors of a user's newest-first song lists (history, likes)."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    SongArtistRow,
    SongRow,
)
from tonearm.listening.models import InvalidCursor, ListeningEvent, PlayState, SongSummary
from tonearm.listening.plays import LISTEN_STARTS

_Key = TypeVar("_Key")


def interaction_values(user_id: UUID, event: ListeningEvent) -> dict[str, Any]:
    """The column values an event is stored with (a play-starting event begins pending)."""
    return {
        "user_id": user_id,
        "song_id": event.song_id,
        "action": event.kind.value,
        "occurred_at": event.occurred_at,
        "session_id": event.session_id,
        "client_event_id": event.client_event_id,
        "context": event.context,
        "position_ms": event.position_ms,
        "play_state": PlayState.PENDING.value if event.kind in LISTEN_STARTS else None,
        "counted_at": None,
    }


async def song_summaries(session: AsyncSession, song_ids: set[UUID]) -> dict[UUID, SongSummary]:
    """Title, artists, album and duration of each of `song_ids`, by id."""
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


def older(time_column: Any, id_column: Any, at: datetime, tiebreak: object) -> Any:
    """Rows before (`at`, `tiebreak`) in newest-first order."""
    return or_(time_column < at, and_(time_column == at, id_column < tiebreak))


def encode_cursor(at: datetime, tiebreak: str) -> str:
    """The cursor that pages past an item listed at `at`."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{tiebreak}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, tiebreak: Callable[[str], _Key]) -> tuple[datetime, _Key]:
    """(time, tie-break) from a cursor; raises InvalidCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, key = raw.split("|", 1)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed, tiebreak(key)
    except ValueError:  # UnicodeDecodeError and binascii.Error are ValueErrors too
        raise InvalidCursor(cursor) from None


__all__ = [
    "decode_cursor",
    "encode_cursor",
    "interaction_values",
    "older",
    "song_summaries",
]
