"""PlaylistService: the rules for users' playlists, shared by the REST and Subsonic APIs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime
from uuid import UUID

from tonearm.playlists.models import (
    KEEP,
    MAX_ENTRIES,
    Keep,
    Playlist,
    PlaylistContents,
    PlaylistOrder,
    PlaylistTooLong,
    UnknownSongs,
    normalize_comment,
    normalize_name,
)
from tonearm.playlists.order import insert_songs, move_entry, remove_positions
from tonearm.playlists.repository import PlaylistRepository, SongOrderEdit


class PlaylistService:
    """Create, list, read, change and delete playlists, each on behalf of its owner.

    Every method takes the caller's user id; a playlist of anyone else raises
    PlaylistNotFound, as if it did not exist (admins included). A song can be added only
    while it is in the library; songs removed later stay in place, flagged unavailable.
    Every change bumps `updated_at`.
    """

    def __init__(
        self,
        playlists: PlaylistRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        before_read: Callable[[UUID], Awaitable[object]] | None = None,
    ) -> None:
        self._playlists = playlists
        self._clock = clock
        # Run before a list or read: how smart playlists older than their validity are
        # re-evaluated first (SmartPlaylistService.refresh_stale).
        self._before_read = before_read

    async def create_playlist(
        self,
        owner_id: UUID,
        name: str,
        comment: str | None = None,
        song_ids: Sequence[UUID] = (),
    ) -> PlaylistContents:
        """A new playlist holding `song_ids` in order.

        Raises InvalidPlaylistName, InvalidPlaylistComment, PlaylistTooLong or UnknownSongs.
        """
        playlist_id = uuid.uuid4()
        now = self._clock()
        playlist = Playlist(
            id=playlist_id,
            owner_id=owner_id,
            name=normalize_name(name),
            comment=normalize_comment(comment),
            auto_generated=False,
            created_at=now,
            updated_at=now,
            song_count=0,
            duration_ms=0,
        )
        _check_length(playlist_id, len(song_ids))
        missing = set(song_ids) - await self._playlists.playable_songs(song_ids)
        if missing:
            raise UnknownSongs(missing)
        return await self._playlists.add(playlist, list(song_ids))

    async def list_playlists(
        self, owner_id: UUID, order: PlaylistOrder = PlaylistOrder.NEWEST
    ) -> list[Playlist]:
        """The caller's playlists, with song counts and total durations."""
        playlists = await self._playlists.list(owner_id, order)
        if self._before_read is not None and any(self._stale(p) for p in playlists):
            await self._before_read(owner_id)
            playlists = await self._playlists.list(owner_id, order)
        return playlists

    async def get_playlist(self, owner_id: UUID, playlist_id: UUID) -> PlaylistContents:
        """The playlist and its entries in order; raises PlaylistNotFound."""
        contents = await self._playlists.contents(playlist_id, owner_id)
        if self._before_read is not None and self._stale(contents.playlist):
            await self._before_read(contents.playlist.owner_id)
            contents = await self._playlists.contents(playlist_id, owner_id)
        return contents

    def _stale(self, playlist: Playlist) -> bool:
        """A smart playlist past its validity: evaluated again before it is shown (the
        check costs no statement; only a stale one costs the re-evaluation)."""
        return playlist.valid_until is not None and playlist.valid_until <= self._clock()

    async def update_playlist(
        self,
        owner_id: UUID,
        playlist_id: UUID,
        *,
        name: str | Keep = KEEP,
        comment: str | Keep | None = KEEP,
    ) -> Playlist:
        """Rename and/or set the comment (None or "" clears it); KEEP leaves a field alone.

        Raises PlaylistNotFound, InvalidPlaylistName or InvalidPlaylistComment.
        """
        new_name = name if isinstance(name, Keep) else normalize_name(name)
        new_comment = comment if isinstance(comment, Keep) else normalize_comment(comment)
        if new_name is not KEEP or new_comment is not KEEP:
            await self._playlists.update_details(
                playlist_id, owner_id, new_name, new_comment, self._clock()
            )
        return await self._playlists.get(playlist_id, owner_id)

    async def delete_playlist(self, owner_id: UUID, playlist_id: UUID) -> None:
        """Delete the playlist and its entries; raises PlaylistNotFound."""
        await self._playlists.delete(playlist_id, owner_id)

    async def add_songs(
        self,
        owner_id: UUID,
        playlist_id: UUID,
        song_ids: Sequence[UUID],
        position: int | None = None,
    ) -> PlaylistContents:
        """Insert `song_ids` before `position` (0..n), or append them when it is None.

        A song may appear more than once. Raises PlaylistNotFound, UnknownSongs,
        InvalidPosition or PlaylistTooLong, changing nothing.
        """
        playable = await self._playlists.playable_songs(song_ids)

        def edit(current: list[UUID]) -> list[UUID]:
            missing = set(song_ids) - playable
            if missing:
                raise UnknownSongs(missing)
            return insert_songs(playlist_id, current, song_ids, position)

        return await self._edit(owner_id, playlist_id, edit)

    async def remove_entries(
        self, owner_id: UUID, playlist_id: UUID, positions: Collection[int]
    ) -> PlaylistContents:
        """Remove the entries at `positions` (as numbered before this call); the rest close
        up to 0..n-1. Raises PlaylistNotFound or PlaylistEntryNotFound, changing nothing."""
        return await self._edit(
            owner_id, playlist_id, lambda current: remove_positions(playlist_id, current, positions)
        )

    async def replace_songs(
        self, owner_id: UUID, playlist_id: UUID, song_ids: Sequence[UUID]
    ) -> PlaylistContents:
        """Make the playlist exactly `song_ids`, in order (how a drag-reorder is saved).

        Songs already in the playlist may stay even if they were removed from the library
        since; any other song must be in it. Raises PlaylistNotFound, UnknownSongs or
        PlaylistTooLong, changing nothing.
        """
        playable = await self._playlists.playable_songs(song_ids)

        def edit(current: list[UUID]) -> list[UUID]:
            missing = set(song_ids) - playable - set(current)
            if missing:
                raise UnknownSongs(missing)
            return list(song_ids)

        return await self._edit(owner_id, playlist_id, edit)

    async def move_entry(
        self, owner_id: UUID, playlist_id: UUID, from_position: int, to_position: int
    ) -> PlaylistContents:
        """Move one entry so it ends up at `to_position`; those between shift by one.

        Raises PlaylistNotFound or InvalidPosition, changing nothing.
        """
        return await self._edit(
            owner_id,
            playlist_id,
            lambda current: move_entry(playlist_id, current, from_position, to_position),
        )

    async def _edit(
        self, owner_id: UUID, playlist_id: UUID, edit: SongOrderEdit
    ) -> PlaylistContents:
        def checked_edit(current: list[UUID]) -> list[UUID]:
            changed = edit(current)
            _check_length(playlist_id, len(changed))
            return changed

        await self._playlists.edit_songs(playlist_id, owner_id, checked_edit, self._clock())
        return await self._playlists.contents(playlist_id, owner_id)


def _check_length(playlist_id: UUID, entries: int) -> None:
    if entries > MAX_ENTRIES:
        raise PlaylistTooLong(playlist_id, entries)
