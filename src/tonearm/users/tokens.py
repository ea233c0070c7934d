"""Access tokens (short-lived JWTs) and refresh tokens (random, stored hashed, rotated)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import jwt

from tonearm.errors import BadCredentials

ACCESS_ALGORITHM = "HS256"
ACCESS_AUDIENCE = "tonearm-api"


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a login or a refresh hands out."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    """A stored refresh token (its hash), and what became of it."""

    id: UUID
    user_id: UUID
    family_id: UUID
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class RefreshTokenRepository(Protocol):
    """Refresh tokens by hash. Implemented in adapters/db/tokens.py."""

    async def add(
        self,
        record_id: UUID,
        user_id: UUID,
        token_hash: str,
        family_id: UUID,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a new token."""
        ...

    async def find(self, token_hash: str) -> RefreshRecord | None:
        """The token with this hash."""
        ...

    async def use(self, record_id: UUID, now: datetime) -> bool:
        """Mark the token used, once: False if it was already used or revoked."""
        ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        """Revoke every token descended from one login."""
        ...

    async def revoke_user(self, user_id: UUID, now: datetime) -> None:
        """Revoke every token of a user (password change, disabled account)."""
        ...

    async def delete_expired(self, now: datetime) -> int:
        """Forget tokens past their expiry (used, revoked or not); how many."""
        ...


def hash_refresh_token(token: str) -> str:
    """The stored form of a refresh token: a leaked table gives no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class AccessTokens:
    """Signs and checks access JWTs (HS256 with the server's secret key)."""

    def __init__(self, secret_key: bytes, ttl: timedelta) -> None:
        self._key = secret_key
        self.ttl = ttl

    def issue(self, user_id: UUID, role: str, now: datetime) -> tuple[str, datetime]:
        """A token for `user_id`, and when it expires."""
        expires_at = now + self.ttl
        claims = {
            "sub": str(user_id),
            "role": role,
            "aud": ACCESS_AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ACCESS_ALGORITHM), expires_at

    def verify(self, token: str, now: datetime) -> UUID:
        """The user id in a valid, unexpired token; raises BadCredentials otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ACCESS_ALGORITHM],
                audience=ACCESS_AUDIENCE,
                options={"require": ["sub", "exp", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise BadCredentials("invalid access token") from None
        # Expiry against the injectable clock rather than the wall clock.
        if int(claims["exp"]) <= now.timestamp():
            raise BadCredentials("access token expired")
        try:
            return UUID(str(claims["sub"]))
        except ValueError:
            raise BadCredentials("invalid access token") from None
