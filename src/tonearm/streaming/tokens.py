"""Signed media tokens: which object, for whom, until when — checked before any byte.

A token is a JWT (HS256) under a key derived from the server secret for this purpose only,
so an API access token can never pass for a media token or the other way round. It binds
the song, the stored kind (`high`, `art-300-jpg`, …), the user and the expiry; changing any
of them breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

import jwt

from tonearm.errors import BadCredentials

MEDIA_ALGORITHM = "HS256"
MEDIA_AUDIENCE = "tonearm-media"
# Tokens whose signature was checked, kept by text: a player asks for one URL's Range
# windows again and again, and checking a JWT costs more than looking up its song.
DECODED_TOKENS_KEPT = 4096


@dataclass(frozen=True, slots=True)
class MediaGrant:
    """What a valid token allows."""

    song_id: UUID
    kind: str
    user_id: UUID
    expires_at: datetime
    edge_cacheable: bool  # a popular song: a CDN may cache it without the token
    # Set for a public share's URL: it plays only while that share exists and has not
    # expired (checked on every request, not just at signing).
    share_id: UUID | None = None


class MediaTokens:
    """Signs and checks media tokens."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = hmac.new(secret_key, b"tonearm media tokens v1", hashlib.sha256).digest()
        self._decoded = lru_cache(maxsize=DECODED_TOKENS_KEPT)(self._decode)

    def sign(self, grant: MediaGrant) -> str:
        """A token for `grant`."""
        claims: dict[str, object] = {
            "aud": MEDIA_AUDIENCE,
            "sub": str(grant.user_id),
            "sng": str(grant.song_id),
            "k": grant.kind,
            "exp": int(grant.expires_at.timestamp()),
        }
        if grant.edge_cacheable:
            claims["pub"] = 1
        if grant.share_id is not None:
            claims["shr"] = str(grant.share_id)
        return jwt.encode(claims, self._key, algorithm=MEDIA_ALGORITHM)

    def verify(self, token: str, song_id: UUID, kind: str, now: datetime) -> MediaGrant:
        """The grant of a valid, unexpired token for exactly this song and kind.

        Raises BadCredentials for anything else (tampered, expired, another object).
        """
        grant = self._decoded(token)
        # Expiry checked against the injectable clock, not the wall clock.
        if grant.expires_at <= now:
            raise BadCredentials("media token expired; ask for a new stream URL")
        if grant.song_id != song_id or grant.kind != kind:
            raise BadCredentials("media token is for another object")
        return grant

    def _decode(self, token: str) -> MediaGrant:
        """The grant a token carries, its signature checked (expiry is the caller's)."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[MEDIA_ALGORITHM],
                audience=MEDIA_AUDIENCE,
                options={"require": ["exp", "sub", "sng", "k"], "verify_exp": False},
            )
            return MediaGrant(
                song_id=UUID(str(claims["sng"])),
                kind=str(claims["k"]),
                user_id=UUID(str(claims["sub"])),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
                edge_cacheable=bool(claims.get("pub")),
                share_id=UUID(str(claims["shr"])) if "shr" in claims else None,
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise BadCredentials("invalid media token") from None
