"""/api/songs, /api/artists, /api/albums, /api/genres, /api/folders: browsing the library,
and /api/songs/delta for clients that keep a copy of it."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from tonearm.api.deps import (
    AnalysisDep,
    CatalogDep,
    CurrentUser,
    InfoDep,
    PublicBase,
    TrendingDep,
)
from tonearm.api.rest.analysis import song_analysis_summary
from tonearm.api.rest.schemas import INT64_MAX, AlbumOut, ArtistOut, PageOut, SongOut, Year
from tonearm.library.catalog import AlbumFilter, SongDelta, SongFilter
from tonearm.library.catalog_service import MAX_DELTA_SIZE, MAX_PAGE_SIZE
from tonearm.library.folders import FolderListing

router = APIRouter(tags=["library"])

Cursor = Annotated[
    str | None,
    Query(max_length=2000, description="`next_cursor` of the previous page; omit to start."),
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Genre = Annotated[str | None, Query(max_length=100, description="Genre name, any case.")]


class SongDeltaOut(BaseModel):
    """Songs changed since `since`, each once, in their current state."""

    added: list[SongOut]
    updated: list[SongOut]
    removed: list[UUID]
    cursor: int
    has_more: bool

    @classmethod
    def from_domain(cls, delta: SongDelta) -> SongDeltaOut:
        """From a SongDelta."""
        return cls(
            added=[SongOut.from_domain(song) for song in delta.added],
            updated=[SongOut.from_domain(song) for song in delta.updated],
            removed=list(delta.removed),
            cursor=delta.cursor,
            has_more=delta.has_more,
        )


class ArtistDetailOut(ArtistOut):
    """An artist and its albums, newest first."""

    albums: list[AlbumOut]


class AlbumDetailOut(AlbumOut):
    """An album and its tracks in disc and track order (`duration_ms` is their total)."""

    tracks: list[SongOut]


class GenreOut(BaseModel):
    """A genre and how many songs have it."""

    name: str
    song_count: int


class FolderOut(BaseModel):
    """A folder, with the songs in it and below it counted. `path` is the folder as stored
    (send it back as is to list it); `name` is readable; a music folder's root has its
    stable `music_folder_id`."""

    path: str
    name: str
    song_count: int
    music_folder_id: int | None = None


class FolderListingOut(BaseModel):
    """The roots (path null), or a folder's direct subfolders and its own songs."""

    path: str | None
    parent: str | None
    folders: list[FolderOut]
    songs: list[SongOut]
    name: str | None = None  # a virtual folder's name (imported songs' artist or album)

    @classmethod
    def from_domain(cls, listing: FolderListing) -> FolderListingOut:
        """From a FolderListing."""
        return cls(
            path=listing.path,
            parent=listing.parent,
            folders=[
                FolderOut(
                    path=f.path,
                    name=f.name,
                    song_count=f.song_count,
                    music_folder_id=f.folder_id,
                )
                for f in listing.folders
            ],
            songs=[SongOut.from_domain(song) for song in listing.songs],
            name=listing.name,
        )


# Declared before /songs/{song_id} so that "delta" is never taken for a song id.
@router.get("/songs/delta", response_model=SongDeltaOut)
async def song_delta(
    catalog: CatalogDep,
    user: CurrentUser,
    since: Annotated[
        int, Query(ge=0, le=INT64_MAX, description="`cursor` of the last delta; 0: all.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_DELTA_SIZE, description="Changes read.")] = 500,
) -> SongDeltaOut:
    """Songs added, updated and removed since the cursor; repeat while `has_more`."""
    return SongDeltaOut.from_domain(await catalog.song_delta(since, limit))


@router.get("/songs", response_model=PageOut[SongOut])
async def list_songs(
    catalog: CatalogDep,
    user: CurrentUser,
    artist: UUID | None = None,
    album: UUID | None = None,
    genre: Genre = None,
    year: Year | None = None,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description="title, added, artist, album, play_count or year; '-' reverses",
        ),
    ] = "title",
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PageOut[SongOut]:
    """Live songs, filtered and sorted, one page at a time."""
    where = SongFilter(artist_id=artist, album_id=album, genre=genre, year=year)
    page = await catalog.songs(where, sort, cursor, limit)
    return PageOut[SongOut](
        items=[SongOut.from_domain(song) for song in page.items], next_cursor=page.next_cursor
    )


class TrendingOut(BaseModel):
    """Trending songs, best first; `source` says how they were ranked."""

    items: list[SongOut]
    source: Literal["trending:daily", "play_count"]


@router.get("/trending", response_model=TrendingOut)
async def trending(
    ranking: TrendingDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TrendingOut:
    """The popularity job's hourly `trending:daily` list; the most played songs until it
    has run."""
    found = await ranking.top(limit)
    return TrendingOut(
        items=[SongOut.from_domain(song) for song in found.songs],
        source=found.source,  # type: ignore[arg-type]
    )


@router.get("/songs/{song_id}", response_model=SongOut)
async def get_song(
    song_id: UUID, catalog: CatalogDep, analysis: AnalysisDep, user: CurrentUser
) -> SongOut:
    """One song, with its audio analysis; 404 when unknown or removed."""
    song = SongOut.from_domain(await catalog.song(song_id))
    song.analysis = await song_analysis_summary(analysis, song.id)
    return song


@router.get("/artists", response_model=PageOut[ArtistOut])
async def list_artists(
    catalog: CatalogDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = 100
) -> PageOut[ArtistOut]:
    """Artists by name (leading "The" ignored), with album and song counts."""
    page = await catalog.artists(cursor, limit)
    return PageOut[ArtistOut](
        items=[ArtistOut.from_domain(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get("/artists/{artist_id}", response_model=ArtistDetailOut)
async def get_artist(artist_id: UUID, catalog: CatalogDep, user: CurrentUser) -> ArtistDetailOut:
    """An artist and the albums it is the album artist of, newest first."""
    detail = await catalog.artist(artist_id)
    return ArtistDetailOut(
        **ArtistOut.from_domain(detail.artist).model_dump(),
        albums=[AlbumOut.from_domain(album) for album in detail.albums],
    )


@router.get("/albums", response_model=PageOut[AlbumOut])
async def list_albums(
    catalog: CatalogDep,
    user: CurrentUser,
    artist: UUID | None = None,
    year: Year | None = None,
    genre: Genre = None,
    sort: Annotated[
        str, Query(max_length=20, description="name, year or added; '-' reverses")
    ] = "name",
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PageOut[AlbumOut]:
    """Albums with live songs, filtered and sorted, one page at a time."""
    where = AlbumFilter(artist_id=artist, year=year, genre=genre)
    page = await catalog.albums(where, sort, cursor, limit)
    return PageOut[AlbumOut](
        items=[AlbumOut.from_domain(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get("/albums/{album_id}", response_model=AlbumDetailOut)
async def get_album(album_id: UUID, catalog: CatalogDep, user: CurrentUser) -> AlbumDetailOut:
    """An album and its tracks in disc and track order."""
    detail = await catalog.album(album_id)
    return AlbumDetailOut(
        **AlbumOut.from_domain(detail.album).model_dump(),
        tracks=[SongOut.from_domain(song) for song in detail.tracks],
    )


ArtSize = Annotated[int, Query(ge=16, le=4096, description="Wanted size in px.")]
_ART_RESPONSES: dict[int | str, dict[str, object]] = {
    307: {"description": "Redirect to the signed, cacheable image URL"},
    404: {"description": "Unknown, or no song of it has a cover (`has_art` false)"},
}


def _art_redirect(base: str, path: str) -> RedirectResponse:
    response = RedirectResponse(base + path, 307)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@router.get(
    "/albums/{album_id}/art",
    response_class=RedirectResponse,
    status_code=307,
    responses=_ART_RESPONSES,
)
async def album_art(
    album_id: UUID, base: PublicBase, user: CurrentUser, info: InfoDep, size: ArtSize = 300
) -> RedirectResponse:
    """Redirects to a signed URL of the album's cover (its first track with one) nearest
    `size` px, like `/api/songs/{id}/art`."""
    return _art_redirect(base, await info.cover_path(user.id, "album", album_id, size))


@router.get(
    "/artists/{artist_id}/art",
    response_class=RedirectResponse,
    status_code=307,
    responses=_ART_RESPONSES,
)
async def artist_art(
    artist_id: UUID, base: PublicBase, user: CurrentUser, info: InfoDep, size: ArtSize = 300
) -> RedirectResponse:
    """Redirects to a signed URL of the artist's image: the cover of its first album (in
    album order) that has one."""
    return _art_redirect(base, await info.cover_path(user.id, "artist", artist_id, size))


@router.get("/genres", response_model=list[GenreOut])
async def list_genres(catalog: CatalogDep, user: CurrentUser) -> list[GenreOut]:
    """Genres of live songs with song counts, by name."""
    genres = await catalog.genres()
    return [GenreOut(name=g.name, song_count=g.song_count) for g in genres]


@router.get("/folders", response_model=FolderListingOut)
async def browse_folders(
    catalog: CatalogDep,
    user: CurrentUser,
    path: Annotated[
        str | None,
        Query(
            max_length=4096,
            description='A folder path, or "imported" (and the paths below it that imported '
            "songs' listings give); omit for the roots.",
        ),
    ] = None,
) -> FolderListingOut:
    """The music-folder roots, or one folder's subfolders and songs."""
    return FolderListingOut.from_domain(await catalog.folder(path))
