"""Typed request dependencies for route handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tonearm.errors import BadCredentials
from tonearm.users import User

if TYPE_CHECKING:
    from tonearm.app import Services


def get_services(request: Request) -> Services:
    """The services the app opened at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated["Services", Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


async def get_current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The signed-in user (Authorization: Bearer <access token>); 401 otherwise."""
    if credentials is None:
        raise BadCredentials("sign in first: Authorization: Bearer <access token>")
    return await services.auth.user_for_access_token(credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


def client_ip(request: Request) -> str:
    """The peer's address (X-Forwarded-For from trusted proxies comes with the API issue)."""
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]
