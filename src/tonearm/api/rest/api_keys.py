"""/api/user/api-keys: a user's keys for Subsonic apps (OpenSubsonic `apiKey=`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from tonearm.api.deps import ApiKeysDep, CurrentUser
from tonearm.api.rest.schemas import PlainText
from tonearm.users.api_keys import ApiKey

router = APIRouter(tags=["api keys"])


class ApiKeyIn(BaseModel):
    """What to call a new key (the app it is for)."""

    name: PlainText = Field(min_length=1, max_length=100, examples=["Symfonium on my phone"])


class ApiKeyOut(BaseModel):
    """A key as listed: its first characters, never the whole secret."""

    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def from_domain(cls, key: ApiKey) -> ApiKeyOut:
        """The listing form of a key."""
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )


class NewApiKeyOut(ApiKeyOut):
    """A new key with its secret: shown this once, never again."""

    key: str


@router.get("/user/api-keys")
async def list_api_keys(user: CurrentUser, api_keys: ApiKeysDep) -> list[ApiKeyOut]:
    """Your API keys, oldest first."""
    return [ApiKeyOut.from_domain(key) for key in await api_keys.list(user)]


@router.post("/user/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(body: ApiKeyIn, user: CurrentUser, api_keys: ApiKeysDep) -> NewApiKeyOut:
    """Make a key for a Subsonic app; the answer holds the secret, shown only now."""
    key, secret = await api_keys.create(user, body.name)
    return NewApiKeyOut(**ApiKeyOut.from_domain(key).model_dump(), key=secret)


@router.delete("/user/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(key_id: UUID, user: CurrentUser, api_keys: ApiKeysDep) -> None:
    """Revoke one of your keys: apps using it are signed out at once."""
    await api_keys.revoke(user, key_id)
