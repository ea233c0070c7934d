"""/api/transitions: precomputed transitions between songs (TransitionService).

`GET /api/transitions?from=&to=` lists rendered transitions out of and/or into songs, each
with its cut points (the player plays A until `from_start_ms`, the transition, then B from
`to_resume_ms`) and the URL of its audio; `GET /api/transitions/{from}/{to}/audio` answers
the audio (a few seconds of MP3, read whole) to anyone signed in.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from tonearm.analysis.transitions import TRANSITION_CONTENT_TYPE, PlannedTransition
from tonearm.api.deps import CurrentUser, TransitionsDep

router = APIRouter(prefix="/transitions", tags=["transitions"])

MAX_LISTED = 200


class TransitionOut(BaseModel):
    """A rendered transition from one song into the next."""

    from_song_id: UUID
    to_song_id: UUID
    url: str
    duration_ms: int
    beat_matched: bool
    from_start_ms: int
    to_start_ms: int
    to_resume_ms: int
    tempo_ratio: float


class TransitionList(BaseModel):
    """Transitions matching the filter."""

    items: list[TransitionOut]


def _out(listed: PlannedTransition) -> TransitionOut:
    transition, plan = listed.transition, listed.plan
    return TransitionOut(
        from_song_id=transition.from_song_id,
        to_song_id=transition.to_song_id,
        url=f"/api/transitions/{transition.from_song_id}/{transition.to_song_id}/audio",
        duration_ms=transition.duration_ms,
        beat_matched=transition.beat_matched,
        from_start_ms=round(plan.from_start * 1000),
        to_start_ms=round(plan.to_start * 1000),
        to_resume_ms=round(plan.to_resume * 1000),
        tempo_ratio=plan.tempo_ratio,
    )


@router.get("")
async def list_transitions(
    _user: CurrentUser,
    transitions: TransitionsDep,
    from_song: Annotated[UUID | None, Query(alias="from")] = None,
    to_song: Annotated[UUID | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 50,
) -> TransitionList:
    """Transitions out of `from` and/or into `to` (both: that one pair)."""
    listed = await transitions.listing(from_song, to_song, limit)
    return TransitionList(items=[_out(item) for item in listed])


@router.get("/{from_song}/{to_song}/audio", response_class=Response)
async def transition_audio(
    _user: CurrentUser, transitions: TransitionsDep, from_song: UUID, to_song: UUID
) -> Response:
    """The transition's MP3; 404 when the pair has none (or it no longer fits)."""
    audio = await transitions.open_audio(from_song, to_song)
    body = b"".join([chunk async for chunk in audio.chunks])
    return Response(
        body,
        media_type=TRANSITION_CONTENT_TYPE,
        headers={"Cache-Control": "private, max-age=3600"},
    )
