"""A pending rendition as an HTTP response: encoded while it streams, or stood in for.

Shared by the signed media endpoint and Subsonic `stream`. A plain GET (no Range, or
`bytes=0-`, which is how `<audio>` starts) gets the rendition as it is encoded: 200, no
Content-Length, not cacheable (the provisional header differs from the stored file's). A
request for part of the file (seek, prefetch window, resumed download) cannot be answered
from an encode in progress: it gets the rendition once stored, else the original, with Range.
So does a GET this process may not encode now (another process holds the claim, every slot
is busy, or the encode failed before its first byte). `X-Tonearm-Served` names what was sent.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tonearm.api.object_response import object_response, prepend
from tonearm.streaming import MediaSource, StreamService
from tonearm.streaming.models import PendingRendition
from tonearm.streaming.on_demand import OnDemandRenditions

SERVED_HEADER = "X-Tonearm-Served"


def wants_part(range_header: str | None) -> bool:
    """Whether a Range header asks for anything but the whole file from its start."""
    if range_header is None:
        return False
    return range_header.replace(" ", "").lower() != "bytes=0-"


async def pending_response(
    request: Request,
    streaming: StreamService,
    on_demand: OnDemandRenditions,
    pending: PendingRendition,
    stored_headers: Callable[[MediaSource], dict[str, str]],
) -> Response:
    """The response for a pending rendition (see the module docstring); `stored_headers`
    gives the caching headers for a stored object sent instead."""
    rendition = pending.format
    if request.method == "HEAD":
        return Response(
            headers={"Cache-Control": "no-store", SERVED_HEADER: rendition.kind},
            media_type=rendition.content_type,
        )
    if not wants_part(request.headers.get("range")):
        chunks = await on_demand.open(pending)
        if chunks is not None:
            try:
                # ffmpeg's first bytes before the status line: a source it cannot read is
                # still answered with the original, not a broken 200.
                first = await anext(chunks, b"")
            except Exception:
                first = None
            if first is not None:
                return StreamingResponse(
                    prepend(first, chunks),
                    headers={
                        "Cache-Control": "no-store",
                        "Accept-Ranges": "none",
                        SERVED_HEADER: rendition.kind,
                    },
                    media_type=rendition.content_type,
                )
    source = await streaming.stored_or_original(pending)
    headers = stored_headers(source)
    headers[SERVED_HEADER] = source.kind
    return await object_response(request, streaming, source, headers)


__all__ = ["SERVED_HEADER", "pending_response", "wants_part"]
