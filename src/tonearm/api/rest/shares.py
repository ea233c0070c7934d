"""/api/shares: your public, expiring links to a song, an album or a playlist (ShareService).

A share's `url` is `<public base>/share/<slug>` (TONEARM_PUBLIC_URL when set): a page that
plays its songs without an account until the share expires or is deleted (api/share_page.py).
The same shares are listed by the Subsonic getShares method.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Self
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from tonearm.api.deps import CurrentUser, PublicBase, SharingDep
from tonearm.api.rest.schemas import PlainText
from tonearm.api.share_page import share_url
from tonearm.sharing import KEEP, MAX_DESCRIPTION_LENGTH, Keep, Share, ShareKind

router = APIRouter(prefix="/shares", tags=["sharing"])

MAX_EXPIRY_DAYS = 3650


class ShareIn(BaseModel):
    """What to share and for how long: `expires_at`, or `expires_in_days`, or neither (never)."""

    kind: Literal["song", "album", "playlist"]
    id: UUID
    expires_at: AwareDatetime | None = None
    expires_in_days: int | None = Field(
        default=None, ge=1, le=MAX_EXPIRY_DAYS, strict=True, examples=[7]
    )
    description: PlainText | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if self.expires_at is not None and self.expires_in_days is not None:
            raise ValueError("give expires_at or expires_in_days, not both")
        return self


class ShareChangeIn(BaseModel):
    """What to change: a field left out stays; `expires_at: null` means never, and a time
    in the past ends the share now."""

    description: PlainText | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    expires_at: AwareDatetime | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRY_DAYS, strict=True)

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if {"expires_at", "expires_in_days"} <= self.model_fields_set:
            raise ValueError("give expires_at or expires_in_days, not both")
        return self


class ShareOut(BaseModel):
    """A share as its owner sees it, with the public link."""

    id: UUID
    url: str
    kind: Literal["song", "album", "playlist", "songs"]
    item_id: UUID | None
    description: str | None
    created_at: datetime
    expires_at: datetime | None
    expired: bool
    visit_count: int
    last_visited_at: datetime | None
    song_count: int

    @classmethod
    def from_domain(cls, share: Share, base_url: str, now: datetime) -> ShareOut:
        """The API form of a share; `base_url` is where the public page is reached."""
        return cls(
            id=share.id,
            url=share_url(base_url, share.slug),
            kind=share.kind.value,
            item_id=share.item_id,
            description=share.description,
            created_at=share.created_at,
            expires_at=share.expires_at,
            expired=share.expired(now),
            visit_count=share.visit_count,
            last_visited_at=share.last_visited_at,
            song_count=len(share.song_ids),
        )


def _expiry(at: datetime | None, in_days: int | None, now: datetime) -> datetime | None:
    return now + timedelta(days=in_days) if in_days is not None else at


def _out(base: str, share: Share) -> ShareOut:
    return ShareOut.from_domain(share, base, datetime.now(UTC))


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_share(
    body: ShareIn, base: PublicBase, user: CurrentUser, sharing: SharingDep
) -> ShareOut:
    """Share a song, an album or one of your playlists (404 when `id` is not one of that
    kind, 400 for an expiry in the past)."""
    now = datetime.now(UTC)
    share = await sharing.create_share(
        user.id,
        [body.id],
        description=body.description,
        expires_at=_expiry(body.expires_at, body.expires_in_days, now),
        kind=ShareKind(body.kind),
    )
    return _out(base, share)


@router.get("")
async def list_shares(base: PublicBase, user: CurrentUser, sharing: SharingDep) -> list[ShareOut]:
    """Your shares, newest first (expired ones too, until deleted)."""
    return [_out(base, s) for s in await sharing.list_shares(user.id)]


@router.patch("/{share_id}")
async def change_share(
    share_id: UUID, body: ShareChangeIn, base: PublicBase, user: CurrentUser, sharing: SharingDep
) -> ShareOut:
    """Change a share's description and/or expiry."""
    fields = body.model_fields_set
    expires_at: datetime | Keep | None = KEEP
    if fields & {"expires_at", "expires_in_days"}:
        expires_at = _expiry(body.expires_at, body.expires_in_days, datetime.now(UTC))
    share = await sharing.update_share(
        user.id,
        share_id,
        description=body.description if "description" in fields else KEEP,
        expires_at=expires_at,
    )
    return _out(base, share)


@router.delete("/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_share(share_id: UUID, user: CurrentUser, sharing: SharingDep) -> None:
    """Revoke a share: its page and audio URLs stop working at once."""
    await sharing.delete_share(user.id, share_id)
