"""Share methods: getShares, createShare, updateShare, deleteShare (ShareService).

A share's `url` is `<public base>/share/<slug>`: a page that plays its songs without an
account until it expires or is deleted (api/share_page.py). `expires` is milliseconds
since the epoch; 0 or absent means never.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.entries import entries_of
from tonearm.api.subsonic.params import MAX_EPOCH_MS
from tonearm.api.subsonic.render import Payload, compact
from tonearm.errors import InvalidInput
from tonearm.library.catalog_service import CatalogService
from tonearm.sharing import KEEP, Share, ShareService

SHARE_PATH = "/share"


async def share_payload(call: SubsonicCall, catalog: CatalogService, share: Share) -> Payload:
    """A Subsonic `Share` with its songs as entries."""
    return compact(
        id=str(share.id),
        url=f"{call.base_url}{SHARE_PATH}/{share.slug}",
        description=share.description,
        username=share.owner_username,
        created=share.created_at,
        expires=share.expires_at,
        lastVisited=share.last_visited_at,
        visitCount=share.visit_count,
        entry=await entries_of(call, catalog, share.song_ids),
    )


async def get_shares(call: SubsonicCall, catalog: CatalogService, sharing: ShareService) -> Payload:
    """The caller's shares, expired ones included until deleted."""
    shares = await sharing.list_shares(call.user.id)
    return {"shares": {"share": [await share_payload(call, catalog, share) for share in shares]}}


async def create_share(
    call: SubsonicCall, catalog: CatalogService, sharing: ShareService
) -> Payload:
    """A share of songs, albums and/or the caller's playlists (`id`…), with an optional
    `description` and `expires` (ms since the epoch)."""
    share = await sharing.create_share(
        call.user.id,
        call.params.get_ids("id"),
        description=call.params.get("description"),
        expires_at=_expiry(call.params.get_int("expires", highest=MAX_EPOCH_MS)),
    )
    return {"shares": {"share": [await share_payload(call, catalog, share)]}}


async def update_share(call: SubsonicCall, sharing: ShareService) -> Payload:
    """Change a share's `description` and/or `expires` (0: never; a past time ends it)."""
    description = call.params.get("description")
    expires = call.params.get_int("expires", highest=MAX_EPOCH_MS)
    await sharing.update_share(
        call.user.id,
        call.params.get_id("id"),
        description=KEEP if description is None else description,
        expires_at=KEEP if expires is None else _expiry(expires),
    )
    return {}


async def delete_share(call: SubsonicCall, sharing: ShareService) -> Payload:
    """Delete a share: its page and audio URLs stop working at once."""
    await sharing.delete_share(call.user.id, call.params.get_id("id"))
    return {}


def _expiry(milliseconds: int | None) -> datetime | None:
    if not milliseconds:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidInput(f"parameter expires: {milliseconds} is not a time") from None


__all__ = [
    "SHARE_PATH",
    "create_share",
    "delete_share",
    "get_shares",
    "share_payload",
    "update_share",
]
