"""/api/mashups: the signed-in user's "Mashups" list (each with why its pair was chosen)
and a mashup's MP3. Only its owner ever sees a mashup: anyone else gets 404, as for an id
that does not exist. Mashups are made by `tonearm mashup` or the monthly job.

Each mashup comes with a `stream_url`: a signed, expiring URL like a song's, answered with
Range and HEAD by /api/mashups/media/{id}?t=… without other credentials (an <audio>
element sends no bearer header); `GET /api/mashups/{id}/stream` signs a fresh one, in the
shape of a song's stream ticket, which is how the web player plays mashups."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.routing import Route

from tonearm.analysis.mashups import MASHUPS_PLAYLIST, MEDIA_KIND, Mashup, bitrate_kbps
from tonearm.api.deps import CurrentUser, MashupsDep, PublicBase
from tonearm.api.rest.errors import ErrorOut
from tonearm.api.rest.media import serve_signed_media
from tonearm.errors import InvalidInput

router = APIRouter(prefix="/mashups", tags=["mashups"])
media_router = APIRouter(prefix="/mashups", tags=["mashups"])

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
    stream_url: str
    expires_at: datetime


class MashupListOut(BaseModel):
    """The owner's "Mashups" list, newest first."""

    name: str
    entries: list[MashupOut]


class MashupStreamOut(BaseModel):
    """A signed URL that plays the mashup, in the shape of a song's stream ticket."""

    url: str
    quality: str
    codec: str
    bitrate: int | None
    size: int
    expires_at: datetime


def _out(mashup: Mashup, mashups: MashupsDep, base: str) -> MashupOut:
    stream = mashups.stream(mashup)
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
        stream_url=base + stream.path,
        expires_at=stream.expires_at,
    )


@router.get("", response_model=MashupListOut)
async def list_mashups(user: CurrentUser, mashups: MashupsDep, base: PublicBase) -> MashupListOut:
    """Your mashups, newest first."""
    found = await mashups.mashups(user.id)
    return MashupListOut(name=MASHUPS_PLAYLIST, entries=[_out(m, mashups, base) for m in found])


@router.get("/{mashup_id}", response_model=MashupOut)
async def get_mashup(
    mashup_id: UUID, user: CurrentUser, mashups: MashupsDep, base: PublicBase
) -> MashupOut:
    """One of your mashups."""
    return _out(await mashups.get(user.id, mashup_id), mashups, base)


@router.get("/{mashup_id}/stream", response_model=MashupStreamOut)
async def mashup_stream(
    mashup_id: UUID, user: CurrentUser, mashups: MashupsDep, base: PublicBase
) -> MashupStreamOut:
    """A fresh signed URL for your mashup's MP3 (what the web player asks for)."""
    mashup = await mashups.get(user.id, mashup_id)
    stream = mashups.stream(mashup)
    return MashupStreamOut(
        url=base + stream.path,
        quality=MEDIA_KIND,
        codec="mp3",
        bitrate=bitrate_kbps(mashup),
        size=mashup.size_bytes,
        expires_at=stream.expires_at,
    )


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


@media_router.get(
    "/media/{mashup_id}",
    response_class=Response,
    responses={
        200: {"content": {"audio/mpeg": {}}, "description": "The MP3"},
        206: {"description": "The requested byte range"},
        304: {"description": "Not modified (If-None-Match / If-Modified-Since)"},
        400: {"model": ErrorOut, "description": "Invalid input (a path or token malformed)"},
        401: {"description": "Invalid, tampered or expired token"},
        404: {"model": ErrorOut, "description": "No such mashup"},
        416: {"description": "Range not satisfiable"},
    },
)
async def mashup_media(
    mashup_id: UUID,
    request: Request,
    t: Annotated[str, Query(max_length=4096, description="The token of the stream URL")],
) -> Response:
    """A mashup's MP3 for whoever holds its signed URL (GET and HEAD; Range, ETag).
    Answered by `serve_mashup_media`, mounted ahead as a plain route (which HEAD reaches
    too); this declaration documents it."""
    return await serve_mashup_media(request)


async def serve_mashup_media(request: Request) -> Response:
    """GET/HEAD /api/mashups/media/{mashup_id}?t=…: check the token, send the MP3."""
    return await serve_signed_media(request, "mashup_id", "mashup", lambda d: d.mashups)


MASHUP_MEDIA_ROUTE = Route(
    "/api/mashups/media/{mashup_id}", serve_mashup_media, methods=["GET", "HEAD"]
)
