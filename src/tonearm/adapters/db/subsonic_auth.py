"""Subsonic sign-in state on SQLAlchemy: encrypted password copies and API keys."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import ApiKeyRow, SubsonicSecretRow, UserRow
from tonearm.adapters.db.users import _to_user
from tonearm.users.api_keys import ApiKey
from tonearm.users.models import User


class SqlSubsonicSecretRepository:
    """Encrypted password copies in `subsonic_secrets`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, user_id: UUID) -> str | None:
        """The user's encrypted copy, if any."""
        async with self._sessions() as session:
            return await session.scalar(
                select(SubsonicSecretRow.encrypted_password).where(
                    SubsonicSecretRow.user_id == user_id
                )
            )

    async def put(self, user_id: UUID, encrypted: str, now: datetime) -> None:
        """Insert or replace the user's copy."""
        async with self._sessions.begin() as session:
            row = await session.get(SubsonicSecretRow, user_id)
            if row is None:
                session.add(
                    SubsonicSecretRow(user_id=user_id, encrypted_password=encrypted, updated_at=now)
                )
            else:
                row.encrypted_password = encrypted
                row.updated_at = now

    async def delete_all(self) -> int:
        """Forget every copy; returns how many there were."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(SubsonicSecretRow))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _to_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.key_prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlApiKeyRepository:
    """API keys in `api_keys` (hashes only)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, key: ApiKey, key_hash: str) -> None:
        """Insert a key."""
        async with self._sessions.begin() as session:
            session.add(
                ApiKeyRow(
                    id=key.id,
                    user_id=key.user_id,
                    name=key.name,
                    key_hash=key_hash,
                    key_prefix=key.prefix,
                    created_at=key.created_at,
                    last_used_at=key.last_used_at,
                )
            )

    async def list_for_user(self, user_id: UUID) -> list[ApiKey]:
        """The user's keys, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ApiKeyRow)
                .where(ApiKeyRow.user_id == user_id)
                .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            )
            return [_to_key(row) for row in rows]

    async def delete(self, user_id: UUID, key_id: UUID) -> bool:
        """Delete the user's key; False when there is none with that id."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.user_id == user_id)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def find(self, key_hash: str) -> tuple[ApiKey, User] | None:
        """The key with this hash and its owner, in one query."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(ApiKeyRow, UserRow)
                    .join(UserRow, UserRow.id == ApiKeyRow.user_id)
                    .where(ApiKeyRow.key_hash == key_hash)
                )
            ).first()
        if found is None:
            return None
        return _to_key(found[0]), _to_user(found[1])

    async def touch(self, key_id: UUID, now: datetime) -> None:
        """Record a use of the key."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=now)
            )
