"""/api/auth: sign in, refresh, sign out, change password, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from tonearm.api.deps import AuthDep, ClientIp, CurrentUser, UploadsDep
from tonearm.users import TokenPair, User
from tonearm.users.sessions import CSRF_COOKIE, SESSION_COOKIE, NewWebSession

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    """Username and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    """A refresh token from a login or an earlier refresh."""

    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordIn(BaseModel):
    """The current password and the new one."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    """An account as the API shows it."""

    id: str
    username: str
    role: Literal["admin", "user"]

    @classmethod
    def from_domain(cls, user: User) -> UserOut:
        """From the domain User."""
        return cls(id=str(user.id), username=user.username, role=user.role.value)


class TokensOut(BaseModel):
    """A bearer access token and the refresh token that renews it."""

    token_type: Literal["bearer"] = "bearer"
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: UserOut

    @classmethod
    def from_domain(cls, user: User, pair: TokenPair) -> TokensOut:
        """From a TokenPair."""
        return cls(
            access_token=pair.access_token,
            expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
            refresh_expires_at=pair.refresh_expires_at,
            user=UserOut.from_domain(user),
        )


class SessionOut(BaseModel):
    """A browser session: the cookie is set; the page keeps `csrf_token` for writes."""

    user: UserOut
    csrf_token: str
    expires_at: datetime


def _cookie_path(request: Request) -> str:
    return (request.scope.get("root_path") or "") + "/"


def _set_session_cookies(request: Request, response: Response, session: NewWebSession) -> None:
    # Secure whenever the page is served over HTTPS (directly or as the public URL says).
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    common = {
        "path": _cookie_path(request),
        "secure": secure,
        "samesite": "lax",
        "expires": session.expires_at,
    }
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, **common)  # type: ignore[arg-type]
    # Readable by the page's script, which echoes it in X-CSRF-Token.
    response.set_cookie(CSRF_COOKIE, session.csrf_token, httponly=False, **common)  # type: ignore[arg-type]


@router.post("/session", response_model=SessionOut)
async def start_session(
    body: LoginIn, request: Request, response: Response, auth: AuthDep, ip: ClientIp
) -> SessionOut:
    """Sign a browser in: sets an HttpOnly, SameSite=Lax session cookie.

    State-changing requests made with the cookie must send the returned `csrf_token` (also
    in the readable `tonearm_csrf` cookie) in an `X-CSRF-Token` header; reads need nothing.
    Same backoff as /login.
    """
    user, session = await auth.start_web_session(
        body.username, body.password, ip, request.headers.get("user-agent")
    )
    _set_session_cookies(request, response, session)
    return SessionOut(
        user=UserOut.from_domain(user), csrf_token=session.csrf_token, expires_at=session.expires_at
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(request: Request, response: Response, auth: AuthDep) -> None:
    """Sign the browser out: the session ends on the server and its cookies are cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await auth.end_web_session(token)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path=_cookie_path(request))


@router.post("/login", response_model=TokensOut)
async def login(body: LoginIn, auth: AuthDep, ip: ClientIp) -> TokensOut:
    """Sign in. Repeated failures slow further attempts down (429 with Retry-After)."""
    user, pair = await auth.login(body.username, body.password, ip)
    return TokensOut.from_domain(user, pair)


@router.post("/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, auth: AuthDep) -> TokensOut:
    """A new token pair; the refresh token given is used up (reusing it signs out)."""
    user, pair = await auth.refresh(body.refresh_token)
    return TokensOut.from_domain(user, pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, auth: AuthDep) -> None:
    """Revoke the refresh token and the others of the same sign-in."""
    await auth.logout(body.refresh_token)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordIn, request: Request, user: CurrentUser, auth: AuthDep
) -> None:
    """Change one's own password; every other sign-in of the account ends (refresh tokens,
    other browsers' sessions); the browser that asked stays signed in."""
    await auth.change_password(
        user,
        body.current_password,
        body.new_password,
        keep_session=request.state.web_session_id,
    )


class MeOut(UserOut):
    """The signed-in account, and what it may do beyond listening."""

    can_upload: bool


@router.get("/me", response_model=MeOut)
async def me(user: CurrentUser, uploads: UploadsDep) -> MeOut:
    """The signed-in account; `can_upload`: whether POST /api/songs accepts its uploads
    (admins always; other users when TONEARM_USER_UPLOADS is on)."""
    can_upload = uploads.may_upload(user)
    return MeOut(**UserOut.from_domain(user).model_dump(), can_upload=can_upload)
