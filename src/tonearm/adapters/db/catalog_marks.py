"""One user's marks (stars, ratings, counted plays) read with the catalogue's own rows.

A listing that shows the viewer's `starred`, `userRating`, `played` and `playCount` gets
them from the query that reads its items: LEFT JOINs on `starred_items` and `ratings` for
that user and, for songs and albums, on the user's counted plays grouped per item (as
Navidrome's repositories do `withAnnotation`). No viewer: no joins, every item unmarked.

An album's plays add up its songs' counted plays; artists have stars and ratings only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from tonearm.adapters.db.tables import RatingRow, SongRow, StarredItemRow, UserInteractionRow
from tonearm.listening.user_state import NO_STATE, ItemKind, UserState

# Labels of the columns `with_marks` adds; `marks_of` reads them back.
_STARRED_AT = "mark_starred_at"
_RATING = "mark_rating"
_PLAYED_AT = "mark_played_at"
_PLAY_COUNT = "mark_play_count"


def with_marks(
    query: Select[Any],
    kind: ItemKind,
    item_id: Any,
    viewer: Any,
    *,
    plays_of: Any = None,
) -> Select[Any]:
    """`query` with the viewer's marks on each row's item (`item_id`, of `kind`) added as
    columns. `viewer` is a user id or a bound parameter; `plays_of` narrows the counted
    plays read (songs: a condition on `user_interactions.song_id`; albums: on
    `songs.album_id`), as the rows' own ids would."""
    star = aliased(StarredItemRow)
    rating = aliased(RatingRow)
    query = (
        query.outerjoin(
            star,
            and_(star.user_id == viewer, star.item_kind == kind.value, star.item_id == item_id),
        )
        .outerjoin(
            rating,
            and_(
                rating.user_id == viewer, rating.item_kind == kind.value, rating.item_id == item_id
            ),
        )
        .add_columns(star.starred_at.label(_STARRED_AT), rating.rating.label(_RATING))
    )
    plays = _counted_plays(kind, viewer, plays_of)
    if plays is None:
        return query
    return query.outerjoin(plays, plays.c.item_id == item_id).add_columns(
        plays.c.played_at.label(_PLAYED_AT), plays.c.play_count.label(_PLAY_COUNT)
    )


def marks_of(row: Any) -> UserState:
    """The marks `with_marks` added to a row (NO_STATE for a row read without them)."""
    mapping = row._mapping
    if _STARRED_AT not in mapping:
        return NO_STATE
    rating = mapping[_RATING]
    count = mapping.get(_PLAY_COUNT)
    return UserState(
        starred_at=mapping[_STARRED_AT],
        rating=None if rating is None else int(rating),
        played_at=mapping.get(_PLAYED_AT),
        play_count=int(count or 0),
    )


def _counted_plays(kind: ItemKind, viewer: Any, narrowed: Any) -> Any:
    # A counted play (or a `complete` that counted alone) has its counted_at set.
    counted = [UserInteractionRow.user_id == viewer, UserInteractionRow.counted_at.is_not(None)]
    if narrowed is not None:
        counted.append(narrowed)
    if kind is ItemKind.ARTIST:
        return None
    key = UserInteractionRow.song_id if kind is ItemKind.SONG else SongRow.album_id
    query = select(
        key.label("item_id"),
        func.max(UserInteractionRow.counted_at).label("played_at"),
        func.count().label("play_count"),
    ).select_from(UserInteractionRow)
    if kind is ItemKind.ALBUM:
        query = query.join(SongRow, SongRow.id == UserInteractionRow.song_id)
    return query.where(*counted).group_by(key).subquery()


__all__ = ["marks_of", "with_marks"]
