"""HTTP APIs: the REST API under /api (Subsonic under /rest comes with its issue)."""

from __future__ import annotations

from fastapi import FastAPI

from tonearm.api.middleware import ResponseTimeMiddleware
from tonearm.api.rest import auth, health, search
from tonearm.api.rest.errors import install_error_handlers


def build_api(app: FastAPI) -> None:
    """Mount every router, the error mapping and the middleware on `app`."""
    install_error_handlers(app)
    app.include_router(health.router, prefix="/api")
    app.include_router(auth.router, prefix="/api")
    # Before any other /songs router: a later /songs/{song_id} must not swallow "search".
    app.include_router(search.router, prefix="/api")
    app.add_middleware(ResponseTimeMiddleware)


__all__ = ["build_api"]
