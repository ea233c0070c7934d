"""Smart playlists as the rest of tonearm sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tonearm.playlists.models import PlaylistReadOnly
from tonearm.playlists.smart.rules import SmartRules

# How long an evaluation holds before a read re-evaluates it (and OpenSubsonic's validUntil).
REFRESH_AFTER = timedelta(minutes=10)
PREVIEW_SONGS = 20


@dataclass(frozen=True, slots=True)
class SmartDefinition:
    """A stored smart playlist's rules and when they were last evaluated."""

    playlist_id: UUID
    owner_id: UUID
    rules: SmartRules
    refreshed_at: datetime
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class PreviewSong:
    """A song a rule set picks, as the editor's preview lists it."""

    id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Preview:
    """What rules pick right now, without saving: how many songs, and the first few."""

    count: int
    songs: list[PreviewSong]


class SmartPlaylistReadOnly(PlaylistReadOnly):
    """Its songs come from its rules: change the rules instead."""

    def __init__(self, playlist_id: UUID) -> None:
        Exception.__init__(
            self,
            f"playlist {playlist_id} is a smart playlist: its songs follow its rules; "
            "change the rules in the web player or through /api/smart-playlists",
        )


class NotSmart(PlaylistReadOnly):
    """The playlist exists but has no rules (an ordinary playlist)."""

    def __init__(self, playlist_id: UUID) -> None:
        Exception.__init__(self, f"playlist {playlist_id} is not a smart playlist")
