"""Building CatalogSongs in bulk, and the keyset condition that pages every listing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    SQLColumnExpression,
    String,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tonearm.adapters.db.catalog_marks import marks_of, with_marks
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    GenreRow,
    RenditionRow,
    SongArtistRow,
    SongContributorRow,
    SongFeatureRow,
    SongGenreRow,
    SongRow,
    UserInteractionRow,
)
from tonearm.library.catalog import (
    CatalogSong,
    Credit,
    InvalidCursor,
    SortKey,
    is_art_rendition,
    is_audio_rendition,
)
from tonearm.listening.user_state import ItemKind

# Ids per IN (...) list: well under SQLite's and PostgreSQL's bind-parameter limits.
_ID_BATCH = 500

# Synced lyrics are stored as JSON, where "no lyrics" may be the JSON text `null` rather
# than SQL NULL; anything longer than those four characters holds lines.
_HAS_LYRICS = or_(
    SongRow.lyrics.is_not(None),
    func.coalesce(func.length(cast(SongRow.synced_lyrics, Text)), 0) > 4,
)


async def load_catalog_songs(
    session: AsyncSession, song_ids: Sequence[UUID], viewer: UUID | None = None
) -> dict[UUID, CatalogSong]:
    """The live ones of `song_ids`, with artists, genres and renditions (and `viewer`'s
    marks), by id: one statement per batch of ids."""
    found: dict[UUID, CatalogSong] = {}
    for start in range(0, len(song_ids), _ID_BATCH):
        batch = list(song_ids[start : start + _ID_BATCH])
        found.update(await _load_batch(session, batch, viewer))
    return found


async def load_in_order(
    session: AsyncSession, song_ids: Sequence[UUID], viewer: UUID | None = None
) -> list[CatalogSong]:
    """The live ones of `song_ids`, in the order given (with `viewer`'s marks)."""
    found = await load_catalog_songs(session, song_ids, viewer)
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


# Several rows folded into one text column: items split by _ITEM, fields by _FIELD
# (control characters no tag holds), each item led by its position so order survives
# any aggregate. One query per batch instead of one per related table.
_ITEM = "\x1f"
_FIELD = "\x1e"


def _folded(*fields: Any) -> Any:
    # `||` (SQLAlchemy's + on text) on both databases; concat() is newer than some SQLite.
    folded: Any = cast(fields[0], String)
    for field in fields[1:]:
        folded = folded + literal(_FIELD, String) + cast(field, String)
    return folded


def _aggregate(expression: Any, *where: Any) -> Any:
    return select(func.aggregate_strings(expression, _ITEM)).where(*where).scalar_subquery()


def _unfold(text: str | None, width: int) -> list[list[str]]:
    if not text:
        return []
    items = [item.split(_FIELD) for item in text.split(_ITEM)]
    return sorted((item for item in items if len(item) == width), key=lambda i: int(i[0]))


@cache
def _load_query(marked: bool) -> Any:
    """The batch-load statement (`marked`: with the viewer's marks, adapters/db/
    catalog_marks.py), built once (building it costs more than running it)."""
    album_artist = aliased(ArtistRow)
    credited = aliased(ArtistRow)
    artists = _aggregate(
        _folded(SongArtistRow.position, SongArtistRow.artist_id, credited.name),
        SongArtistRow.song_id == SongRow.id,
        credited.id == SongArtistRow.artist_id,
    )
    genres = _aggregate(
        _folded(SongGenreRow.position, GenreRow.name),
        SongGenreRow.song_id == SongRow.id,
        GenreRow.id == SongGenreRow.genre_id,
    )
    kinds = _aggregate(_folded(literal(0), RenditionRow.kind), RenditionRow.song_id == SongRow.id)
    contributor = aliased(ArtistRow)
    credits = _aggregate(
        _folded(
            SongContributorRow.position,
            SongContributorRow.role,
            func.coalesce(SongContributorRow.sub_role, ""),
            SongContributorRow.artist_id,
            contributor.name,
        ),
        SongContributorRow.song_id == SongRow.id,
        contributor.id == SongContributorRow.artist_id,
    )
    analysed_tempo = (
        select(SongFeatureRow.tempo_bpm)
        .where(SongFeatureRow.song_id == SongRow.id, SongFeatureRow.status == "done")
        .scalar_subquery()
        .label("analysed_tempo")
    )
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    query = (
        select(
            SongRow,
            AlbumRow.name,
            album_artist.name,
            _HAS_LYRICS,
            artists,
            genres,
            kinds,
            credits,
            analysed_tempo,
        )
        .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
        .outerjoin(album_artist, album_artist.id == SongRow.album_artist_id)
        .where(SongRow.id.in_(ids), SongRow.deleted_at.is_(None))
    )
    if not marked:
        return query
    viewer = bindparam("viewer", type_=SongRow.id.type)
    # The viewer's plays of this batch only, not of everything they ever played.
    return with_marks(
        query, ItemKind.SONG, SongRow.id, viewer, plays_of=UserInteractionRow.song_id.in_(ids)
    )


async def _load_batch(
    session: AsyncSession, ids: list[UUID], viewer: UUID | None
) -> dict[UUID, CatalogSong]:
    if viewer is None:
        rows = (await session.execute(_load_query(False), {"ids": ids})).all()
    else:
        rows = (await session.execute(_load_query(True), {"ids": ids, "viewer": viewer})).all()
    found: dict[UUID, CatalogSong] = {}
    for row in rows:
        song, album_name, album_artist_name, has_lyrics, artist_text, genre_text = row[:6]
        kind_text, credit_text = row[6:8]
        credits = _unfold(artist_text, 3)
        stored = sorted(kind for _, kind in _unfold(kind_text, 2))
        found[song.id] = CatalogSong(
            id=song.id,
            title=song.title,
            artists=tuple(name for _, _, name in credits),
            artist_ids=tuple(UUID(artist_id) for _, artist_id, _ in credits),
            album=album_name,
            album_id=song.album_id,
            album_artist=album_artist_name,
            album_artist_id=song.album_artist_id,
            genres=tuple(name for _, name in _unfold(genre_text, 2)),
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
            renditions=tuple(kind for kind in stored if is_audio_rendition(kind)),
            sort_title=song.sort_title,
            original_path=song.original_path,
            original_size_bytes=song.original_size_bytes,
            musicbrainz_recording_id=song.musicbrainz_recording_id,
            musicbrainz_album_id=song.musicbrainz_album_id,
            isrc=song.isrc,
            bpm=song.bpm,
            analysed_tempo_bpm=row._mapping["analysed_tempo"],
            replaygain_track_peak=song.replaygain_track_peak,
            replaygain_album_peak=song.replaygain_album_peak,
            has_art=any(is_art_rendition(kind) for kind in stored),
            comment=song.comment,
            contributors=tuple(
                Credit(role, UUID(artist_id), name, sub_role or None)
                for _, role, sub_role, artist_id, name in _unfold(credit_text, 5)
            ),
            moods=tuple(song.moods or ()),
            compilation=song.compilation,
            sample_rate=song.sample_rate,
            bit_depth=song.bit_depth,
            channels=song.channels,
            user_state=marks_of(row),
        )
    return found


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
