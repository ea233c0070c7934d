"""The signed media endpoint, answered ahead of the app's middleware.

A player fetching a song sends many small Range requests (64 KiB - 1 MiB windows), and each
went through the whole ASGI stack: FastAPI's error, telemetry and body-limit layers, the
response-time layer, the exception layer and the router, every one wrapping `send` again.
Profiled (py-spy) under bench/bench_streaming.py's Range windows, those layers took about as
much of the event loop as the token check did. `/api/media/` needs none of them: it reads no
body, has one error shape and one handler. So `MediaGate` sits outside them and hands GET/HEAD requests for that path
straight to `serve_media`; everything else goes on through the app unchanged.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tonearm.api.rest.errors import error_body, status_and_code
from tonearm.api.rest.media import serve_media
from tonearm.errors import BadCredentials, TonearmError

log = structlog.get_logger(__name__)

MEDIA_PREFIX = "/api/media/"


class MediaGate:
    """Pure ASGI: GET/HEAD /api/media/{song_id}/{kind} answered here, the rest passed on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(MEDIA_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        parts = scope["path"][len(MEDIA_PREFIX) :].split("/")
        if len(parts) != 2 or not all(parts):
            await self.app(scope, receive, send)  # not a media URL: the app's 404
            return
        scope["path_params"] = {"song_id": parts[0], "kind": parts[1]}
        response = await _answer(Request(scope, receive))
        await response(scope, receive, send)


async def _answer(request: Request) -> Response:
    try:
        return await serve_media(request)
    except TonearmError as error:
        status, code = status_and_code(error)
        if status == 500:
            log.error("api.unmapped_error", path=request.url.path, exc_info=error)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, BadCredentials) else None
        return JSONResponse(error_body(code, str(error)), status_code=status, headers=headers)
    except Exception as error:
        log.error("api.unexpected_error", path=request.url.path, exc_info=error)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)


__all__ = ["MediaGate"]
