"""Building CatalogSongs in bulk, and the keyset condition that pages every listing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Text,
    and_,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    GenreRow,
    RenditionRow,
    SongArtistRow,
    SongGenreRow,
    SongRow,
)
from tonearm.library.catalog import (
    CatalogSong,
    InvalidCursor,
    SortKey,
    is_art_rendition,
    is_audio_rendition,
)

# Ids per IN (...) list: well under SQLite's and PostgreSQL's bind-parameter limits.
_ID_BATCH = 500

# Synced lyrics are stored as JSON, where "no lyrics" may be the JSON text `null` rather
# than SQL NULL; anything longer than those four characters holds lines.
_HAS_LYRICS = or_(
    SongRow.lyrics.is_not(None),
    func.coalesce(func.length(cast(SongRow.synced_lyrics, Text)), 0) > 4,
)


async def load_catalog_songs(
    session: AsyncSession, song_ids: Sequence[UUID]
) -> dict[UUID, CatalogSong]:
    """The live ones of `song_ids`, with artists, genres and renditions, by id."""
    found: dict[UUID, CatalogSong] = {}
    for start in range(0, len(song_ids), _ID_BATCH):
        found.update(await _load_batch(session, list(song_ids[start : start + _ID_BATCH])))
    return found


async def load_in_order(session: AsyncSession, song_ids: Sequence[UUID]) -> list[CatalogSong]:
    """The live ones of `song_ids`, in the order given."""
    found = await load_catalog_songs(session, song_ids)
    return [found[song_id] for song_id in song_ids if song_id in found]


async def live_song_ids(session: AsyncSession, song_ids: Collection[UUID]) -> set[UUID]:
    """Those of `song_ids` that exist and are not tombstoned."""
    wanted = list(set(song_ids))
    found: set[UUID] = set()
    for start in range(0, len(wanted), _ID_BATCH):
        found.update(
            await session.scalars(
                select(SongRow.id).where(
                    SongRow.id.in_(wanted[start : start + _ID_BATCH]), SongRow.deleted_at.is_(None)
                )
            )
        )
    return found


async def _load_batch(session: AsyncSession, ids: list[UUID]) -> dict[UUID, CatalogSong]:
    album_artist = aliased(ArtistRow)
    rows = (
        await session.execute(
            select(SongRow, AlbumRow.name, album_artist.name, _HAS_LYRICS)
            .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
            .outerjoin(album_artist, album_artist.id == SongRow.album_artist_id)
            .where(SongRow.id.in_(ids), SongRow.deleted_at.is_(None))
        )
    ).all()
    if not rows:
        return {}
    live = [row[0].id for row in rows]
    artists: dict[UUID, list[tuple[UUID, str]]] = defaultdict(list)
    for song_id, artist_id, name in await session.execute(
        select(SongArtistRow.song_id, ArtistRow.id, ArtistRow.name)
        .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
        .where(SongArtistRow.song_id.in_(live))
        .order_by(SongArtistRow.song_id, SongArtistRow.position)
    ):
        artists[song_id].append((artist_id, name))
    genres: dict[UUID, list[str]] = defaultdict(list)
    for song_id, name in await session.execute(
        select(SongGenreRow.song_id, GenreRow.name)
        .join(GenreRow, GenreRow.id == SongGenreRow.genre_id)
        .where(SongGenreRow.song_id.in_(live))
        .order_by(SongGenreRow.song_id, SongGenreRow.position)
    ):
        genres[song_id].append(name)
    renditions: dict[UUID, list[str]] = defaultdict(list)
    with_art: set[UUID] = set()
    for song_id, kind in await session.execute(
        select(RenditionRow.song_id, RenditionRow.kind)
        .where(RenditionRow.song_id.in_(live))
        .order_by(RenditionRow.song_id, RenditionRow.kind)
    ):
        if is_audio_rendition(kind):
            renditions[song_id].append(kind)
        elif is_art_rendition(kind):
            with_art.add(song_id)
    return {
        song.id: CatalogSong(
            id=song.id,
            title=song.title,
            artists=tuple(name for _, name in artists[song.id]),
            artist_ids=tuple(artist_id for artist_id, _ in artists[song.id]),
            album=album_name,
            album_id=song.album_id,
            album_artist=album_artist_name,
            album_artist_id=song.album_artist_id,
            genres=tuple(genres[song.id]),
            year=song.year,
            track_number=song.track_number,
            disc_number=song.disc_number,
            duration_ms=song.duration_ms,
            folder_path=song.folder_path,
            original_format=song.original_format,
            play_count=song.play_count,
            added_at=song.added_at,
            replaygain_track_gain_db=song.replaygain_track_gain_db,
            replaygain_album_gain_db=song.replaygain_album_gain_db,
            has_lyrics=bool(has_lyrics),
            renditions=tuple(renditions[song.id]),
            sort_title=song.sort_title,
            original_path=song.original_path,
            original_size_bytes=song.original_size_bytes,
            musicbrainz_recording_id=song.musicbrainz_recording_id,
            musicbrainz_album_id=song.musicbrainz_album_id,
            isrc=song.isrc,
            bpm=song.bpm,
            replaygain_track_peak=song.replaygain_track_peak,
            replaygain_album_peak=song.replaygain_album_peak,
            has_art=song.id in with_art,
        )
        for song, album_name, album_artist_name, has_lyrics in rows
    }


def after_key(
    columns: Sequence[SQLColumnExpression[Any]], after: SortKey, descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `after` in ORDER BY `columns` (all one direction).

    Spelled out as (a > x) OR (a = x AND b > y) OR … rather than a row-value comparison,
    so every value is bound with its own column's type (times, UUIDs) on both databases.
    """
    if len(after) != len(columns):
        raise InvalidCursor("cursor: not a cursor from this listing")
    branches: list[ColumnElement[bool]] = []
    for position, column in enumerate(columns):
        equal_before = [columns[i] == after[i] for i in range(position)]
        beyond = column < after[position] if descending else column > after[position]
        branches.append(and_(*equal_before, beyond))
    return or_(false(), *branches)


def ordered(columns: Sequence[SQLColumnExpression[Any]], descending: bool) -> list[Any]:
    """ORDER BY terms for `columns`, all in one direction."""
    return [column.desc() if descending else column.asc() for column in columns]
