"""ShareService: make, list, change and delete shares; open one for a visitor."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from uuid import UUID

import structlog

from tonearm.sharing.models import (
    KEEP,
    MAX_DESCRIPTION_LENGTH,
    MAX_SHARED_SONGS,
    SLUG_BYTES,
    InvalidShare,
    Keep,
    OpenedShare,
    Share,
    SharedSong,
    ShareExpired,
    ShareKind,
    ShareNotFound,
)
from tonearm.sharing.repository import ShareRepository
from tonearm.streaming import MediaNotFound, StreamService

log = structlog.get_logger(__name__)

SHARE_ART_PX = 300  # the cover size the share page shows (and its track list reuses)


class ShareService:
    """Shares on behalf of their owners, and the public side that plays them.

    A share fixes its songs when it is made (later changes to an album or playlist do not
    show). Its link is a random slug; the audio URLs its page hands out are signed for the
    owner and scoped to the share, so they stop working as soon as it expires or is deleted.
    """

    def __init__(
        self,
        repository: ShareRepository,
        streaming: StreamService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repository = repository
        self._streaming = streaming
        self._clock = clock

    async def create_share(
        self,
        owner_id: UUID,
        item_ids: Sequence[UUID],
        description: str | None = None,
        expires_at: datetime | None = None,
        kind: ShareKind | None = None,
    ) -> Share:
        """A share of songs, albums and/or the owner's playlists, in the order given.

        With `kind`, every id must name an item of that kind. Raises ShareNotFound for an
        id that names none of them (or another kind), and InvalidShare for nothing to
        share, too many songs, a past expiry or a long description.
        """
        if not item_ids:
            raise InvalidShare("nothing to share: give at least one song, album or playlist id")
        now = self._clock()
        _check_expiry(expires_at, now)
        kinds: list[ShareKind] = []
        song_ids: list[UUID] = []
        for item_id in item_ids:
            resolved = await self._repository.resolve(owner_id, item_id)
            if resolved is None:
                raise ShareNotFound(f"item {item_id}: no song, album or playlist of yours")
            if kind is not None and resolved[0] is not kind:
                raise ShareNotFound(f"{kind.value} {item_id}: no {kind.value} of yours")
            kinds.append(resolved[0])
            song_ids.extend(resolved[1])
        if not song_ids:
            raise InvalidShare("nothing to share: the items have no songs in the library")
        if len(song_ids) > MAX_SHARED_SONGS:
            raise InvalidShare(f"{len(song_ids)} songs: a share holds at most {MAX_SHARED_SONGS}")
        single = len(item_ids) == 1
        share = Share(
            id=uuid.uuid4(),
            slug=secrets.token_urlsafe(SLUG_BYTES),
            owner_id=owner_id,
            owner_username="",
            kind=kinds[0] if single else ShareKind.SONGS,
            item_id=item_ids[0] if single else None,
            description=_description(description),
            created_at=now,
            expires_at=expires_at,
            last_visited_at=None,
            visit_count=0,
            song_ids=tuple(song_ids),
        )
        await self._repository.add(share)
        log.info("share.created", share_id=str(share.id), songs=len(song_ids))
        return await self._repository.get(owner_id, share.id)

    async def list_shares(self, owner_id: UUID) -> list[Share]:
        """The owner's shares (expired ones too, until deleted), newest first."""
        return await self._repository.list(owner_id)

    async def get_share(self, owner_id: UUID, share_id: UUID) -> Share:
        """One of the owner's shares; raises ShareNotFound."""
        return await self._repository.get(owner_id, share_id)

    async def update_share(
        self,
        owner_id: UUID,
        share_id: UUID,
        *,
        description: str | Keep | None = KEEP,
        expires_at: datetime | Keep | None = KEEP,
    ) -> Share:
        """Change the description and/or expiry (None: never expires; a time in the past
        ends the share now). Raises ShareNotFound or InvalidShare."""
        new_description = (
            description if isinstance(description, Keep) else _description(description)
        )
        if new_description is not KEEP or expires_at is not KEEP:
            await self._repository.update(owner_id, share_id, new_description, expires_at)
        return await self._repository.get(owner_id, share_id)

    async def delete_share(self, owner_id: UUID, share_id: UUID) -> None:
        """Delete the share; its link and audio URLs stop at once. Raises ShareNotFound."""
        await self._repository.delete(owner_id, share_id)

    async def open_share(self, slug: str) -> OpenedShare:
        """The share behind a public link, counted as a visit, with fresh signed audio URLs.

        Raises ShareNotFound (no such link, or deleted) or ShareExpired.
        """
        share = await self._repository.by_slug(slug)
        if share is None:
            raise ShareNotFound("at this link (it may have been deleted)")
        now = self._clock()
        if share.expires_at is not None and share.expired(now):
            raise ShareExpired(share.expires_at)
        await self._repository.record_visit(share.id, now)
        listings = await self._repository.listings(share.song_ids)
        songs: list[SharedSong] = []
        for song_id in share.song_ids:
            listing = listings.get(song_id)
            if listing is None:
                continue
            try:
                ticket = await self._streaming.share_ticket(
                    share.owner_id, song_id, share.id, share.expires_at
                )
                art = await self._streaming.share_art_path(
                    share.owner_id, song_id, share.id, share.expires_at, SHARE_ART_PX
                )
            except MediaNotFound:
                continue  # nothing stored to play (a file gone from the music folder)
            songs.append(
                SharedSong(
                    song_id=song_id,
                    title=listing.title,
                    artists=listing.artists,
                    album=listing.album,
                    duration_ms=listing.duration_ms,
                    audio_path=ticket.path,
                    art_path=art,
                )
            )
        return OpenedShare(share, tuple(songs))


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise InvalidShare(f"expires {expires_at.isoformat()}: must be in the future")


def _description(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise InvalidShare(
            f"share description: {len(text)} characters, at most {MAX_DESCRIPTION_LENGTH} allowed"
        )
    return text or None
