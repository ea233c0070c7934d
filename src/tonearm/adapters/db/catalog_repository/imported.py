"""The imported songs' virtual tree (library/folders.py): songs without a folder, grouped
by artist (the album artist, else the first credited artist) and album."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.catalog_repository.songs import load_in_order
from tonearm.adapters.db.tables import AlbumRow, ArtistRow, SongArtistRow, SongRow
from tonearm.library.catalog import CatalogSong, ImportedAlbum

_IMPORTED = (SongRow.deleted_at.is_(None), SongRow.folder_path.is_(None))
_TRACK_ORDER = (
    func.coalesce(SongRow.disc_number, 0),
    func.coalesce(SongRow.track_number, 0),
    SongRow.sort_key,
    SongRow.id,
)


def _artist_key() -> ColumnElement[Any]:
    """The song's artist in the tree: its album artist, else its first credited artist."""
    first = (
        select(SongArtistRow.artist_id)
        .where(SongArtistRow.song_id == SongRow.id)
        .order_by(SongArtistRow.position)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(SongRow.album_artist_id, first)


async def imported_albums(session: AsyncSession) -> list[ImportedAlbum]:
    """Imported live songs counted per (artist, album), with their names."""
    songs = (
        select(_artist_key().label("artist_id"), SongRow.album_id.label("album_id"))
        .where(*_IMPORTED)
        .subquery()
    )
    counts = (
        select(songs.c.artist_id, songs.c.album_id, func.count().label("song_count"))
        .group_by(songs.c.artist_id, songs.c.album_id)
        .subquery()
    )
    query = (
        select(
            counts.c.artist_id,
            ArtistRow.name,
            counts.c.album_id,
            AlbumRow.name,
            counts.c.song_count,
        )
        .outerjoin(ArtistRow, ArtistRow.id == counts.c.artist_id)
        .outerjoin(AlbumRow, AlbumRow.id == counts.c.album_id)
    )
    return [
        ImportedAlbum(_uuid(artist_id), artist, _uuid(album_id), album, int(count))
        for artist_id, artist, album_id, album, count in await session.execute(query)
    ]


async def imported_songs(
    session: AsyncSession,
    artist_id: UUID | None,
    album_id: UUID | None,
    viewer: UUID | None = None,
) -> list[CatalogSong]:
    """Imported live songs of the artist (None: none) and album (None: none), in track
    order (with `viewer`'s marks)."""
    key = _artist_key()
    query = select(SongRow.id).where(
        *_IMPORTED,
        key.is_(None) if artist_id is None else key == artist_id,
        SongRow.album_id.is_(None) if album_id is None else SongRow.album_id == album_id,
    )
    ids = list(await session.scalars(query.order_by(*_TRACK_ORDER)))
    return await load_in_order(session, ids, viewer)


def _uuid(value: Any) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(str(value))


__all__ = ["imported_albums", "imported_songs"]
