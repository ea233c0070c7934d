"""/api/songs/search: full-text search over titles, artists, albums and genres; /api/search:
that, and the artists and albums whose names match (folded and typo-tolerant alike)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tonearm.api.deps import CatalogDep, CurrentUser, SearchDep
from tonearm.api.rest.schemas import AlbumOut, ArtistOut
from tonearm.library.search import MAX_QUERY_CHARS, SearchPage, SearchQuery, SongMatch

# Mounted before every other /songs router, so that /songs/{song_id} never sees "search".
router = APIRouter(prefix="/songs", tags=["songs"])
everything = APIRouter(tags=["search"])

MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_NAMES = 50


class SongMatchOut(BaseModel):
    """A song in search results, with its score (higher ranks first)."""

    id: str
    title: str
    artists: list[str]
    album: str | None
    album_artist: str | None
    genres: list[str]
    year: int | None
    track_number: int | None
    disc_number: int | None
    duration_ms: int
    score: float

    @classmethod
    def from_domain(cls, match: SongMatch) -> SongMatchOut:
        """From the domain SongMatch."""
        return cls(
            id=str(match.id),
            title=match.title,
            artists=list(match.artists),
            album=match.album,
            album_artist=match.album_artist,
            genres=list(match.genres),
            year=match.year,
            track_number=match.track_number,
            disc_number=match.disc_number,
            duration_ms=match.duration_ms,
            score=round(match.score, 6),
        )


class SearchPageOut(BaseModel):
    """One page of results, best first; `total` counts every match."""

    items: list[SongMatchOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def from_domain(cls, page: SearchPage) -> SearchPageOut:
        """From the domain SearchPage."""
        return cls(
            items=[SongMatchOut.from_domain(m) for m in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


Words = Annotated[
    str,
    Query(
        description=(
            "Words to find in titles, artists, albums and genres; case, accents, "
            f"unfinished words and small typos do not matter. At most {MAX_QUERY_CHARS} "
            "characters."
        ),
    ),
]


class SearchAllOut(BaseModel):
    """Artists and albums whose names match (best first), and a page of songs."""

    artists: list[ArtistOut]
    albums: list[AlbumOut]
    songs: SearchPageOut


@router.get("/search", response_model=SearchPageOut)
async def search_songs(
    search: SearchDep,
    user: CurrentUser,
    q: Words = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> SearchPageOut:
    """Songs matching every word of `q`, best first: a whole-title match, then matches
    without typos; titles weigh more than artists, artists than albums, albums than genres."""
    query = SearchQuery.parse(q)
    return SearchPageOut.from_domain(await search.songs(query, limit, offset))


@everything.get("/search", response_model=SearchAllOut)
async def search_all(
    catalog_service: CatalogDep,
    search: SearchDep,
    user: CurrentUser,
    q: Words = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Songs per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Songs skipped.")] = 0,
    artist_limit: Annotated[int, Query(ge=0, le=MAX_NAMES)] = 5,
    album_limit: Annotated[int, Query(ge=0, le=MAX_NAMES)] = 5,
) -> SearchAllOut:
    """Songs as /api/songs/search finds them, with the artists and albums whose names hold
    every word (accents and case ignored, the last word may be unfinished, small typos
    forgiven when little matches): the whole name first, then by name."""
    query = SearchQuery.parse(q)
    catalog = catalog_service
    artists = await catalog.find_artists(q, 0, artist_limit) if artist_limit else []
    albums = await catalog.find_albums(q, 0, album_limit) if album_limit else []
    return SearchAllOut(
        artists=[ArtistOut.from_domain(a) for a in artists],
        albums=[AlbumOut.from_domain(a) for a in albums],
        songs=SearchPageOut.from_domain(await search.songs(query, limit, offset)),
    )
