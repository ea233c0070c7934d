"""Where shares are kept. Implemented in adapters/db/sharing.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.sharing.models import Keep, Share, ShareKind, SongListing


class ShareRepository(Protocol):
    """Shares with their fixed song lists. Methods taking an owner treat another owner's
    share as absent (ShareNotFound)."""

    async def resolve(self, owner_id: UUID, item_id: UUID) -> tuple[ShareKind, list[UUID]] | None:
        """What `item_id` names and its live songs in order: a live song, an album (its
        tracks), or one of the owner's playlists; None when it is none of them."""
        ...

    async def add(self, share: Share) -> None:
        """Store a new share and its songs at positions 0..n-1."""
        ...

    async def get(self, owner_id: UUID, share_id: UUID) -> Share:
        """The owner's share; raises ShareNotFound."""
        ...

    async def by_slug(self, slug: str) -> Share | None:
        """Anyone's share by its slug, or None."""
        ...

    async def list(self, owner_id: UUID) -> list[Share]:
        """The owner's shares, newest first."""
        ...

    async def update(
        self,
        owner_id: UUID,
        share_id: UUID,
        description: str | Keep | None,
        expires_at: datetime | Keep | None,
    ) -> None:
        """Set what is not KEEP; raises ShareNotFound."""
        ...

    async def delete(self, owner_id: UUID, share_id: UUID) -> None:
        """Remove the share and its song list; raises ShareNotFound."""
        ...

    async def record_visit(self, share_id: UUID, at: datetime) -> None:
        """Count one visit and set `last_visited_at` (atomically)."""
        ...

    async def listings(self, song_ids: Sequence[UUID]) -> dict[UUID, SongListing]:
        """Title, artists, album and length of the live ones of `song_ids`."""
        ...

    async def plays_song(self, share_id: UUID, song_id: UUID, now: datetime) -> bool:
        """Whether the share exists, has not expired at `now` and holds the song."""
        ...
