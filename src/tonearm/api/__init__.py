"""HTTP APIs: the REST API under /api (Subsonic under /rest comes with its issue)."""

from __future__ import annotations

from fastapi import FastAPI

from tonearm.api.middleware import ResponseTimeMiddleware
from tonearm.api.rest import auth, events, health, user
from tonearm.api.rest.errors import install_error_handlers


def build_api(app: FastAPI) -> None:
    """Mount every router, the error mapping and the middleware on `app`."""
    install_error_handlers(app)
    app.include_router(health.router, prefix="/api")
    app.include_router(auth.router, prefix="/api")
    app.include_router(events.router, prefix="/api")
    app.include_router(user.router, prefix="/api")
    app.add_middleware(ResponseTimeMiddleware)


__all__ = ["build_api"]
