"""/api/songs/{id}/stream, /art, /waveform, /lyrics: what a player asks before it plays."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from tonearm.api.deps import CurrentUser, LyricsDep, PublicBase, StreamingDep
from tonearm.streaming import ClientConditions, Quality
from tonearm.streaming.quality import normalize_network

# A client's measured throughput above 100 Gbit/s is not a measurement.
MAX_BANDWIDTH_KBPS = 100_000_000

router = APIRouter(prefix="/songs", tags=["streaming"])

# Client Hints ECT (effective connection type) → a throughput estimate in kbps; "4g" says
# nothing below the Wi-Fi tier, so it sets no estimate.
_ECT_KBPS = {"slow-2g": 50.0, "2g": 250.0, "3g": 700.0}


class StreamOut(BaseModel):
    """A signed URL to stream, and what it serves."""

    url: str
    quality: str
    codec: str | None
    bitrate: int | None
    size: int
    expires_at: datetime
    pending: bool = Field(
        False,
        description="The rendition is not made yet: a plain GET of the URL encodes it while "
        "streaming (no Content-Length; `size` is an estimate); a Range request gets the "
        "original until the rendition is stored (X-Tonearm-Served says which).",
    )


class LyricLine(BaseModel):
    """One synced line."""

    time_ms: int
    text: str


class LyricsOut(BaseModel):
    """A song's lyrics: plain text, and timed lines when known."""

    song_id: UUID
    plain: str | None
    synced: list[LyricLine] | None


def _conditions(
    network: str | None,
    bandwidth_kbps: float | None,
    opus: bool | None,
    downlink: str | None,
    ect: str | None,
    accept: str | None,
) -> ClientConditions:
    kbps = bandwidth_kbps
    if kbps is None and downlink:
        try:
            kbps = float(downlink) * 1000  # Downlink is in Mbps
        except ValueError:
            kbps = None
    if kbps is None and ect:
        kbps = _ECT_KBPS.get(ect.strip().lower())
    plays_opus = opus if opus is not None else "opus" in (accept or "").lower()
    return ClientConditions(normalize_network(network), kbps, plays_opus)


@router.get("/{song_id}/stream", response_model=StreamOut)
async def stream_url(
    song_id: UUID,
    base: PublicBase,
    user: CurrentUser,
    streaming: StreamingDep,
    quality: Quality = Quality.AUTO,
    network: Annotated[
        str | None,
        Query(max_length=20, description="wifi, ethernet, 5g, 4g, cellular, 3g, 2g, slow-2g"),
    ] = None,
    bandwidth_kbps: Annotated[
        float | None,
        Query(gt=0, le=MAX_BANDWIDTH_KBPS, allow_inf_nan=False, description="Measured throughput"),
    ] = None,
    opus: Annotated[bool | None, Query(description="The client plays Opus in WebM")] = None,
    downlink: Annotated[str | None, Header(include_in_schema=False)] = None,
    ect: Annotated[str | None, Header(include_in_schema=False)] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> StreamOut:
    """A signed URL (valid 30 minutes) for the song in a quality.

    `auto` picks by the declared network type (or the `X-Network-Type`-less Client Hints
    `Downlink`/`ECT`), measured throughput and your preferences; `efficient` (Opus) replaces
    `medium` when `opus=true` or Accept mentions opus. A quality that is not stored yet
    (a scanned song, or one storage tiering trimmed) is the same tier all the same: the URL
    makes it on first play (`pending`). Under the `off` rendition policy the best stored one
    (else the original) is named instead.
    """
    conditions = _conditions(network, bandwidth_kbps, opus, downlink, ect, accept)
    ticket = await streaming.stream_ticket(user.id, song_id, quality, conditions)
    return StreamOut(
        url=base + ticket.path,
        quality=ticket.quality,
        codec=ticket.codec,
        bitrate=ticket.bitrate_kbps,
        size=ticket.size_bytes,
        expires_at=ticket.expires_at,
        pending=ticket.pending,
    )


@router.get(
    "/{song_id}/art",
    response_class=RedirectResponse,
    status_code=307,
    responses={307: {"description": "Redirect to the signed, cacheable image URL"}},
)
async def cover_art(
    song_id: UUID,
    base: PublicBase,
    user: CurrentUser,
    streaming: StreamingDep,
    size: Annotated[int, Query(ge=16, le=4096)] = 300,
) -> RedirectResponse:
    """Redirects to a signed URL of the stored cover nearest `size` px (works in `<img>`
    with the session cookie). The URL is long-lived and the same all day, so it caches."""
    path = await streaming.art_path(user.id, song_id, size)
    response = RedirectResponse(base + path, 307)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@router.get("/{song_id}/waveform", responses={200: {"description": "Waveform peaks JSON"}})
async def waveform(song_id: UUID, user: CurrentUser, streaming: StreamingDep) -> JSONResponse:
    """The song's waveform peaks (audiowaveform JSON: sample_rate, samples_per_pixel,
    bits, length, data as min/max pairs), for drawing a seek bar."""
    source = await streaming.waveform(song_id)
    raw = b"".join([chunk async for chunk in streaming.read(source, 0, None)])
    content: Any = json.loads(raw)
    return JSONResponse(
        content,
        headers={"ETag": source.etag, "Cache-Control": "private, max-age=86400"},
    )


@router.get("/{song_id}/lyrics", response_model=LyricsOut)
async def lyrics(song_id: UUID, user: CurrentUser, lyrics: LyricsDep) -> LyricsOut:
    """Plain lyrics and, when the file or a .lrc beside it had them, timed lines; both null
    for a song without lyrics (404 only for an unknown song)."""
    stored = await lyrics.of_song(song_id)
    synced = (
        [LyricLine(time_ms=int(line["time_ms"]), text=str(line["text"])) for line in stored.synced]
        if stored.synced
        else None
    )
    return LyricsOut(song_id=song_id, plain=stored.plain, synced=synced)
