"""API keys: long random secrets a user makes for an app (OpenSubsonic `apiKey=`).

The key is shown once, when made; only its SHA-256 is stored (a key is 256 random bits, so
a fast hash is enough: there is nothing to guess). A revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tonearm.errors import InvalidInput, NotFound
from tonearm.users.models import User

KEY_PREFIX = "ta_"
# How often a key's last use is written: a key used by every request must not write each time.
LAST_USED_RESOLUTION = timedelta(minutes=5)
MAX_KEYS_PER_USER = 50


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed: never the secret itself, only its first characters."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyNotFound(NotFound):
    """No such key among the user's keys."""


class ApiKeyRepository(Protocol):
    """Where API keys are kept. Implemented in adapters/db/subsonic_auth.py."""

    async def add(self, key: ApiKey, key_hash: str) -> None: ...

    async def list_for_user(self, user_id: uuid.UUID) -> list[ApiKey]: ...

    async def delete(self, user_id: uuid.UUID, key_id: uuid.UUID) -> bool: ...

    async def find(self, key_hash: str) -> tuple[ApiKey, User] | None: ...

    async def touch(self, key_id: uuid.UUID, now: datetime) -> None: ...


def hash_api_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyService:
    """Make, list, revoke and check API keys."""

    def __init__(
        self,
        keys: ApiKeyRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys = keys
        self._clock = clock

    async def create(self, user: User, name: str) -> tuple[ApiKey, str]:
        """A new key for `user`, with the secret (shown once); raises InvalidInput for an
        empty or long name, or past MAX_KEYS_PER_USER keys."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("an API key needs a name of 1 to 100 characters")
        if len(await self._keys.list_for_user(user.id)) >= MAX_KEYS_PER_USER:
            raise InvalidInput(f"at most {MAX_KEYS_PER_USER} API keys per user; revoke one")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            id=uuid.uuid4(),
            user_id=user.id,
            name=name,
            prefix=secret[:10],
            created_at=self._clock(),
            last_used_at=None,
        )
        await self._keys.add(key, hash_api_key(secret))
        return key, secret

    async def list(self, user: User) -> list[ApiKey]:
        """The user's keys, oldest first."""
        return await self._keys.list_for_user(user.id)

    async def revoke(self, user: User, key_id: uuid.UUID) -> None:
        """Delete one of the user's keys; raises ApiKeyNotFound."""
        if not await self._keys.delete(user.id, key_id):
            raise ApiKeyNotFound(f"API key {key_id} not found")

    async def user_for_key(self, secret: str) -> User | None:
        """The active user owning this key, or None."""
        found = await self._keys.find(hash_api_key(secret.strip()))
        if found is None:
            return None
        key, user = found
        if not user.active:
            return None
        now = self._clock()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            await self._keys.touch(key.id, now)
        return user


__all__ = ["ApiKey", "ApiKeyNotFound", "ApiKeyRepository", "ApiKeyService", "hash_api_key"]
