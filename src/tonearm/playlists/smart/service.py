"""SmartPlaylistService: create, preview, change, refresh and delete smart playlists."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tonearm.playlists.models import KEEP, Keep, Playlist, normalize_comment, normalize_name
from tonearm.playlists.smart.models import (
    PREVIEW_SONGS,
    REFRESH_AFTER,
    Preview,
    SmartDefinition,
)
from tonearm.playlists.smart.nsp import parse_nsp
from tonearm.playlists.smart.repository import SmartPlaylistRepository
from tonearm.playlists.smart.rules import SmartRules, parse_rules


class SmartPlaylistService:
    """Smart playlists are playlists whose songs are their rules' last evaluation, for their
    owner (play counts, likes and ratings are the owner's). The songs are re-evaluated when
    the rules change, when a read finds them older than REFRESH_AFTER (`refresh_stale`,
    called by PlaylistService before it lists or reads playlists) and by the
    `smart_playlists.refresh` job after scans and play batches."""

    def __init__(
        self,
        repository: SmartPlaylistRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repository = repository
        self._clock = clock

    async def create(
        self, owner_id: UUID, name: str, rules: SmartRules | Any, comment: str | None = None
    ) -> UUID:
        """A new smart playlist, evaluated at once; `rules` as SmartRules or JSON.

        Raises InvalidRules, InvalidPlaylistName or InvalidPlaylistComment."""
        checked = _checked(rules)
        now = self._clock()
        playlist = Playlist(
            id=uuid.uuid4(),
            owner_id=owner_id,
            name=normalize_name(name),
            comment=normalize_comment(comment),
            auto_generated=False,
            created_at=now,
            updated_at=now,
            song_count=0,
            duration_ms=0,
        )
        await self._repository.add(playlist, checked, now + REFRESH_AFTER)
        return playlist.id

    async def import_nsp(self, owner_id: UUID, text: str | bytes, name: str | None = None) -> UUID:
        """A smart playlist from a Navidrome `.nsp` file; its name is `name`, else the file's
        own, else "Imported smart playlist". Raises InvalidRules naming what is unsupported."""
        nsp = parse_nsp(text)
        return await self.create(
            owner_id, name or nsp.name or "Imported smart playlist", nsp.rules, nsp.comment
        )

    async def preview(self, owner_id: UUID, rules: SmartRules | Any) -> Preview:
        """What the rules pick now, without saving anything."""
        return await self._repository.preview(
            _checked(rules), owner_id, self._clock(), PREVIEW_SONGS
        )

    async def definition(self, owner_id: UUID, playlist_id: UUID) -> SmartDefinition:
        """The rules; raises PlaylistNotFound or NotSmart."""
        return await self._repository.definition(playlist_id, owner_id)

    async def update(
        self,
        owner_id: UUID,
        playlist_id: UUID,
        *,
        rules: SmartRules | Any,
        name: str,
        comment: str | Keep | None = KEEP,
    ) -> None:
        """Replace the rules (and name, comment) and re-evaluate."""
        checked = _checked(rules)
        new_name = normalize_name(name)
        new_comment = comment if isinstance(comment, Keep) else normalize_comment(comment)
        now = self._clock()
        await self._repository.update(
            playlist_id, owner_id, new_name, new_comment, checked, now, now + REFRESH_AFTER
        )

    async def delete(self, owner_id: UUID, playlist_id: UUID) -> None:
        """Delete it; raises PlaylistNotFound or NotSmart."""
        await self._repository.delete(playlist_id, owner_id)

    async def refresh_stale(self, owner_id: UUID | None = None) -> int:
        """Re-evaluate expired smart playlists (one owner's, or all); how many were."""
        now = self._clock()
        stale = await self._repository.stale(now, owner_id)
        if stale:
            await self._repository.refresh(stale, now, now + REFRESH_AFTER)
        return len(stale)

    async def refresh_all(self) -> int:
        """Re-evaluate every smart playlist now (after a scan or a batch of plays)."""
        now = self._clock()
        every = await self._repository.stale(now + REFRESH_AFTER * 1000, None)
        if every:
            await self._repository.refresh(every, now, now + REFRESH_AFTER)
        return len(every)


def _checked(rules: SmartRules | Any) -> SmartRules:
    return rules if isinstance(rules, SmartRules) else parse_rules(rules)
