"""/api/admin/users and /api/admin/ingest/failures: accounts and import problems (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from tonearm.api.deps import AdminUser, ApiKeysDep, AuthDep, StatsDep, UsersDep
from tonearm.api.rest.api_keys import ApiKeyIn, ApiKeyOut, NewApiKeyOut
from tonearm.api.rest.schemas import INT32_MAX, PlainText
from tonearm.library.models import ImportFailure
from tonearm.library.paths import display_path
from tonearm.users import Role, User

router = APIRouter(prefix="/admin", tags=["admin"])


class AccountOut(BaseModel):
    """An account as an admin sees it."""

    id: UUID
    username: str
    role: Literal["admin", "user"]
    active: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, user: User) -> AccountOut:
        """The admin's view of a user."""
        return cls(
            id=user.id,
            username=user.username,
            role=user.role.value,
            active=user.active,
            created_at=user.created_at,
        )


# Usernames are 1–64 characters (see normalize_username).
Username = Annotated[str, Path(min_length=1, max_length=64)]


class NewUserIn(BaseModel):
    """An account to create."""

    username: PlainText = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    admin: bool = Field(default=False, strict=True)


class UserChangeIn(BaseModel):
    """What to change on an account: enable or disable it."""

    active: bool = Field(strict=True)


class PasswordResetIn(BaseModel):
    """The new password an admin sets (the user's sessions end)."""

    password: str = Field(min_length=1, max_length=1024)


class ImportFailureOut(BaseModel):
    """A file that did not import, and why."""

    path: str
    reason: str
    source: str
    size_bytes: int | None
    failed_at: datetime

    @classmethod
    def from_domain(cls, failure: ImportFailure) -> ImportFailureOut:
        """The API form of a failure."""
        return cls(
            path=display_path(failure.path),
            reason=failure.reason,
            source=failure.source,
            size_bytes=failure.size_bytes,
            failed_at=failure.failed_at,
        )


class ImportFailuresOut(BaseModel):
    """One page of import failures, newest first."""

    total: int
    items: list[ImportFailureOut]


@router.get("/users")
async def list_users(users: UsersDep, admin: AdminUser) -> list[AccountOut]:
    """Every account."""
    return [AccountOut.from_domain(user) for user in await users.list_users()]


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def add_user(body: NewUserIn, users: UsersDep, admin: AdminUser) -> AccountOut:
    """Create an account (409 when the name is taken, 400 for a weak password)."""
    role = Role.ADMIN if body.admin else Role.USER
    return AccountOut.from_domain(await users.add_user(body.username, body.password, role))


@router.patch("/users/{username}")
async def change_user(
    username: Username, body: UserChangeIn, users: UsersDep, auth: AuthDep, admin: AdminUser
) -> AccountOut:
    """Enable or disable an account; disabling signs it out everywhere at once."""
    user = await users.set_active(username, body.active)
    if not body.active:
        await auth.sign_out_everywhere(user.id)
    return AccountOut.from_domain(user)


@router.post("/users/{username}/password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    username: Username, body: PasswordResetIn, users: UsersDep, auth: AuthDep, admin: AdminUser
) -> None:
    """Set a new password for an account and sign it out everywhere."""
    await users.set_password(username, body.password)
    await auth.sign_out_everywhere((await users.get_user(username)).id)


@router.get("/users/{username}/api-keys")
async def list_user_api_keys(
    username: Username, users: UsersDep, api_keys: ApiKeysDep, admin: AdminUser
) -> list[ApiKeyOut]:
    """An account's API keys for Subsonic apps."""
    user = await users.get_user(username)
    return [ApiKeyOut.from_domain(key) for key in await api_keys.list(user)]


@router.post("/users/{username}/api-keys", status_code=status.HTTP_201_CREATED)
async def create_user_api_key(
    username: Username, body: ApiKeyIn, users: UsersDep, api_keys: ApiKeysDep, admin: AdminUser
) -> NewApiKeyOut:
    """Make an API key for an account (e.g. to set up a family member's phone app)."""
    user = await users.get_user(username)
    key, secret = await api_keys.create(user, body.name)
    return NewApiKeyOut(**ApiKeyOut.from_domain(key).model_dump(), key=secret)


@router.delete("/users/{username}/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_user_api_key(
    username: Username, key_id: UUID, users: UsersDep, api_keys: ApiKeysDep, admin: AdminUser
) -> None:
    """Revoke one of an account's API keys."""
    user = await users.get_user(username)
    await api_keys.revoke(user, key_id)


@router.get("/ingest/failures")
async def list_import_failures(
    stats: StatsDep,
    admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> ImportFailuresOut:
    """Files that did not import (scans, imports, uploads), newest first, with the reason."""
    page, total = await stats.import_failures(limit, offset)
    return ImportFailuresOut(total=total, items=[ImportFailureOut.from_domain(f) for f in page])
