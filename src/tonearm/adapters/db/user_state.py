"""One user's stars, ratings and counted plays for a list of items, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import (
    RatingRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.listening.user_state import ItemKind, UserState

# Ids per IN (...) list: well under SQLite's and PostgreSQL's bind-parameter limits.
_ID_BATCH = 400

_STAR, _RATING, _PLAYS = 1, 2, 3


async def load_user_states(
    session: AsyncSession, user_id: UUID, kind: ItemKind, item_ids: Sequence[UUID]
) -> dict[UUID, UserState]:
    """The user's marks on each of `item_ids` that has any (others are left out)."""
    found: dict[UUID, dict[str, Any]] = {}
    unique = list(dict.fromkeys(item_ids))
    for start in range(0, len(unique), _ID_BATCH):
        batch = unique[start : start + _ID_BATCH]
        rows = await session.execute(_states_query(user_id, kind, batch))
        for part, item_id, at, number in rows:
            marks = found.setdefault(item_id, {})
            if part == _STAR:
                marks["starred_at"] = at
            elif part == _RATING:
                marks["rating"] = int(number)
            else:
                marks["played_at"] = at
                marks["play_count"] = int(number)
    return {item_id: UserState(**marks) for item_id, marks in found.items()}


def _states_query(user_id: UUID, kind: ItemKind, ids: list[UUID]) -> Any:
    # The UNION's columns take the first SELECT's types: `at` is read as a UTCDateTime.
    stars = select(
        literal(_STAR).label("part"),
        StarredItemRow.item_id.label("item_id"),
        StarredItemRow.starred_at.label("at"),
        cast(null(), Integer).label("number"),
    ).where(
        StarredItemRow.user_id == user_id,
        StarredItemRow.item_kind == kind.value,
        StarredItemRow.item_id.in_(ids),
    )
    ratings = select(
        literal(_RATING),
        RatingRow.item_id,
        null(),
        RatingRow.rating,
    ).where(
        RatingRow.user_id == user_id,
        RatingRow.item_kind == kind.value,
        RatingRow.item_id.in_(ids),
    )
    parts: list[Any] = [stars, ratings]
    plays = _plays(user_id, kind, ids)
    if plays is not None:
        parts.append(plays)
    return union_all(*parts)


def _plays(user_id: UUID, kind: ItemKind, ids: list[UUID]) -> Any:
    # A counted play (or a `complete` that counted alone) has its counted_at set.
    counted = (UserInteractionRow.user_id == user_id, UserInteractionRow.counted_at.is_not(None))
    if kind is ItemKind.SONG:
        return (
            select(
                literal(_PLAYS),
                UserInteractionRow.song_id,
                func.max(UserInteractionRow.counted_at),
                func.count(),
            )
            .where(*counted, UserInteractionRow.song_id.in_(ids))
            .group_by(UserInteractionRow.song_id)
        )
    if kind is ItemKind.ALBUM:
        return (
            select(
                literal(_PLAYS),
                SongRow.album_id,
                func.max(UserInteractionRow.counted_at),
                func.count(),
            )
            .join(SongRow, SongRow.id == UserInteractionRow.song_id)
            .where(*counted, SongRow.album_id.in_(ids))
            .group_by(SongRow.album_id)
        )
    return None


__all__ = ["load_user_states"]
