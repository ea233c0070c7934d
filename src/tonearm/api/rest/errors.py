"""Domain errors → HTTP status and one JSON shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tonearm.errors import (
    AlreadyExists,
    BadCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TonearmError,
    TooLarge,
    Unavailable,
)

log = structlog.get_logger(__name__)

HTTP_STATUS: dict[type[TonearmError], int] = {
    InvalidInput: 400,
    BadCredentials: 401,
    PermissionDenied: 403,
    NotFound: 404,
    AlreadyExists: 409,
    TooLarge: 413,
    RateLimited: 429,
    Unavailable: 503,
}


class ErrorDetail(BaseModel):
    """What went wrong: a stable code (snake_case kind) and a sentence for people."""

    code: str
    message: str


class ErrorOut(BaseModel):
    """The one error shape of the REST API."""

    error: ErrorDetail


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Declared on every authenticated router, so the OpenAPI schema shows the error shape.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _documented("Invalid input (validation errors name the field)"),
    401: _documented("Not signed in, or the token/session expired"),
    403: _documented("Not allowed (admin only, or a missing X-CSRF-Token with a cookie)"),
    404: _documented("Not found (or not yours)"),
    429: _documented("Rate limited or sign-in backoff; see Retry-After"),
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The one error shape of the REST API."""
    return {"error": {"code": code, "message": message}}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def status_and_code(error: TonearmError) -> tuple[int, str]:
    """The HTTP status of the nearest mapped kind in the error's MRO, and a code naming it."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind], _snake(kind.__name__)
    return 500, "internal_error"


def install_error_handlers(app: FastAPI) -> None:
    """Map TonearmError, validation errors and HTTP errors to the JSON error shape."""

    @app.exception_handler(TonearmError)
    async def tonearm_error(request: Request, error: TonearmError) -> JSONResponse:
        status, code = status_and_code(error)
        if status == 500:
            log.error("api.unmapped_error", path=request.url.path, exc_info=error)
        headers = {}
        if isinstance(error, RateLimited):
            headers["Retry-After"] = str(max(1, round(error.retry_after_seconds)))
        if isinstance(error, BadCredentials):
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(code, str(error)), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid input')}" if where else "invalid input"
        return JSONResponse(error_body("invalid_input", message), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        log.error("api.unexpected_error", path=request.url.path, exc_info=error)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)
