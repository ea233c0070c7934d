"""/api/mashups: the signed-in user's "Mashups" list (each with why its pair was chosen)
and a mashup's MP3. Only its owner ever sees a mashup: anyone else gets 404, as for an id
that does not exist. Mashups are made by `tonearm mashup` or the monthly job."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from tonearm.analysis.mashups import MASHUPS_PLAYLIST, Mashup
from tonearm.api.deps import CurrentUser, MashupsDep
from tonearm.errors import InvalidInput

router = APIRouter(prefix="/mashups", tags=["mashups"])

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class PairOut(BaseModel):
    """Why the pair was chosen."""

    lead_bpm: float
    under_bpm: float
    tempo_factor: float
    stretch: float
    lead_key: str
    under_key: str
    lead_plays: int
    under_plays: int


class MashupOut(BaseModel):
    """One mashup."""

    id: UUID
    title: str
    lead_song_id: UUID
    under_song_id: UUID
    duration_ms: int
    size_bytes: int
    created_at: datetime
    why: str
    pair: PairOut
    audio_url: str


class MashupListOut(BaseModel):
    """The owner's "Mashups" list, newest first."""

    name: str
    entries: list[MashupOut]


def _out(mashup: Mashup) -> MashupOut:
    return MashupOut(
        id=mashup.id,
        title=mashup.title,
        lead_song_id=mashup.lead_song_id,
        under_song_id=mashup.under_song_id,
        duration_ms=mashup.duration_ms,
        size_bytes=mashup.size_bytes,
        created_at=mashup.created_at,
        why=mashup.why,
        pair=PairOut(**mashup.reason.to_json()),
        audio_url=f"/api/mashups/{mashup.id}/audio",
    )


@router.get("", response_model=MashupListOut)
async def list_mashups(user: CurrentUser, mashups: MashupsDep) -> MashupListOut:
    """Your mashups, newest first."""
    found = await mashups.mashups(user.id)
    return MashupListOut(name=MASHUPS_PLAYLIST, entries=[_out(m) for m in found])


@router.get("/{mashup_id}", response_model=MashupOut)
async def get_mashup(mashup_id: UUID, user: CurrentUser, mashups: MashupsDep) -> MashupOut:
    """One of your mashups."""
    return _out(await mashups.get(user.id, mashup_id))


@router.get(
    "/{mashup_id}/audio",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"audio/mpeg": {}}, "description": "The MP3"},
        206: {"description": "The requested byte range"},
        416: {"description": "Range not satisfiable"},
    },
)
async def mashup_audio(
    mashup_id: UUID,
    user: CurrentUser,
    mashups: MashupsDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """Your mashup's MP3 (one byte range with `Range: bytes=a-b`)."""
    mashup = await mashups.get(user.id, mashup_id)
    size = mashup.size_bytes
    start, end = 0, size - 1
    partial = False
    if range_header is not None:
        matched = _RANGE.match(range_header.strip())
        if matched is None:
            raise InvalidInput("Range: only one range, bytes=START-[END]")
        start = int(matched.group(1))
        end = min(int(matched.group(2)), size - 1) if matched.group(2) else size - 1
        if start >= size or end < start:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        partial = True
    _, chunks = await mashups.audio(user.id, mashup_id, start, end)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Cache-Control": "private, no-store",
    }
    if partial:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        chunks, status_code=206 if partial else 200, media_type="audio/mpeg", headers=headers
    )
