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
from tonearm.errors import BadCredentials, PermissionDenied, RateLimited
from tonearm.users.models import User, UserNotFound
from tonearm.users.repository import UserRepository
from tonearm.users.service import UserService
from tonearm.users.sessions import (
    NewWebSession,
    WebSessionRepository,
    csrf_matches,
    hash_session_token,
    new_session_tokens,
)
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
# A browser session's expiry slides forward with use, written at most this often.
SESSION_TOUCH_INTERVAL = timedelta(hours=1)


class AuthService:
    """Logins, token refresh and revocation."""

    def __init__(
        self,
        users: UserService,
        user_repository: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        access_tokens: AccessTokens,
        cache: Cache,
        web_sessions: WebSessionRepository,
        *,
        refresh_ttl: timedelta = timedelta(days=30),
        session_ttl: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._user_repository = user_repository
        self._refresh_tokens = refresh_tokens
        self._access = access_tokens
        self._cache = cache
        self._refresh_ttl = refresh_ttl
        self._web_sessions = web_sessions
        self._session_ttl = session_ttl
        self._clock = clock

    async def remove_expired(self) -> dict[str, int]:
        """Forget expired refresh tokens and web sessions (the weekly cleanup)."""
        now = self._clock()
        return {
            "refresh_tokens": await self._refresh_tokens.delete_expired(now),
            "web_sessions": await self._web_sessions.delete_expired(now),
        }

    async def login(self, username: str, password: str, client_ip: str) -> tuple[User, TokenPair]:
        """Tokens for a right password; raises BadCredentials or RateLimited (backoff)."""
        user = await self._check_password(username, password, client_ip)
        return user, await self._issue(user, uuid.uuid4())

    async def verify_password(self, username: str, password: str, client_ip: str) -> User:
        """The user for a right password, under the same backoff as sign-in (Subsonic
        apps send the password with every request); raises BadCredentials or RateLimited."""
        return await self._check_password(username, password, client_ip)

    async def _check_password(self, username: str, password: str, client_ip: str) -> User:
        """The user for a right password, with backoff after repeated failures."""
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
        return user

    async def start_web_session(
        self, username: str, password: str, client_ip: str, user_agent: str | None
    ) -> tuple[User, NewWebSession]:
        """A browser session for a right password (same backoff as login)."""
        user = await self._check_password(username, password, client_ip)
        now = self._clock()
        token, csrf_token = new_session_tokens()
        session_id = uuid.uuid4()
        expires_at = now + self._session_ttl
        await self._web_sessions.add(
            session_id,
            user.id,
            hash_session_token(token),
            hash_session_token(csrf_token),
            now,
            expires_at,
            user_agent,
        )
        return user, NewWebSession(session_id, token, csrf_token, expires_at)

    async def user_for_web_session(
        self, token: str, csrf_token: str | None, *, changes_state: bool
    ) -> tuple[User, uuid.UUID]:
        """The active user of a session cookie, and the session's id.

        Raises BadCredentials for an unknown or expired session, PermissionDenied when a
        state-changing request does not echo the session's CSRF token.
        """
        now = self._clock()
        record = await self._web_sessions.find(hash_session_token(token))
        if record is None or record.expires_at <= now:
            raise BadCredentials("session expired; sign in again")
        if changes_state and not csrf_matches(record, csrf_token):
            raise PermissionDenied("missing or wrong X-CSRF-Token header for this session")
        try:
            user = await self._user_repository.get(record.user_id)
        except UserNotFound:
            raise BadCredentials("session expired; sign in again") from None
        if not user.active:
            raise BadCredentials("account disabled")
        if now - record.last_seen_at >= SESSION_TOUCH_INTERVAL:
            await self._web_sessions.extend(record.id, now, now + self._session_ttl)
        return user, record.id

    async def end_web_session(self, token: str) -> None:
        """Sign a browser out (unknown tokens are ignored)."""
        record = await self._web_sessions.find(hash_session_token(token))
        if record is not None:
            await self._web_sessions.delete(record.id)

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

    async def change_password(
        self, user: User, current: str, new: str, *, keep_session: uuid.UUID | None = None
    ) -> None:
        """Check the current password, set the new one, sign out every other session
        (every refresh token, every browser session but `keep_session`)."""
        await self._users.authenticate(user.username, current)
        await self._users.set_password(user.username, new)
        await self._refresh_tokens.revoke_user(user.id, self._clock())
        await self._web_sessions.delete_for_user(user.id, keep=keep_session)

    async def sign_out_everywhere(self, user_id: uuid.UUID) -> None:
        """End every refresh token and browser session of a user (disabled or reset by an
        admin); access tokens die with their short life, API keys stop with the account."""
        await self._refresh_tokens.revoke_user(user_id, self._clock())
        await self._web_sessions.delete_for_user(user_id)

    def access_token_subject(self, token: str) -> uuid.UUID | None:
        """The user id a valid access token names, without a database lookup (None if the
        token is not valid): enough to count requests per user."""
        try:
            return self._access.verify(token, self._clock())
        except BadCredentials:
            return None

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
