"""What one user has done with songs, albums and artists: starred, rated, played.

Listings show it next to each item (Subsonic `starred`, `userRating`, `played`,
`playCount`); the repository reads it for a whole page of ids in one query.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class ItemKind(enum.StrEnum):
    """What can be starred and rated (the `item_kind` of starred_items and ratings)."""

    SONG = "song"
    ALBUM = "album"
    ARTIST = "artist"


@dataclass(frozen=True, slots=True)
class UserState:
    """One user's marks on one item; an item without any is `UserState()`.

    For an album, `played_at` and `play_count` add up its songs' counted plays; artists
    have neither.
    """

    starred_at: datetime | None = None
    rating: int | None = None  # 1–5; None = unrated
    played_at: datetime | None = None  # the latest counted play
    play_count: int = 0  # counted plays


NO_STATE = UserState()


__all__ = ["NO_STATE", "ItemKind", "UserState"]
