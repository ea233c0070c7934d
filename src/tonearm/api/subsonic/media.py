"""Media retrieval: stream (a stored rendition, the original, or a transcode) and download.

Stored objects are sent with Range, ETag and HEAD like /api/media; transcodes are sent as
ffmpeg makes them (no Range; a Content-Length only with estimateContentLength=true).
Neither records a play: plays come from scrobble and reportPlayback.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from tonearm.api.object_response import object_response, prepend
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.errors import InvalidInput
from tonearm.streaming import MediaSource
from tonearm.streaming.delivery import ServeStored, StreamRequest, Transcode
from tonearm.streaming.ranges import http_date
from tonearm.streaming.transcoding import exactly


def _seconds(raw: str | None) -> float:
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(
            f"parameter timeOffset must be a number of seconds, got {raw!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"parameter timeOffset must be 0 or more seconds, got {raw!r}")
    return value


def _stored_headers(source: MediaSource) -> dict[str, str]:
    return {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        "Last-Modified": http_date(source.modified_at),
        "Cache-Control": "private, max-age=86400",
    }


async def stream(call: SubsonicCall) -> Response:
    """The song's audio: see streaming/delivery.py for what is sent for which parameters."""
    params = call.params
    request = StreamRequest(
        format=params.get("format"),
        max_bitrate_kbps=params.get_int("maxBitRate", 0, minimum=0) or 0,
        time_offset_seconds=_seconds(params.get("timeOffset")),
    )
    transcoding = call.services.transcoding
    delivery = await transcoding.delivery(params.get_id("id"), request)
    if isinstance(delivery, ServeStored):
        source = delivery.source
        return await object_response(
            call.request, call.services.streaming, source, _stored_headers(source)
        )
    return await _transcoded(call, delivery, params.get_bool("estimateContentLength"))


async def _transcoded(call: SubsonicCall, job: Transcode, estimate_length: bool) -> Response:
    headers = {"Accept-Ranges": "none", "Cache-Control": "no-store"}
    if estimate_length:
        headers["Content-Length"] = str(job.estimated_bytes)
    if call.request.method == "HEAD":
        return Response(headers=headers, media_type=job.codec.content_type)
    body = call.services.transcoding.transcode(job)
    # Wait for a slot and ffmpeg's first bytes before the status line: a failure is still
    # an error the app can show.
    first = await anext(body, b"")
    chunks = prepend(first, body)
    if estimate_length:
        chunks = exactly(chunks, job.estimated_bytes)
    return StreamingResponse(chunks, headers=headers, media_type=job.codec.content_type)


async def download(call: SubsonicCall) -> Response:
    """The original file as it is (Range and HEAD too), named for saving."""
    source = await call.services.transcoding.original(call.params.get_id("id"))
    name = PurePosixPath(source.path or source.storage_key or "").name or f"{source.song_id}"
    headers = _stored_headers(source)
    headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return await object_response(call.request, call.services.streaming, source, headers)


__all__ = ["download", "stream"]
