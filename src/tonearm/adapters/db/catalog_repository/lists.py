"""Offset-paged lists for the Subsonic API: album lists (some one user's), songs by title
or at random, and the song standing for a cover."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import (
    AlbumRow,
    RatingRow,
    RenditionRow,
    SongArtistRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.library.catalog import AlbumFilter, AlbumListType

_LIVE = SongRow.deleted_at.is_(None)
_TRACK_ORDER = (
    func.coalesce(SongRow.disc_number, 0),
    func.coalesce(SongRow.track_number, 0),
    SongRow.sort_key,
    SongRow.id,
)


def album_list_query(
    base: Any,
    year: Any,
    kind: AlbumListType,
    where: AlbumFilter,
    user_id: UUID,
    offset: int,
    limit: int,
) -> Any:
    """`base` (the album query with its stats; `year` its year column) ordered and
    narrowed as `kind` says."""
    name = AlbumRow.sort_key
    query = base
    order: list[Any]
    if kind is AlbumListType.RANDOM:
        order = [func.random()]
    elif kind is AlbumListType.NEWEST:
        order = [AlbumRow.created_at.desc(), AlbumRow.id.desc()]
    elif kind is AlbumListType.BY_NAME or kind is AlbumListType.BY_GENRE:
        order = [name, AlbumRow.id]
    elif kind is AlbumListType.BY_ARTIST:
        order = [literal_column("artist_sort_key"), name, AlbumRow.id]
    elif kind is AlbumListType.BY_YEAR:
        descending = (
            where.from_year is not None
            and where.to_year is not None
            and where.from_year > where.to_year
        )
        order = [year.desc(), name, AlbumRow.id] if descending else [year, name, AlbumRow.id]
    elif kind is AlbumListType.HIGHEST:
        query = query.join(
            RatingRow,
            and_(
                RatingRow.user_id == user_id,
                RatingRow.item_kind == "album",
                RatingRow.item_id == AlbumRow.id,
            ),
        )
        order = [RatingRow.rating.desc(), RatingRow.rated_at.desc(), AlbumRow.id]
    elif kind is AlbumListType.STARRED:
        query = query.join(
            StarredItemRow,
            and_(
                StarredItemRow.user_id == user_id,
                StarredItemRow.item_kind == "album",
                StarredItemRow.item_id == AlbumRow.id,
            ),
        )
        order = [StarredItemRow.starred_at.desc(), AlbumRow.id]
    else:  # FREQUENT, RECENT: the user's counted plays of the album's songs
        plays = (
            select(
                SongRow.album_id.label("album_id"),
                func.count().label("plays"),
                func.max(UserInteractionRow.counted_at).label("last_played"),
            )
            .join(SongRow, SongRow.id == UserInteractionRow.song_id)
            .where(
                UserInteractionRow.user_id == user_id,
                UserInteractionRow.counted_at.is_not(None),
                SongRow.album_id.is_not(None),
            )
            .group_by(SongRow.album_id)
            .subquery()
        )
        query = query.join(plays, plays.c.album_id == AlbumRow.id)
        if kind is AlbumListType.FREQUENT:
            order = [plays.c.plays.desc(), plays.c.last_played.desc(), AlbumRow.id]
        else:
            order = [plays.c.last_played.desc(), AlbumRow.id]
    return query.order_by(*order).offset(offset).limit(limit)


def song_list_query(
    conditions: Sequence[ColumnElement[bool]], random: bool, offset: int, limit: int
) -> Any:
    """Ids of live songs matching `conditions`, by title or at random."""
    order: list[Any] = [func.random()] if random else [SongRow.sort_key, SongRow.id]
    return select(SongRow.id).where(_LIVE, *conditions).order_by(*order).offset(offset).limit(limit)


async def cover_song(session: AsyncSession, item_kind: str, item_id: UUID) -> UUID | None:
    """The song itself (`item_kind` song), or the first live song in album and track
    order of an album or artist, if it has stored art."""
    has_art = (
        select(RenditionRow.song_id)
        .where(RenditionRow.song_id == SongRow.id, RenditionRow.kind.like("art-%"))
        .exists()
    )
    query = select(SongRow.id).where(_LIVE, has_art)
    if item_kind == "song":
        query = query.where(SongRow.id == item_id)
    elif item_kind == "album":
        query = query.where(SongRow.album_id == item_id)
    else:
        credited = (
            select(SongArtistRow.song_id)
            .where(SongArtistRow.song_id == SongRow.id, SongArtistRow.artist_id == item_id)
            .exists()
        )
        query = query.where(or_(SongRow.album_artist_id == item_id, credited))
        query = query.outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
        query = query.order_by(func.coalesce(AlbumRow.sort_key, ""))
    song_id: UUID | None = await session.scalar(query.order_by(*_TRACK_ORDER).limit(1))
    return song_id


__all__ = [
    "album_list_query",
    "cover_song",
    "song_list_query",
]
