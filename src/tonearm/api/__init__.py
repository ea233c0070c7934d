"""HTTP APIs: the REST API under /api, the Subsonic API under /rest, public share pages
under /share, and the web player's files at the root."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp

from tonearm.api.media_gate import MediaGate
from tonearm.api.middleware import ResponseTimeMiddleware
from tonearm.api.ratelimit import rate_limit
from tonearm.api.rest import (
    admin,
    admin_enrichment,
    admin_folders,
    admin_library,
    admin_users,
    analysis,
    api_keys,
    auth,
    events,
    health,
    library,
    mashups,
    media,
    playlist_files,
    playlists,
    podcasts,
    radio,
    scrobbling,
    search,
    shares,
    smart_playlists,
    sonic,
    stream,
    transitions,
    uploads,
    user,
)
from tonearm.api.rest.errors import COMMON_ERRORS, install_error_handlers
from tonearm.api.share_page import SHARE_PAGE_ROUTE
from tonearm.api.subsonic import SUBSONIC_ROUTE
from tonearm.api.webapp import web_routes


class TonearmAPI(FastAPI):
    """FastAPI with the media endpoint answered in front of its middleware (api/media_gate.py)."""

    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack, with MediaGate outside it."""
        return MediaGate(super().build_middleware_stack())


def build_api(app: FastAPI) -> None:
    """Mount every router, the error mapping and the middleware on `app`."""
    install_error_handlers(app)
    app.include_router(health.router, prefix="/api")
    control = [Depends(rate_limit("control"))]
    read = [Depends(rate_limit("read"))]
    by_method = [Depends(rate_limit("by_method"))]
    app.include_router(auth.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS)
    # Before any other /songs router: /songs/{song_id} must not swallow "search".
    app.include_router(search.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS)
    app.include_router(
        search.everything, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    app.include_router(stream.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS)
    # Media bytes are never rate limited: the signed token is the control. The plain route
    # goes first and answers; the router's declaration documents it in the OpenAPI schema.
    app.router.routes.insert(0, media.MEDIA_ROUTE)
    app.include_router(media.router, prefix="/api")
    app.include_router(
        uploads.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(
        playlists.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(library.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS)
    app.include_router(events.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS)
    app.include_router(user.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS)
    app.include_router(
        api_keys.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(admin.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS)
    app.include_router(
        admin_users.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(
        admin_library.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    app.include_router(
        admin_enrichment.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    app.include_router(
        admin_folders.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    # Sharing (issue 9): /api/shares, the owner's side of the public /share/<slug> pages.
    app.include_router(
        shares.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(
        playlist_files.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(
        scrobbling.router, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    app.include_router(radio.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS)
    app.include_router(analysis.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS)
    app.include_router(
        analysis.admin_router, prefix="/api", dependencies=control, responses=COMMON_ERRORS
    )
    # Podcasts: the channels and episodes, and (not rate limited, token-checked) their media,
    # answered by a plain route ahead of the routers as /api/media is.
    app.router.routes.insert(0, podcasts.EPISODE_MEDIA_ROUTE)
    app.include_router(podcasts.media_router, prefix="/api")
    app.include_router(
        podcasts.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    app.include_router(sonic.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS)
    app.include_router(
        transitions.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS
    )
    # Mashups' signed media, token-checked and not rate limited, as podcasts' is.
    app.router.routes.insert(0, mashups.MASHUP_MEDIA_ROUTE)
    app.include_router(mashups.media_router, prefix="/api")
    app.include_router(mashups.router, prefix="/api", dependencies=read, responses=COMMON_ERRORS)
    app.include_router(
        smart_playlists.router, prefix="/api", dependencies=by_method, responses=COMMON_ERRORS
    )
    # Near the front: every Subsonic call would otherwise be tried against each REST route
    # first (half of a `ping`'s time); no other route's path starts with /rest/.
    app.router.routes.insert(1, SUBSONIC_ROUTE)
    # Public share pages (no account): before any static mount at "/".
    app.router.routes.append(SHARE_PAGE_ROUTE)
    # Last: the player's routes (/, /sw.js, /manifest.webmanifest, /v/…) claim no API path.
    app.router.routes.extend(web_routes())
    app.add_middleware(ResponseTimeMiddleware)


__all__ = ["TonearmAPI", "build_api"]
