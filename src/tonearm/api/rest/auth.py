"""/api/auth: sign in, refresh, sign out, change password, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from tonearm.api.deps import ClientIp, CurrentUser, ServicesDep
from tonearm.users import TokenPair, User

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


@router.post("/login", response_model=TokensOut)
async def login(body: LoginIn, services: ServicesDep, ip: ClientIp) -> TokensOut:
    """Sign in. Repeated failures slow further attempts down (429 with Retry-After)."""
    user, pair = await services.auth.login(body.username, body.password, ip)
    return TokensOut.from_domain(user, pair)


@router.post("/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, services: ServicesDep) -> TokensOut:
    """A new token pair; the refresh token given is used up (reusing it signs out)."""
    user, pair = await services.auth.refresh(body.refresh_token)
    return TokensOut.from_domain(user, pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, services: ServicesDep) -> None:
    """Revoke the refresh token and the others of the same sign-in."""
    await services.auth.logout(body.refresh_token)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordIn, user: CurrentUser, services: ServicesDep) -> None:
    """Change one's own password; every refresh token of the account is revoked."""
    await services.auth.change_password(user, body.current_password, body.new_password)


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    """The signed-in account."""
    return UserOut.from_domain(user)
