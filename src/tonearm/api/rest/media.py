"""/api/media/{song_id}/{kind}?t=<token>: the signed media endpoint (no other auth).

The token is checked before any byte leaves. A URL naming a rendition not made yet (a
pending ticket) is answered by api/pending_response.py: encoded while it streams, or the
original for a Range. Otherwise, by TONEARM_MEDIA_DELIVERY, the bytes
are streamed here (HTTP Range, ETag, conditional requests; never a whole file in memory),
or the client is redirected to a presigned bucket URL, or nginx is told to send the file
(X-Accel-Redirect).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Protocol
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.routing import Route

from tonearm.api.deps import app_domains, app_settings
from tonearm.api.object_response import object_response
from tonearm.api.pending_response import pending_response
from tonearm.api.rest.errors import ErrorOut
from tonearm.domains import Domains
from tonearm.errors import InvalidInput
from tonearm.library.folder_service import MusicFolderService
from tonearm.streaming import MediaGrant, MediaSource
from tonearm.streaming.models import PendingRendition
from tonearm.streaming.ranges import http_date

router = APIRouter(prefix="/media", tags=["streaming"])

EDGE_MAX_AGE_SECONDS = 24 * 3600


class SignedMedia(Protocol):
    """A service whose items are served by signed, expiring URLs (podcast episodes,
    mashups)."""

    async def resolve_media(self, token: str, item_id: UUID) -> tuple[MediaSource, MediaGrant]:
        """The item's bytes for a valid token (BadCredentials, NotFound)."""
        ...

    def now(self) -> datetime:
        """The service's clock."""
        ...


async def serve_signed_media(
    request: Request, id_param: str, what: str, service: Callable[[Domains], SignedMedia]
) -> Response:
    """GET/HEAD of an item's signed media URL (`…/{id_param}?t=…`): check the id and the
    token, send the bytes (Range, ETag, the private caching headers)."""
    try:
        item_id = UUID(request.path_params[id_param])
    except ValueError:
        raise InvalidInput(f"malformed {what} id in the media URL") from None
    token = request.query_params.get("t")
    if not token or len(token) > 4096:
        raise InvalidInput("query.t: the media URL has no valid token")
    domains = app_domains(request)
    items = service(domains)
    source, grant = await items.resolve_media(token, item_id)
    headers = media_cache_headers(source, grant, items.now())
    return await object_response(request, domains.streaming, source, headers)


def media_cache_headers(source: MediaSource, grant: MediaGrant, now: datetime) -> dict[str, str]:
    """The caching headers of a signed media answer (songs and podcast episodes)."""
    # Browsers may keep the bytes no longer than the token lives; they revalidate by ETag.
    remaining = max(0, math.floor((grant.expires_at - now).total_seconds()))
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        "Last-Modified": http_date(source.modified_at),
        "Cache-Control": f"private, max-age={remaining}",
    }
    if grant.edge_cacheable:
        # RFC 9213 targeted cache control: a CDN (which checks the token itself at the edge
        # and leaves it out of the cache key) may keep a popular song for a day.
        edge = f"public, max-age={EDGE_MAX_AGE_SECONDS}"
        headers["CDN-Cache-Control"] = edge
        headers["Cloudflare-CDN-Cache-Control"] = edge
        headers["X-Edge-Cache-Key"] = f"/api/media/{source.song_id}/{source.kind}"
    return headers


async def _accel_location(
    folders: MusicFolderService, accel_prefix: str, source: MediaSource
) -> str | None:
    prefix = accel_prefix.rstrip("/") + "/"
    if source.storage_key is not None:
        return prefix + "store/" + quote(source.storage_key)
    assert source.path is not None
    found = await folders.locate(source.path)
    if found is None:
        return None
    # By the folder's stable id, and the file's exact bytes percent-encoded: nginx decodes
    # them back to those bytes, so a non-UTF-8 name is sent too.
    folder, relative = found
    return f"{prefix}music/{folder.id}/{quote(relative)}"


@router.get(
    "/{song_id}/{kind}",
    response_class=Response,
    responses={
        200: {"description": "The object's bytes"},
        206: {"description": "The requested byte range"},
        304: {"description": "Not modified (If-None-Match / If-Modified-Since)"},
        307: {"description": "redirect mode: to a presigned bucket URL"},
        400: {"model": ErrorOut, "description": "Invalid input (a path or token malformed)"},
        401: {"description": "Invalid, tampered or expired token; disabled account"},
        404: {"model": ErrorOut, "description": "No such song or object"},
        416: {"description": "Range not satisfiable"},
    },
)
async def media(
    song_id: UUID,
    kind: str,
    request: Request,
    t: Annotated[
        str, Query(max_length=4096, description="The signed token from a stream or art URL")
    ],
    range_header: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    if_modified_since: Annotated[str | None, Header()] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    """The bytes of one stored object, for whoever holds a valid signed URL (GET and HEAD).

    Requests are answered by `serve_media`, mounted ahead of this route as a plain
    Starlette route (no dependency injection on the hottest path); this declaration
    documents it in the OpenAPI schema and answers only if that route is not mounted.
    """
    return await serve_media(request)


async def serve_media(request: Request) -> Response:
    """GET/HEAD /api/media/{song_id}/{kind}?t=…: check the token, then send the object."""
    try:
        song_id = UUID(request.path_params["song_id"])
    except ValueError:
        raise InvalidInput("malformed song id in the media URL") from None
    kind = request.path_params["kind"]
    token = request.query_params.get("t")
    if not token:
        raise InvalidInput("query.t: the media URL has no token")
    domains = app_domains(request)
    streaming = domains.streaming
    resolved, grant = await streaming.resolve(token, song_id, kind)
    if isinstance(resolved, PendingRendition):
        now = streaming.now()
        return await pending_response(
            request,
            streaming,
            domains.on_demand,
            resolved,
            lambda stored: media_cache_headers(stored, grant, now),
        )
    source = resolved
    settings = app_settings(request)
    headers = media_cache_headers(source, grant, streaming.now())
    delivery = settings.media_delivery

    if delivery == "accel":
        location = await _accel_location(domains.folders, settings.accel_prefix, source)
        if location is not None:
            # nginx serves the file, with Range and conditionals, under our headers.
            headers.pop("Accept-Ranges")
            headers["X-Accel-Redirect"] = location
            headers["Content-Type"] = source.content_type
            return Response(status_code=200, headers=headers)
    if delivery == "redirect":
        url = await streaming.presigned_url(source, grant.expires_at)
        if url is not None:
            return RedirectResponse(url, 307, headers={"Cache-Control": "private, no-store"})

    return await object_response(request, streaming, source, headers)


MEDIA_ROUTE = Route("/api/media/{song_id}/{kind}", serve_media, methods=["GET", "HEAD"])
