"""Browser sessions: an HttpOnly cookie for pages, where a bearer header cannot be set.

The cookie holds a random token (only its hash is stored). Pages also get a CSRF token
that they must echo in the X-CSRF-Token header on every state-changing request: a forged
cross-site form can carry the cookie, but cannot read the CSRF token to send it back.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.users.tokens import hash_refresh_token as hash_session_token

SESSION_COOKIE = "tonearm_session"
CSRF_COOKIE = "tonearm_csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class WebSessionRecord:
    """A stored browser session (hashes only)."""

    id: UUID
    user_id: UUID
    csrf_hash: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class NewWebSession:
    """What a browser sign-in hands out: the cookie's token and the page's CSRF token."""

    id: UUID
    token: str
    csrf_token: str
    expires_at: datetime


class WebSessionRepository(Protocol):
    """Browser sessions by token hash. Implemented in adapters/db/sessions.py."""

    async def add(
        self,
        session_id: UUID,
        user_id: UUID,
        token_hash: str,
        csrf_hash: str,
        now: datetime,
        expires_at: datetime,
        user_agent: str | None,
    ) -> None:
        """Store a new session."""
        ...

    async def find(self, token_hash: str) -> WebSessionRecord | None:
        """The session with this token hash, expired or not."""
        ...

    async def extend(self, session_id: UUID, now: datetime, expires_at: datetime) -> None:
        """Record activity and push the expiry out (sliding sessions)."""
        ...

    async def delete(self, session_id: UUID) -> None:
        """End one session."""
        ...

    async def delete_for_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        """End every session of the user, except `keep`."""
        ...

    async def delete_expired(self, now: datetime) -> int:
        """Forget sessions past their expiry; how many."""
        ...


def new_session_tokens() -> tuple[str, str]:
    """A random session token and a random CSRF token."""
    return secrets.token_urlsafe(32), secrets.token_urlsafe(24)


def csrf_matches(record: WebSessionRecord, csrf_token: str | None) -> bool:
    """Whether the header echoes this session's CSRF token (constant-time)."""
    if not csrf_token:
        return False
    return hmac.compare_digest(record.csrf_hash, hash_session_token(csrf_token))


__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "NewWebSession",
    "WebSessionRecord",
    "WebSessionRepository",
    "csrf_matches",
    "hash_session_token",
    "new_session_tokens",
]
