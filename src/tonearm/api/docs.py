"""/api/docs (Swagger UI) and /api/redoc (ReDoc) from assets shipped with tonearm.

The pages load their scripts and styles from /api/docs/assets/ (api/static/, vendored from
npm; versions and licences in api/static/README.md) and the schema from the app's OpenAPI
URL: nothing is fetched from elsewhere, so the API documentation works offline.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/api/docs/assets"
# An empty icon: no request for a favicon anywhere.
NO_ICON = "data:,"


def docs_routes(openapi_url: str, title: str) -> list[BaseRoute]:
    """The two documentation pages and their assets."""

    async def swagger(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=NO_ICON,
            # No validator badge (it would ask validator.swagger.io).
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — API",
            redoc_js_url=f"{ASSETS_PATH}/redoc/redoc.standalone.js",
            redoc_favicon_url=NO_ICON,
            with_google_fonts=False,
        )

    return [
        Route("/api/docs", swagger, methods=["GET"], include_in_schema=False),
        Route("/api/redoc", redoc, methods=["GET"], include_in_schema=False),
        Mount(ASSETS_PATH, StaticFiles(directory=STATIC), name="docs_assets"),
    ]


__all__ = ["docs_routes"]
