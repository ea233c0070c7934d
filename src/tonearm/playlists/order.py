"""The order of a playlist's songs as a list: position i is index i, so positions stay 0..n-1.

Pure functions over song-id lists; PlaylistService applies them inside the repository's
transaction, so concurrent changes of one playlist cannot lose each other's edits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

from tonearm.playlists.models import InvalidPosition, PlaylistEntryNotFound


def insert_songs(
    playlist_id: UUID, current: Sequence[UUID], song_ids: Sequence[UUID], position: int | None
) -> list[UUID]:
    """`song_ids` inserted before `position` (0..len(current)), or appended when None."""
    at = len(current) if position is None else position
    if not 0 <= at <= len(current):
        raise InvalidPosition(
            f"position {position}: playlist {playlist_id} has {len(current)} entries, "
            f"insert at 0..{len(current)}"
        )
    return [*current[:at], *song_ids, *current[at:]]


def remove_positions(
    playlist_id: UUID, current: Sequence[UUID], positions: Collection[int]
) -> list[UUID]:
    """The list without the entries at `positions` (all counted before any is removed).

    Raises PlaylistEntryNotFound naming the first position that is not in the playlist.
    """
    for position in sorted(positions):
        if not 0 <= position < len(current):
            raise PlaylistEntryNotFound(playlist_id, position)
    dropped = set(positions)
    return [song_id for index, song_id in enumerate(current) if index not in dropped]


def move_entry(
    playlist_id: UUID, current: Sequence[UUID], from_position: int, to_position: int
) -> list[UUID]:
    """The entry at `from_position` taken out and put back so that it ends at `to_position`."""
    for name, position in (("from", from_position), ("to", to_position)):
        if not 0 <= position < len(current):
            raise InvalidPosition(
                f"{name} {position}: playlist {playlist_id} has entries at 0..{len(current) - 1}"
                if current
                else f"{name} {position}: playlist {playlist_id} is empty"
            )
    moved = list(current)
    moved.insert(to_position, moved.pop(from_position))
    return moved
