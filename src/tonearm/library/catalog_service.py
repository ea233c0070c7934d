"""CatalogService: songs, artists, albums, genres and folders to browse, and delta sync."""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.library.catalog import (
    AlbumDetail,
    AlbumFilter,
    AlbumListType,
    AlbumNotFound,
    AlbumSort,
    AlbumSummary,
    ArtistDetail,
    ArtistSummary,
    CatalogRepository,
    CatalogSong,
    GenreCount,
    Keyed,
    Page,
    SongDelta,
    SongFilter,
    SongSort,
    SortKey,
    parse_order,
)
from tonearm.library.cursors import CursorCodec
from tonearm.library.folders import (
    IMPORTED_FOLDER,
    IMPORTED_NAME,
    UNKNOWN_ARTIST,
    FolderEntry,
    FolderListing,
    FolderNotFound,
    folder_name,
    imported_album_folder,
    imported_artist_folder,
    imported_place,
    is_within,
    music_roots,
    normalized_folder,
    songs_within,
    subfolders,
)
from tonearm.library.folding import sort_key
from tonearm.library.music_folders import MusicFolderRepository
from tonearm.library.search import SearchQuery

MAX_PAGE_SIZE = 500
MAX_DELTA_SIZE = 1000

ItemT = TypeVar("ItemT")


class CatalogService:
    """Read-only views of the library for the APIs, over a CatalogRepository.

    `cursor_secret` signs page cursors; the roots of folder browsing are the music folders
    in `folders` (read at each listing: another process may add one) and `music_folders`
    (fixed absolute paths, for tests without a database of folders).
    """

    def __init__(
        self,
        catalog: CatalogRepository,
        cursor_secret: bytes,
        music_folders: Sequence[str] = (),
        folders: MusicFolderRepository | None = None,
    ) -> None:
        self._catalog = catalog
        self._cursors = CursorCodec(cursor_secret)
        self._music_folders = list(music_folders)
        self._folders = folders

    async def _root_ids(self) -> dict[str, int | None]:
        ids: dict[str, int | None] = dict.fromkeys(self._music_folders)
        if self._folders is not None:
            ids.update({f.path: f.id for f in await self._folders.list_folders()})
        return ids

    async def song(self, song_id: UUID, *, viewer: UUID | None = None) -> CatalogSong:
        """A live song (with `viewer`'s marks when given); raises SongNotFound."""
        return await self._catalog.song(song_id, viewer=viewer)

    async def songs_in_order(
        self, song_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """The live ones of `song_ids`, in the order given (with `viewer`'s marks)."""
        live = await self._catalog.live_songs(song_ids, viewer=viewer)
        found = {song.id: song for song in live}
        return [found[song_id] for song_id in song_ids if song_id in found]

    async def songs(
        self, where: SongFilter, sort: str, cursor: str | None, limit: int
    ) -> Page[CatalogSong]:
        """A page of live songs; raises InvalidSort, InvalidCursor or InvalidInput."""
        order = parse_order(sort, SongSort)
        return await self._page(
            f"songs:{order.token}",
            cursor,
            limit,
            lambda after, n: self._catalog.songs(where, order, after, n),
        )

    async def artists(self, cursor: str | None, limit: int) -> Page[ArtistSummary]:
        """A page of artists by sort name; raises InvalidCursor or InvalidInput."""
        return await self._page("artists", cursor, limit, self._catalog.artists)

    async def artist(self, artist_id: UUID, *, viewer: UUID | None = None) -> ArtistDetail:
        """An artist and its albums, newest first (with `viewer`'s marks); raises
        ArtistNotFound."""
        return await self._catalog.artist(artist_id, viewer=viewer)

    async def albums(
        self, where: AlbumFilter, sort: str, cursor: str | None, limit: int
    ) -> Page[AlbumSummary]:
        """A page of albums; raises InvalidSort, InvalidCursor or InvalidInput."""
        order = parse_order(sort, AlbumSort)
        return await self._page(
            f"albums:{order.token}",
            cursor,
            limit,
            lambda after, n: self._catalog.albums(where, order, after, n),
        )

    async def album(self, album_id: UUID, *, viewer: UUID | None = None) -> AlbumDetail:
        """An album and its tracks in disc and track order (with `viewer`'s marks); raises
        AlbumNotFound."""
        return await self._catalog.album(album_id, viewer=viewer)

    async def genres(self) -> list[GenreCount]:
        """Every genre of a live song, with its song count."""
        return await self._catalog.genres()

    async def folder(self, path: str | None, *, viewer: UUID | None = None) -> FolderListing:
        """The roots (path None), or a folder's subfolders and songs (with `viewer`'s
        marks); raises FolderNotFound for anything outside the roots, including paths
        with `..` in them."""
        counts = await self._catalog.folder_song_counts()
        imported = counts.pop(None, 0)
        by_folder = {folder: count for folder, count in counts.items() if folder is not None}
        root_ids = await self._root_ids()
        roots = music_roots(list(root_ids), by_folder)
        if path is None:
            entries = [
                FolderEntry(
                    root, folder_name(root), songs_within(root, by_folder), root_ids.get(root)
                )
                for root in roots
            ]
            if imported:
                entries.append(FolderEntry(IMPORTED_FOLDER, IMPORTED_NAME, imported))
            return FolderListing(None, None, tuple(entries), ())
        if path == IMPORTED_FOLDER or path.startswith(IMPORTED_FOLDER + "/"):
            return await self._imported_folder(path, viewer)
        folder = normalized_folder(path)
        root = next((r for r in roots if folder and is_within(folder, r)), None)
        if folder is None or root is None:
            raise FolderNotFound(path)
        if folder != root and songs_within(folder, by_folder) == 0:
            raise FolderNotFound(path)
        parent = None if folder == root else posixpath.dirname(folder)
        songs = await self._catalog.folder_songs(folder, viewer=viewer)
        return FolderListing(folder, parent, tuple(subfolders(folder, by_folder)), tuple(songs))

    async def _imported_folder(self, path: str, viewer: UUID | None) -> FolderListing:
        """The imported songs' virtual tree (library/folders.py): IMPORTED_FOLDER lists
        artists, an artist its albums and its songs without one, an album its songs."""
        groups = await self._catalog.imported_albums()
        if path == IMPORTED_FOLDER:
            counts: dict[UUID | None, int] = {}
            names: dict[UUID | None, str] = {}
            for group in groups:
                counts[group.artist_id] = counts.get(group.artist_id, 0) + group.song_count
                names[group.artist_id] = group.artist_name or UNKNOWN_ARTIST
            entries = [
                FolderEntry(imported_artist_folder(artist_id), names[artist_id], count)
                for artist_id, count in counts.items()
            ]
            return FolderListing(IMPORTED_FOLDER, None, _by_name(entries), ())
        place = imported_place(path)
        if place is None:
            raise FolderNotFound(path)
        mine = [g for g in groups if g.artist_id == place.artist_id]
        if place.is_album:
            if not any(g.album_id == place.album_id for g in mine):
                raise FolderNotFound(path)
            songs = await self._catalog.imported_songs(
                place.artist_id, place.album_id, viewer=viewer
            )
            parent = imported_artist_folder(place.artist_id)
            name = next(g.album_name for g in mine if g.album_id == place.album_id)
            return FolderListing(path, parent, (), tuple(songs), name or "")
        if not mine:
            raise FolderNotFound(path)
        albums = [
            FolderEntry(
                imported_album_folder(place.artist_id, g.album_id), g.album_name or "", g.song_count
            )
            for g in mine
            if g.album_id is not None
        ]
        loose = await self._catalog.imported_songs(place.artist_id, None, viewer=viewer)
        artist = mine[0].artist_name or UNKNOWN_ARTIST
        return FolderListing(path, IMPORTED_FOLDER, _by_name(albums), tuple(loose), artist)

    async def music_folders(self) -> list[FolderEntry]:
        """The roots of folder browsing (the virtual IMPORTED_FOLDER last, when it has
        songs), in a stable order: Subsonic numbers music folders by it."""
        return list((await self.folder(None)).folders)

    async def song_count(self) -> int:
        """How many live songs the library has."""
        return sum((await self._catalog.folder_song_counts()).values())

    async def last_changed_at(self) -> datetime | None:
        """When the library last changed (None: never)."""
        return await self._catalog.last_changed_at()

    async def every_artist(
        self, folder: str | None = None, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Every artist with live songs, in `folder` (a root) when given (with `viewer`'s
        marks)."""
        return await self._catalog.every_artist(folder, viewer=viewer)

    async def album_list(
        self, kind: AlbumListType, where: AlbumFilter, user_id: UUID, offset: int, limit: int
    ) -> list[AlbumSummary]:
        """A page of an album list (`user_id`'s ratings, stars or plays where `kind` needs
        them), with `user_id`'s marks; raises InvalidInput for a limit outside 1–500 or a
        negative offset."""
        _check_limit(limit, MAX_PAGE_SIZE)
        _check_offset(offset)
        return await self._catalog.album_list(kind, where, user_id, offset, limit)

    async def song_list(
        self,
        where: SongFilter,
        *,
        random: bool,
        offset: int,
        limit: int,
        viewer: UUID | None = None,
    ) -> list[CatalogSong]:
        """A page of live songs by title, or a random pick (with `viewer`'s marks); raises
        InvalidInput."""
        _check_limit(limit, MAX_PAGE_SIZE)
        _check_offset(offset)
        return await self._catalog.song_list(where, random, offset, limit, viewer=viewer)

    async def find_artists(
        self, text: str, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Artists whose name holds each word of `text`, folded as song search folds
        (accents, case; the last word may be unfinished, a word may be a typo away when
        that finds little), best first; every artist by sort key for an empty text.
        Raises InvalidInput (a bad page, or a query too long)."""
        _check_limit(limit, MAX_PAGE_SIZE)
        _check_offset(offset)
        return await self._catalog.find_artists(name_query(text), offset, limit, viewer=viewer)

    async def find_albums(
        self, text: str, offset: int, limit: int, *, viewer: UUID | None = None
    ) -> list[AlbumSummary]:
        """Albums found as `find_artists` finds artists; raises InvalidInput."""
        _check_limit(limit, MAX_PAGE_SIZE)
        _check_offset(offset)
        return await self._catalog.find_albums(name_query(text), offset, limit, viewer=viewer)

    async def find_artists_and_albums(
        self,
        text: str,
        artists: tuple[int, int],
        albums: tuple[int, int],
        *,
        viewer: UUID | None = None,
        variants: Mapping[str, Sequence[str]] | None = None,
    ) -> tuple[list[ArtistSummary], list[AlbumSummary]]:
        """A page (offset, limit) of the artists `find_artists` finds and one of the albums
        `find_albums` finds, read together; raises InvalidInput. `variants`: the query
        words' typo variants, when a song search of the same text read them."""
        for offset, limit in (artists, albums):
            if limit:  # 0: none of that kind
                _check_limit(limit, MAX_PAGE_SIZE)
            _check_offset(offset)
        return await self._catalog.find_names(
            name_query(text), artists, albums, viewer=viewer, variants=variants
        )

    async def cover_song(self, item_kind: str, item_id: UUID) -> UUID | None:
        """The song whose stored cover stands for a song's (`item_kind` song), album's or
        artist's; None if none has one."""
        return await self._catalog.cover_song(item_kind, item_id)

    async def album_or_artist(
        self, item_id: UUID, *, viewer: UUID | None = None
    ) -> AlbumDetail | ArtistDetail:
        """The album with this id, else the artist (with `viewer`'s marks); raises
        ArtistNotFound for neither."""
        try:
            return await self._catalog.album(item_id, viewer=viewer)
        except AlbumNotFound:
            return await self._catalog.artist(item_id, viewer=viewer)

    async def song_delta(self, since: int, limit: int) -> SongDelta:
        """Songs added, updated and removed after change number `since`, each once in its
        current state, with the cursor to continue from; raises InvalidInput."""
        if since < 0:
            raise InvalidInput(f"since {since}: must be 0 (everything) or a cursor")
        _check_limit(limit, MAX_DELTA_SIZE)
        changes = await self._catalog.song_changes(since, limit + 1)
        has_more = len(changes) > limit
        changes = changes[:limit]
        first_seq: dict[UUID, int] = {}
        for change in changes:
            first_seq.setdefault(change.song_id, change.first_seq)
        live = {song.id: song for song in await self._catalog.live_songs(list(first_seq))}
        added = [live[i] for i in first_seq if i in live and first_seq[i] > since]
        updated = [live[i] for i in first_seq if i in live and first_seq[i] <= since]
        removed = [i for i in first_seq if i not in live]
        cursor = changes[-1].seq if changes else since
        return SongDelta(tuple(added), tuple(updated), tuple(removed), cursor, has_more)

    async def _page(
        self,
        scope: str,
        cursor: str | None,
        limit: int,
        fetch: Callable[[SortKey | None, int], Awaitable[list[Keyed[ItemT]]]],
    ) -> Page[ItemT]:
        _check_limit(limit, MAX_PAGE_SIZE)
        after = self._cursors.decode(scope, cursor) if cursor else None
        # One more than asked tells whether another page exists without a COUNT.
        rows = await fetch(after, limit + 1)
        items = rows[:limit]
        next_cursor = (
            self._cursors.encode(scope, items[-1].key) if len(rows) > limit and items else None
        )
        return Page(tuple(row.item for row in items), next_cursor)


def _by_name(entries: Sequence[FolderEntry]) -> tuple[FolderEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (sort_key(e.name), e.name, e.path)))


def name_query(text: str) -> SearchQuery | None:
    """The query a name search runs (None: every name); raises InvalidInput when too long."""
    stripped = text.strip()
    if not stripped.strip('"'):
        return None
    return SearchQuery.parse(stripped)


def _check_offset(offset: int) -> None:
    if offset < 0:
        raise InvalidInput(f"offset {offset}: must not be negative")


def _check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise InvalidInput(f"limit {limit}: must be between 1 and {maximum}")
