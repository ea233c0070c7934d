"""Sonic similarity over the analysed songs (SonicSimilarity): the songs that sound most
like one, and a sonic path from one song to another. Both need numpy (503 without it) and
answer 404 for a song that has not been analysed yet."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tonearm.analysis.similarity import DEFAULT_PATH, DEFAULT_SIMILAR, MAX_COUNT, SonicMatch
from tonearm.api.deps import CurrentUser, SonicDep
from tonearm.api.rest.errors import ErrorOut
from tonearm.api.rest.schemas import SongOut

router = APIRouter(
    tags=["sonic"],
    responses={
        503: {
            "model": ErrorOut,
            "description": "This server cannot compare songs (numpy is not installed)",
        }
    },
)

SIMILARITY = (
    "0-1, 1 being the same song: 0.85 embedding cosine (mapped from -1..1) + 0.05 tempo closeness (double and "
    "half tempo count as the same) + 0.05 Camelot key compatibility + 0.05 energy closeness."
)


class SonicSongOut(SongOut):
    """A song with its sonic similarity."""

    similarity: float = Field(ge=0, le=1, description=SIMILARITY)

    @classmethod
    def from_match(cls, match: SonicMatch) -> SonicSongOut:
        """The API form of a SonicMatch."""
        return cls(**SongOut.from_domain(match.song).model_dump(), similarity=match.similarity)


class SonicSongsOut(BaseModel):
    """Songs in order, each with its similarity."""

    items: list[SonicSongOut]


@router.get("/songs/{song_id}/sonic-similar")
async def sonic_similar(
    song_id: UUID,
    user: CurrentUser,
    sonic: SonicDep,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT)] = DEFAULT_SIMILAR,
) -> SonicSongsOut:
    """The songs that sound most like this one, most similar first (never the song itself).
    404 when the song has not been analysed yet; 503 when this server cannot compare
    (numpy missing)."""
    found = await sonic.similar(song_id, count, viewer=user.id)
    return SonicSongsOut(items=[SonicSongOut.from_match(match) for match in found])


@router.get("/sonic-path")
async def sonic_path(
    user: CurrentUser,
    sonic: SonicDep,
    start: Annotated[UUID, Query(alias="from", description="The first song.")],
    end: Annotated[UUID, Query(alias="to", description="The last song.")],
    count: Annotated[
        int, Query(ge=2, le=MAX_COUNT, description="Songs in the path, both ends included.")
    ] = DEFAULT_PATH,
) -> SonicSongsOut:
    """A path of up to `count` songs from `from` to `to` in small sonic steps (each the song
    nearest a point on the way between the two), `from` first and `to` last; similarity is
    to `from`. 404 when either has not been analysed yet; 503 without numpy."""
    found = await sonic.path(start, end, count, viewer=user.id)
    return SonicSongsOut(items=[SonicSongOut.from_match(match) for match in found])
