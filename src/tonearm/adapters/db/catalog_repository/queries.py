"""The artist and album statements browsing and name search share: artists and albums
with live songs, their counts and cover flags, and `viewer`'s marks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased

from tonearm.adapters.db.catalog_marks import marks_of, with_marks
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    GenreRow,
    RenditionRow,
    SongArtistRow,
    SongGenreRow,
    SongRow,
)
from tonearm.library.catalog import AlbumFilter, AlbumSort, AlbumSummary, ArtistSummary
from tonearm.library.folders import IMPORTED_FOLDER
from tonearm.listening.user_state import ItemKind

LIVE = SongRow.deleted_at.is_(None)
HAS_ART = exists().where(RenditionRow.song_id == SongRow.id, RenditionRow.kind.like("art-%"))


def in_folder(root: str) -> ColumnElement[bool]:
    """Songs in the music-folder root `root` or below it (IMPORTED_FOLDER: no folder)."""
    if root == IMPORTED_FOLDER:
        return SongRow.folder_path.is_(None)
    below = root if root.endswith("/") else root + "/"
    return or_(SongRow.folder_path == root, SongRow.folder_path.startswith(below, autoescape=True))


def same_genre(name: str) -> ColumnElement[bool]:
    # lower() on both sides, so both databases fold case the same way on each side.
    return func.lower(GenreRow.name) == func.lower(literal(name))


def artist_query(
    folder: str | None = None, viewer: UUID | None = None, *only: ColumnElement[bool]
) -> Select[Any]:
    """Artists with live songs (credited or as album artist; in `folder` when given) and
    their counts (and `viewer`'s marks).

    `only` are conditions on ArtistRow that narrow the artists before their songs are
    counted: a name search then counts the matched artists' songs, not the whole library's.
    """
    live = [LIVE] if folder is None else [LIVE, in_folder(folder)]
    chosen = select(ArtistRow.id).where(*only) if only else None
    credited = select(SongArtistRow.artist_id.label("artist_id"), SongRow.id.label("song_id")).join(
        SongRow, SongRow.id == SongArtistRow.song_id
    )
    as_album_artist = select(
        SongRow.album_artist_id.label("artist_id"), SongRow.id.label("song_id")
    ).where(SongRow.album_artist_id.is_not(None))
    if chosen is not None:
        credited = credited.where(SongArtistRow.artist_id.in_(chosen))
        as_album_artist = as_album_artist.where(SongRow.album_artist_id.in_(chosen))
    # UNION (not ALL): a song credited to its album artist counts once.
    songs_of = union(credited.where(*live), as_album_artist.where(*live)).subquery()
    has_art = exists().where(
        RenditionRow.song_id == songs_of.c.song_id, RenditionRow.kind.like("art-%")
    )
    song_counts = (
        select(
            songs_of.c.artist_id,
            func.count().label("song_count"),
            func.max(case((has_art, 1), else_=0)).label("has_art"),
        )
        .group_by(songs_of.c.artist_id)
        .subquery()
    )
    album_counts = (
        select(
            SongRow.album_artist_id.label("artist_id"),
            func.count(func.distinct(SongRow.album_id)).label("album_count"),
        )
        .where(*live, SongRow.album_id.is_not(None))
        .where(SongRow.album_artist_id.in_(chosen) if chosen is not None else true())
        .group_by(SongRow.album_artist_id)
        .subquery()
    )
    query = (
        select(
            ArtistRow.id,
            ArtistRow.name,
            ArtistRow.sort_name,
            ArtistRow.sort_key,
            ArtistRow.musicbrainz_id,
            song_counts.c.song_count,
            song_counts.c.has_art,
            func.coalesce(album_counts.c.album_count, 0).label("album_count"),
        )
        .join(song_counts, song_counts.c.artist_id == ArtistRow.id)
        .outerjoin(album_counts, album_counts.c.artist_id == ArtistRow.id)
    )
    if viewer is None:
        return query
    return with_marks(query, ItemKind.ARTIST, ArtistRow.id, viewer)


def album_query(
    where: AlbumFilter, *only: ColumnElement[bool], viewer: UUID | None = None
) -> tuple[Select[Any], dict[AlbumSort, tuple[SQLColumnExpression[Any], ...]]]:
    """Albums with live songs, their counts and year (the latest of their songs'), and the
    columns each album sort orders by; with `viewer`'s marks when given.

    `only` are conditions on AlbumRow that narrow the albums before their songs are counted:
    one album, or a name search, then costs its own songs rather than the whole library.
    """
    narrowed = list(only)
    if where.artist_id is not None:
        narrowed.append(AlbumRow.album_artist_id == where.artist_id)
    stats = (
        select(
            SongRow.album_id.label("album_id"),
            func.count().label("song_count"),
            func.sum(SongRow.duration_ms).label("duration_ms"),
            func.max(SongRow.year).label("year"),
            func.max(case((HAS_ART, 1), else_=0)).label("has_art"),
        )
        .where(LIVE, SongRow.album_id.is_not(None))
        .where(SongRow.album_id.in_(select(AlbumRow.id).where(*narrowed)) if narrowed else true())
        .group_by(SongRow.album_id)
        .subquery()
    )
    album_artist = aliased(ArtistRow)
    query = (
        select(
            AlbumRow.id,
            AlbumRow.name,
            AlbumRow.album_artist_id,
            AlbumRow.created_at,
            AlbumRow.sort_name,
            AlbumRow.musicbrainz_id,
            album_artist.name.label("artist_name"),
            func.coalesce(album_artist.sort_key, "").label("artist_sort_key"),
            stats.c.song_count,
            stats.c.duration_ms,
            stats.c.year,
            stats.c.has_art,
        )
        .join(stats, stats.c.album_id == AlbumRow.id)
        .outerjoin(album_artist, album_artist.id == AlbumRow.album_artist_id)
    )
    if where.artist_id is not None:
        query = query.where(AlbumRow.album_artist_id == where.artist_id)
    if where.year is not None:
        query = query.where(stats.c.year == where.year)
    # Either order: byYear from 2010 to 2000 lists the same albums, newest first.
    years = [y for y in (where.from_year, where.to_year) if y is not None]
    if years:
        query = query.where(stats.c.year >= min(years), stats.c.year <= max(years))
    if where.folder is not None:
        query = query.where(
            exists().where(SongRow.album_id == AlbumRow.id, LIVE, in_folder(where.folder))
        )
    if where.genre is not None:
        query = query.where(
            exists()
            .where(SongRow.album_id == AlbumRow.id, LIVE)
            .where(SongGenreRow.song_id == SongRow.id, GenreRow.id == SongGenreRow.genre_id)
            .where(same_genre(where.genre))
        )
    if viewer is not None:
        plays_of = SongRow.album_id.in_(select(AlbumRow.id).where(*narrowed)) if narrowed else None
        query = with_marks(query, ItemKind.ALBUM, AlbumRow.id, viewer, plays_of=plays_of)
    year = func.coalesce(stats.c.year, 0)
    columns: dict[AlbumSort, tuple[SQLColumnExpression[Any], ...]] = {
        AlbumSort.NAME: (AlbumRow.sort_key,),
        AlbumSort.YEAR: (year, AlbumRow.sort_key),
        AlbumSort.ADDED: (AlbumRow.created_at,),
    }
    return query, columns


def to_artist(row: Any) -> ArtistSummary:
    """An ArtistSummary from a row of `artist_query`."""
    return ArtistSummary(
        row.id,
        row.name,
        int(row.album_count),
        int(row.song_count),
        sort_name=row.sort_name,
        musicbrainz_id=row.musicbrainz_id,
        has_art=bool(row.has_art),
        user_state=marks_of(row),
    )


def to_album(row: Any) -> AlbumSummary:
    return AlbumSummary(
        id=row.id,
        name=row.name,
        artist=row.artist_name,
        artist_id=row.album_artist_id,
        year=row.year,
        song_count=int(row.song_count),
        duration_ms=int(row.duration_ms or 0),
        added_at=row.created_at,
        sort_name=row.sort_name,
        musicbrainz_id=row.musicbrainz_id,
        has_art=bool(row.has_art),
        user_state=marks_of(row),
    )
