"""CatalogRepository on SQLAlchemy: keyset-paged listings of songs, artists and albums,
genres, folders, and the song entries of the change log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    bindparam,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tonearm.adapters.db.catalog_marks import with_marks
from tonearm.adapters.db.catalog_repository.albums import with_album_tags
from tonearm.adapters.db.catalog_repository.imported import imported_albums, imported_songs
from tonearm.adapters.db.catalog_repository.lists import (
    album_list_query,
    cover_song,
    song_list_query,
)
from tonearm.adapters.db.catalog_repository.names import (
    BothNames,
    NameSearch,
    Variants,
    name_variants,
)
from tonearm.adapters.db.catalog_repository.queries import (
    LIVE,
    album_query,
    artist_query,
    in_folder,
    same_genre,
    to_album,
    to_artist,
)
from tonearm.adapters.db.catalog_repository.songs import (
    after_key,
    load_catalog_songs,
    load_in_order,
    ordered,
)
from tonearm.adapters.db.changes import ChangeEntity, changes_after
from tonearm.adapters.db.song_merge import resolve_alias
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    ChangeLogRow,
    GenreRow,
    SongArtistRow,
    SongContributorRow,
    SongGenreRow,
    SongRow,
)
from tonearm.library.catalog import (
    AlbumDetail,
    AlbumFilter,
    AlbumListType,
    AlbumNotFound,
    AlbumSort,
    AlbumSummary,
    ArtistDetail,
    ArtistNotFound,
    ArtistSummary,
    CatalogSong,
    GenreCount,
    ImportedAlbum,
    Keyed,
    Order,
    SongChange,
    SongFilter,
    SongSort,
    SortKey,
)
from tonearm.library.folding import sort_key
from tonearm.library.models import SongNotFound
from tonearm.library.search import SearchQuery
from tonearm.listening.user_state import ItemKind

# Disc and track order; songs without numbers come first, as players show them.
_TRACK_ORDER = (
    func.coalesce(SongRow.disc_number, 0),
    func.coalesce(SongRow.track_number, 0),
    SongRow.sort_key,
    SongRow.id,
)


class SqlCatalog:
    """Read-only queries for browsing; every listing leaves tombstoned songs out."""

    def __init__(self, sessions: Callable[[], AsyncSession]) -> None:
        """`sessions`: read sessions (a `ReadSessions`, or any session factory)."""
        self._sessions = sessions

    # --- songs --------------------------------------------------------------------------

    async def song(self, song_id: UUID, *, viewer: UUID | None = None) -> CatalogSong:
        """A live song; raises SongNotFound."""
        async with self._sessions() as session:
            found = await load_catalog_songs(session, [song_id], viewer)
            if song_id not in found and (kept := await resolve_alias(session, song_id)):
                # An id merged away by enrichment answers as the song it merged into.
                merged = await load_catalog_songs(session, [kept], viewer)
                if kept in merged:
                    found = {song_id: merged[kept]}
        if song_id not in found:
            raise SongNotFound(song_id)
        return found[song_id]

    async def live_songs(
        self, song_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """The live ones among `song_ids`."""
        async with self._sessions() as session:
            return list((await load_catalog_songs(session, song_ids, viewer)).values())

    async def songs(
        self, where: SongFilter, order: Order[SongSort], after: SortKey | None, limit: int
    ) -> list[Keyed[CatalogSong]]:
        """A page of live songs in `order`, ties broken by id."""
        first_credit = aliased(SongArtistRow)
        first_artist = aliased(ArtistRow)
        album_artist = aliased(ArtistRow)
        album_name = func.coalesce(AlbumRow.sort_key, "")
        disc_track = (
            func.coalesce(SongRow.disc_number, 0),
            func.coalesce(SongRow.track_number, 0),
        )
        sort_columns: dict[SongSort, tuple[SQLColumnExpression[Any], ...]] = {
            SongSort.TITLE: (SongRow.sort_key,),
            SongSort.ADDED: (SongRow.added_at,),
            SongSort.PLAY_COUNT: (SongRow.play_count,),
            SongSort.YEAR: (func.coalesce(SongRow.year, 0),),
            SongSort.ALBUM: (album_name, func.coalesce(album_artist.sort_key, ""), *disc_track),
            SongSort.ARTIST: (func.coalesce(first_artist.sort_key, ""), album_name, *disc_track),
        }
        columns = [*sort_columns[order.sort], SongRow.id]
        query = (
            select(*columns)
            .select_from(SongRow)
            .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
            .outerjoin(album_artist, album_artist.id == SongRow.album_artist_id)
            .outerjoin(
                first_credit, (first_credit.song_id == SongRow.id) & (first_credit.position == 0)
            )
            .outerjoin(first_artist, first_artist.id == first_credit.artist_id)
            .where(LIVE, *_song_conditions(where))
        )
        if after is not None:
            query = query.where(after_key(columns, after, order.descending))
        query = query.order_by(*ordered(columns, order.descending)).limit(limit)
        async with self._sessions() as session:
            keys = [tuple(row) for row in (await session.execute(query)).all()]
            found = await load_catalog_songs(session, [key[-1] for key in keys])
        return [Keyed(found[key[-1]], key) for key in keys if key[-1] in found]

    async def folder_song_counts(self) -> dict[str | None, int]:
        """Live songs per folder (None: without a folder)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(SongRow.folder_path, func.count()).where(LIVE).group_by(SongRow.folder_path)
            )
            return {folder: int(count) for folder, count in rows}

    async def folder_songs(
        self, folder_path: str | None, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Live songs directly in the folder, in track order."""
        in_this_folder = (
            SongRow.folder_path.is_(None)
            if folder_path is None
            else SongRow.folder_path == folder_path
        )
        async with self._sessions() as session:
            ids = await session.scalars(
                select(SongRow.id).where(LIVE, in_this_folder).order_by(*_TRACK_ORDER)
            )
            return await load_in_order(session, list(ids), viewer)

    async def imported_albums(self) -> list[ImportedAlbum]:
        """Imported live songs counted per artist and album (catalog_repository/imported.py)."""
        async with self._sessions() as session:
            return await imported_albums(session)

    async def imported_songs(
        self, artist_id: UUID | None, album_id: UUID | None, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Imported live songs of one artist and album (None: without), in track order."""
        async with self._sessions() as session:
            return await imported_songs(session, artist_id, album_id, viewer)

    async def song_changes(self, after_seq: int, limit: int) -> list[SongChange]:
        """Song entries of the change log after `after_seq`, each with the song's first."""
        async with self._sessions() as session:
            changes = await changes_after(session, after_seq, limit, ChangeEntity.SONG)
            ids = list({change.entity_id for change in changes})
            first_seq: dict[UUID, int] = {}
            for start in range(0, len(ids), 500):
                rows = await session.execute(
                    select(ChangeLogRow.entity_id, func.min(ChangeLogRow.seq))
                    .where(
                        ChangeLogRow.entity == ChangeEntity.SONG.value,
                        ChangeLogRow.entity_id.in_(ids[start : start + 500]),
                    )
                    .group_by(ChangeLogRow.entity_id)
                )
                first_seq.update({entity_id: int(seq) for entity_id, seq in rows})
        return [SongChange(c.seq, c.entity_id, first_seq[c.entity_id]) for c in changes]

    async def last_changed_at(self) -> datetime | None:
        """The time of the newest change-log entry."""
        async with self._sessions() as session:
            changed: datetime | None = await session.scalar(
                select(ChangeLogRow.changed_at).order_by(ChangeLogRow.seq.desc()).limit(1)
            )
        return changed

    async def song_list(
        self,
        where: SongFilter,
        random: bool,
        offset: int,
        limit: int,
        *,
        viewer: UUID | None = None,
    ) -> list[CatalogSong]:
        """A page of live songs by title, or at random."""
        query = song_list_query(_song_conditions(where), random, offset, limit)
        async with self._sessions() as session:
            ids = list(await session.scalars(query))
            return await load_in_order(session, ids, viewer)

    async def cover_song(self, item_kind: str, item_id: UUID) -> UUID | None:
        """The song whose cover stands for the album's or artist's."""
        async with self._sessions() as session:
            return await cover_song(session, item_kind, item_id)

    # --- artists, albums, genres ----------------------------------------------------------

    async def every_artist(
        self, folder: str | None, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Every artist with live songs (in `folder`)."""
        async with self._sessions() as session:
            if folder is None:  # the kept statement, the viewer bound
                query = _every_artist(viewer is not None)
                rows = (await session.execute(query, _viewer_params(viewer))).all()
            else:
                rows = (await session.execute(artist_query(folder, viewer))).all()
        return [to_artist(row) for row in rows]

    async def find_artists(
        self, query: SearchQuery | None, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Artists whose folded name matches `query` (catalog_repository/names.py), best
        first; every artist by sort key for None."""
        artists, _ = await self.find_names(query, (offset, limit), (0, 0), viewer=viewer)
        return artists

    async def find_albums(
        self, query: SearchQuery | None, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[AlbumSummary]:
        """Albums found as `find_artists` finds artists."""
        _, albums = await self.find_names(query, (0, 0), (offset, limit), viewer=viewer)
        return albums

    async def find_names(
        self,
        query: SearchQuery | None,
        artists: tuple[int, int],
        albums: tuple[int, int],
        *,
        viewer: UUID | None = None,
        variants: Variants | None = None,
    ) -> tuple[list[ArtistSummary], list[AlbumSummary]]:
        """A page (offset, limit) of artists and one of albums found as `find_artists`
        finds them, in one session: the typo variants are looked up once for both (unless
        given: a song search of the same words read them)."""
        async with self._sessions() as session:
            if variants is None:
                variants = {}
                if query is not None and (artists[1] or albums[1]):
                    variants = await name_variants(session, query)
            if query is not None and artists[1] and albums[1]:
                artist_rows, album_rows = await _BOTH_NAMES.pages(
                    session, query, variants, (artists, albums), viewer
                )
                found = [to_album(row) for row in album_rows]
                return [to_artist(row) for row in artist_rows], await with_album_tags(
                    session, found
                )
            found_artists = (
                await self._artist_page(session, query, variants, *artists, viewer)
                if artists[1]
                else []
            )
            found_albums = (
                await self._album_page(session, query, variants, *albums, viewer)
                if albums[1]
                else []
            )
            return found_artists, await with_album_tags(session, found_albums)

    async def _artist_page(
        self,
        session: AsyncSession,
        query: SearchQuery | None,
        variants: Variants,
        offset: int,
        limit: int,
        viewer: UUID | None,
    ) -> list[ArtistSummary]:
        if query is None:
            order = (ArtistRow.sort_key, ArtistRow.id)
            page = artist_query(None, viewer).order_by(*order).offset(offset).limit(limit)
            rows = list((await session.execute(page)).all())
        else:
            rows = await _ARTIST_NAMES.page(session, query, variants, offset, limit, viewer)
        return [to_artist(row) for row in rows]

    async def _album_page(
        self,
        session: AsyncSession,
        query: SearchQuery | None,
        variants: Variants,
        offset: int,
        limit: int,
        viewer: UUID | None,
    ) -> list[AlbumSummary]:
        if query is None:
            base, _ = album_query(AlbumFilter(), viewer=viewer)
            page = base.order_by(AlbumRow.sort_key, AlbumRow.id).offset(offset).limit(limit)
            rows = list((await session.execute(page)).all())
        else:
            rows = await _ALBUM_NAMES.page(session, query, variants, offset, limit, viewer)
        return [to_album(row) for row in rows]

    async def album_list(
        self,
        kind: AlbumListType,
        where: AlbumFilter,
        user_id: UUID,
        offset: int,
        limit: int,
    ) -> list[AlbumSummary]:
        """A page of albums in the order of `kind`, with `user_id`'s marks."""
        base, columns = album_query(where, viewer=user_id)
        year = columns[AlbumSort.YEAR][0]
        query = album_list_query(base, year, kind, where, user_id, offset, limit)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            return await with_album_tags(session, [to_album(row) for row in rows])

    async def artists(self, after: SortKey | None, limit: int) -> list[Keyed[ArtistSummary]]:
        """Artists with live songs by sort name, ties broken by id."""
        query = artist_query()
        columns = [ArtistRow.sort_key, ArtistRow.id]
        if after is not None:
            query = query.where(after_key(columns, after, descending=False))
        query = query.order_by(*columns).limit(limit)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [Keyed(to_artist(row), (row.sort_key, row.id)) for row in rows]

    async def artist(self, artist_id: UUID, *, viewer: UUID | None = None) -> ArtistDetail:
        """The artist and its albums, newest first; raises ArtistNotFound."""
        query, albums = _artist_and_albums(viewer is not None)
        params = _viewer_params(viewer) | {"artist_id": artist_id}
        async with self._sessions() as session:
            row = (await session.execute(query, params)).first()
            if row is None:
                return await _contributor_only(session, artist_id, viewer)
            album_rows = (await session.execute(albums, params)).all()
            found = await with_album_tags(session, [to_album(r) for r in album_rows])
        return ArtistDetail(to_artist(row), tuple(found))

    async def albums(
        self, where: AlbumFilter, order: Order[AlbumSort], after: SortKey | None, limit: int
    ) -> list[Keyed[AlbumSummary]]:
        """Albums with live songs in `order`, ties broken by id."""
        query, sort_columns = album_query(where)
        columns = [*sort_columns[order.sort], AlbumRow.id]
        if after is not None:
            query = query.where(after_key(columns, after, order.descending))
        query = query.add_columns(*columns).order_by(*ordered(columns, order.descending))
        async with self._sessions() as session:
            rows = (await session.execute(query.limit(limit))).all()
            found = await with_album_tags(session, [to_album(row) for row in rows])
        width = len(columns)
        return [Keyed(album, tuple(row[-width:])) for album, row in zip(found, rows, strict=True)]

    async def album(self, album_id: UUID, *, viewer: UUID | None = None) -> AlbumDetail:
        """The album and its live tracks in disc/track order; raises AlbumNotFound."""
        query = _one_album(viewer is not None)
        async with self._sessions() as session:
            row = (
                await session.execute(query, _viewer_params(viewer) | {"album_id": album_id})
            ).first()
            if row is None:
                raise AlbumNotFound(album_id)
            ids = await session.scalars(
                select(SongRow.id).where(LIVE, SongRow.album_id == album_id).order_by(*_TRACK_ORDER)
            )
            tracks = await load_in_order(session, list(ids), viewer)
            (album,) = await with_album_tags(session, [to_album(row)])
        return AlbumDetail(album, tuple(tracks))

    async def genres(self) -> list[GenreCount]:
        """Genres of live songs with their counts, by name ignoring case."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    GenreRow.name,
                    func.count(SongRow.id),
                    func.count(func.distinct(SongRow.album_id)),
                )
                .join(SongGenreRow, SongGenreRow.genre_id == GenreRow.id)
                .join(SongRow, SongRow.id == SongGenreRow.song_id)
                .where(LIVE)
                .group_by(GenreRow.id, GenreRow.name)
            )
            counts = [GenreCount(name, int(songs), int(albums)) for name, songs, albums in rows]
        # Few rows: sorted here, folded as every other list (library/folding.py).
        return sorted(counts, key=lambda g: (sort_key(g.name), g.name))


async def _contributor_only(
    session: AsyncSession, artist_id: UUID, viewer: UUID | None
) -> ArtistDetail:
    """An artist only credited as a contributor (a composer, a conductor) on live songs:
    no albums, its credited songs counted; raises ArtistNotFound when it has none."""
    credited = (
        select(func.count(func.distinct(SongRow.id)))
        .join(SongContributorRow, SongContributorRow.song_id == SongRow.id)
        .where(LIVE, SongContributorRow.artist_id == artist_id)
        .scalar_subquery()
    )
    query = select(
        ArtistRow.id,
        ArtistRow.name,
        ArtistRow.sort_name,
        ArtistRow.musicbrainz_id,
        credited.label("song_count"),
        literal(0).label("has_art"),
        literal(0).label("album_count"),
    ).where(ArtistRow.id == artist_id)
    if viewer is not None:
        query = with_marks(query, ItemKind.ARTIST, ArtistRow.id, viewer)
    row = (await session.execute(query)).first()
    if row is None or not row.song_count:
        raise ArtistNotFound(artist_id)
    return ArtistDetail(to_artist(row), ())


def _song_conditions(where: SongFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.artist_id is not None:
        conditions.append(
            exists().where(
                SongArtistRow.song_id == SongRow.id, SongArtistRow.artist_id == where.artist_id
            )
        )
    if where.album_id is not None:
        conditions.append(SongRow.album_id == where.album_id)
    if where.genre is not None:
        conditions.append(
            exists()
            .where(SongGenreRow.song_id == SongRow.id)
            .where(GenreRow.id == SongGenreRow.genre_id, same_genre(where.genre))
        )
    if where.year is not None:
        conditions.append(SongRow.year == where.year)
    if where.from_year is not None:
        conditions.append(SongRow.year >= where.from_year)
    if where.to_year is not None:
        conditions.append(SongRow.year <= where.to_year)
    if where.folder is not None:
        conditions.append(in_folder(where.folder))
    return conditions


# Name search's statements, built once per shape (catalog_repository/names.py).
_ARTIST_NAMES = NameSearch(
    "artist",
    # The name narrows the artists before their songs are counted.
    lambda matched, viewer: artist_query(None, viewer, matched).where(matched),
    ArtistRow.search_name,
    (ArtistRow.sort_key, ArtistRow.id),
)
# The name narrows the albums before their songs are counted.
_ALBUM_NAMES = NameSearch(
    "album",
    lambda matched, viewer: album_query(AlbumFilter(), matched, viewer=viewer)[0],
    AlbumRow.search_name,
    (AlbumRow.sort_key, AlbumRow.id),
)
_BOTH_NAMES = BothNames(_ARTIST_NAMES, _ALBUM_NAMES)


# Statements of the most used reads, built once with their values bound: building them
# (and their cache keys) cost more than running them. `viewer` is bound when marks are read.


def _viewer_params(viewer: UUID | None) -> dict[str, Any]:
    return {} if viewer is None else {"viewer": viewer}


def _viewer(with_viewer: bool) -> Any:
    return bindparam("viewer") if with_viewer else None


@cache
def _every_artist(with_viewer: bool) -> Select[Any]:
    """Every artist with live songs (`every_artist` without a folder)."""
    return artist_query(None, _viewer(with_viewer))


@cache
def _artist_and_albums(with_viewer: bool) -> tuple[Select[Any], Select[Any]]:
    """The artist :artist_id, and its albums newest first (`artist`)."""
    artist_id = cast(UUID, bindparam("artist_id"))
    query = artist_query(None, _viewer(with_viewer)).where(ArtistRow.id == artist_id)
    albums, columns = album_query(AlbumFilter(artist_id=artist_id), viewer=_viewer(with_viewer))
    year = columns[AlbumSort.YEAR][0]
    return query, albums.order_by(year.desc(), AlbumRow.sort_key, AlbumRow.id)


@cache
def _one_album(with_viewer: bool) -> Select[Any]:
    """The album :album_id with its counts (`album`)."""
    album_id: Any = bindparam("album_id")
    query, _ = album_query(AlbumFilter(), AlbumRow.id == album_id, viewer=_viewer(with_viewer))
    return query.where(AlbumRow.id == album_id)
