"""Sign-in: passwords to tokens, refresh rotation with reuse detection, logout, backoff.

Backoff, not lockout: after 5 failures in 15 minutes for a username (or from an IP), each
further attempt waits 2^(n-5) seconds — at most 60 s per username, so nobody can lock the
owner out for long, and at most 15 minutes per IP, which is what slows a guesser down.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tonearm.adapters.cache.base import Cache
from tonearm.errors import BadCredentials, RateLimited
from tonearm.users.models import User, UserNotFound
from tonearm.users.repository import UserRepository
from tonearm.users.service import UserService
from tonearm.users.tokens import (
    AccessTokens,
    RefreshTokenRepository,
    TokenPair,
    hash_refresh_token,
    new_refresh_token,
)

FREE_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
MAX_USER_BACKOFF_SECONDS = 60
MAX_IP_BACKOFF_SECONDS = 15 * 60


class AuthService:
    """Logins, token refresh and revocation."""

    def __init__(
        self,
        users: UserService,
        user_repository: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        access_tokens: AccessTokens,
        cache: Cache,
        *,
        refresh_ttl: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._user_repository = user_repository
        self._refresh_tokens = refresh_tokens
        self._access = access_tokens
        self._cache = cache
        self._refresh_ttl = refresh_ttl
        self._clock = clock

    async def login(self, username: str, password: str, client_ip: str) -> tuple[User, TokenPair]:
        """Tokens for a right password; raises BadCredentials or RateLimited (backoff)."""
        subjects = {
            f"auth:backoff:user:{username.strip().lower()}": MAX_USER_BACKOFF_SECONDS,
            f"auth:backoff:ip:{client_ip}": MAX_IP_BACKOFF_SECONDS,
        }
        for key in subjects:
            wait = await self._cache.ttl(key + ":block")
            if wait:
                raise RateLimited(f"too many failed sign-ins; try again in {int(wait) + 1} s", wait)
        try:
            user = await self._users.authenticate(username, password)
        except BadCredentials:
            for key, cap in subjects.items():
                failures = await self._cache.incr(key, ttl_seconds=FAILURE_WINDOW_SECONDS)
                if failures >= FREE_FAILURES:
                    backoff = min(2 ** (failures - FREE_FAILURES), cap)
                    await self._cache.set(key + ":block", b"1", ttl_seconds=backoff)
            raise
        await self._cache.delete(*(key for key in subjects if ":user:" in key))
        return user, await self._issue(user, uuid.uuid4())

    async def refresh(self, refresh_token: str) -> tuple[User, TokenPair]:
        """Swap a refresh token for a new pair; a reused token revokes its whole family."""
        now = self._clock()
        record = await self._refresh_tokens.find(hash_refresh_token(refresh_token))
        if record is None or record.expires_at <= now:
            raise BadCredentials("invalid or expired refresh token")
        if record.revoked_at is not None or not await self._refresh_tokens.use(record.id, now):
            # Someone replayed a token that was already exchanged: assume it was stolen.
            await self._refresh_tokens.revoke_family(record.family_id, now)
            raise BadCredentials("refresh token already used; sign in again")
        user = await self._user_repository.get(record.user_id)
        if not user.active:
            raise BadCredentials("account disabled")
        return user, await self._issue(user, record.family_id)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the refresh token and every token issued from the same login."""
        record = await self._refresh_tokens.find(hash_refresh_token(refresh_token))
        if record is not None:
            await self._refresh_tokens.revoke_family(record.family_id, self._clock())

    async def change_password(self, user: User, current: str, new: str) -> None:
        """Check the current password, set the new one, sign out every other session."""
        await self._users.authenticate(user.username, current)
        await self._users.set_password(user.username, new)
        await self._refresh_tokens.revoke_user(user.id, self._clock())

    async def user_for_access_token(self, token: str) -> User:
        """The active user a valid access token names; raises BadCredentials."""
        user_id = self._access.verify(token, self._clock())
        try:
            user = await self._user_repository.get(user_id)
        except UserNotFound:
            raise BadCredentials("invalid access token") from None
        if not user.active:
            raise BadCredentials("account disabled")
        return user

    async def _issue(self, user: User, family_id: uuid.UUID) -> TokenPair:
        now = self._clock()
        access, access_expires = self._access.issue(user.id, user.role.value, now)
        refresh = new_refresh_token()
        refresh_expires = now + self._refresh_ttl
        await self._refresh_tokens.add(
            uuid.uuid4(), user.id, hash_refresh_token(refresh), family_id, now, refresh_expires
        )
        return TokenPair(access, access_expires, refresh, refresh_expires)
