"""Typed request dependencies for route handlers."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tonearm.errors import BadCredentials, PermissionDenied
from tonearm.users import User
from tonearm.users.sessions import CSRF_HEADER, SESSION_COOKIE

if TYPE_CHECKING:
    from tonearm.app import Services


def get_services(request: Request) -> Services:
    """The services the app opened at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated["Services", Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


# Methods that cannot change anything; every other one needs the CSRF token with a cookie.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_current_user(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The signed-in user: a bearer access token, else the browser's session cookie.

    A request authenticated by the cookie that changes state must carry X-CSRF-Token.
    The session's id is left in `request.state.web_session_id` (None for bearer tokens).
    """
    request.state.web_session_id = None
    if credentials is not None:
        return await services.auth.user_for_access_token(credentials.credentials)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user, session_id = await services.auth.user_for_web_session(
            cookie,
            request.headers.get(CSRF_HEADER),
            changes_state=request.method not in SAFE_METHODS,
        )
        request.state.web_session_id = session_id
        return user
    raise BadCredentials("sign in first: Authorization: Bearer <access token>, or a session")


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    """The signed-in user, who must be an admin; 403 otherwise."""
    if not user.is_admin:
        raise PermissionDenied("only an admin can do this")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def _is_trusted(address: str, proxies: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def client_ip(request: Request) -> str:
    """The client's address: the direct peer, or — only when that peer is a trusted proxy
    (TONEARM_TRUSTED_PROXIES) — the nearest untrusted address in X-Forwarded-For."""
    peer = request.client.host if request.client else "unknown"
    services = getattr(request.app.state, "services", None)
    proxies: list[str] = services.settings.trusted_proxies if services is not None else []
    if not proxies or not _is_trusted(peer, proxies):
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    # Read from the right: each trusted proxy appended the address it saw.
    for hop in reversed(forwarded):
        if not _is_trusted(hop, proxies):
            return hop
    return forwarded[0] if forwarded else peer


ClientIp = Annotated[str, Depends(client_ip)]
