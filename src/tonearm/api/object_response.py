"""A stored object as an HTTP response: conditional requests, one byte range, HEAD.

Shared by the signed media endpoint (/api/media) and Subsonic stream/download: the bytes
are streamed from local disk or object storage, never held whole in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tonearm.api.attachment import attachment_disposition
from tonearm.streaming import MediaSource, StreamService
from tonearm.streaming.ranges import (
    RangeNotSatisfiable,
    http_date,
    not_modified,
    parse_range,
    range_still_valid,
)


async def object_response(
    request: Request, streaming: StreamService, source: MediaSource, headers: dict[str, str]
) -> Response:
    """`source` answered to `request`: 304, 416, 206 with one range, or 200; bodiless for HEAD.

    `headers` (ETag, caching…) go on every answer. The object is opened before the status
    line goes out, so a missing file is still an error the caller can map.
    """
    request_headers = request.headers
    if not_modified(
        source.etag,
        source.modified_at,
        request_headers.get("if-none-match"),
        request_headers.get("if-modified-since"),
    ):
        return Response(status_code=304, headers=headers)
    try:
        wanted = (
            parse_range(request_headers.get("range"), source.size_bytes)
            if range_still_valid(source.etag, source.modified_at, request_headers.get("if-range"))
            else None
        )
    except RangeNotSatisfiable as error:
        return Response(
            status_code=416,
            headers={**headers, "Content-Range": f"bytes */{error.size}"},
        )
    if wanted is None:
        start, end, length, status = 0, None, source.size_bytes, 200
    else:
        start, end, length, status = wanted.start, wanted.end, wanted.length, 206
        headers["Content-Range"] = wanted.content_range
    headers["Content-Length"] = str(length)
    if request.method == "HEAD" or length == 0:
        return Response(status_code=status, headers=headers, media_type=source.content_type)
    body = streaming.read(source, start, end)
    first = await anext(body, b"")
    if len(first) >= length:
        # All of it in the first read (a player's Range window, a small object): one plain
        # body, without a streaming response's task and per-chunk sends.
        close = getattr(body, "aclose", None)  # async generators: close the file now
        if close is not None:
            await close()
        return Response(first, status_code=status, headers=headers, media_type=source.content_type)
    return StreamingResponse(
        prepend(first, body), status_code=status, headers=headers, media_type=source.content_type
    )


async def own_file_response(
    request: Request, streaming: StreamService, source: MediaSource, download_name: str | None
) -> Response:
    """A user's own stored file (a podcast episode, a mashup) for Subsonic `stream` and
    `download`: Range, ETag and HEAD, cached privately for a day; an attachment named
    `download_name` when given."""
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        "Last-Modified": http_date(source.modified_at),
        "Cache-Control": "private, max-age=86400",
    }
    if download_name is not None:
        headers["Content-Disposition"] = attachment_disposition(download_name)
    return await object_response(request, streaming, source, headers)


async def prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`first`, then the rest of the chunks (a first chunk read ahead to check the source)."""
    if first:
        yield first
    async for chunk in rest:
        yield chunk


__all__ = ["object_response", "prepend"]
