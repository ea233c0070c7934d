"""Where smart playlists are kept and evaluated. Implemented in adapters/db/smart_playlists.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.playlists.models import Keep, Playlist
from tonearm.playlists.smart.models import Preview, SmartDefinition
from tonearm.playlists.smart.rules import SmartRules


class SmartPlaylistRepository(Protocol):
    """Rules evaluated in the database for one owner (their plays, likes and ratings), and
    smart playlists stored as playlists whose entries are the last evaluation."""

    async def evaluate(self, rules: SmartRules, owner_id: UUID, now: datetime) -> list[UUID]:
        """The song ids the rules pick, sorted and limited as they say."""
        ...

    async def preview(
        self, rules: SmartRules, owner_id: UUID, now: datetime, first: int
    ) -> Preview:
        """How many songs the rules pick and the first `first` of them."""
        ...

    async def add(self, playlist: Playlist, rules: SmartRules, valid_until: datetime) -> None:
        """Store a new smart playlist and its first evaluation, in one transaction."""
        ...

    async def definition(self, playlist_id: UUID, owner_id: UUID) -> SmartDefinition:
        """The owner's smart playlist's rules; raises PlaylistNotFound or NotSmart."""
        ...

    async def update(
        self,
        playlist_id: UUID,
        owner_id: UUID,
        name: str,
        comment: str | Keep | None,
        rules: SmartRules,
        now: datetime,
        valid_until: datetime,
    ) -> None:
        """Replace name, comment (unless KEEP) and rules and re-evaluate; raises PlaylistNotFound/NotSmart."""
        ...

    async def refresh(
        self, definitions: Sequence[SmartDefinition], now: datetime, valid_until: datetime
    ) -> None:
        """Re-evaluate these smart playlists and store their songs."""
        ...

    async def stale(self, now: datetime, owner_id: UUID | None) -> list[SmartDefinition]:
        """Smart playlists (one owner's, or everyone's) whose evaluation expired."""
        ...

    async def delete(self, playlist_id: UUID, owner_id: UUID) -> None:
        """Remove the smart playlist; raises PlaylistNotFound or NotSmart."""
        ...
