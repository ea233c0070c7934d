"""Podcast channels and their episodes, as tonearm keeps them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import AlreadyExists, InvalidInput, NotFound

MAX_FEED_URL_LENGTH = 2000


class ChannelStatus(enum.StrEnum):
    """Where a channel's last refresh left it (Subsonic's PodcastStatus values)."""

    NEW = "new"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    ERROR = "error"


class EpisodeStatus(enum.StrEnum):
    """An episode's file: not fetched, being fetched, stored, failed, or removed."""

    NEW = "new"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    ERROR = "error"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Channel:
    """A subscribed feed. `error` says why the last refresh failed (status ERROR)."""

    id: UUID
    url: str
    title: str | None
    description: str | None
    image_url: str | None
    status: ChannelStatus
    error: str | None
    refreshed_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Episode:
    """One item of a channel's feed; `guid` is unique within its channel.

    `storage_key` names the downloaded file in the object store (status COMPLETED).
    """

    id: UUID
    channel_id: UUID
    guid: str
    title: str
    description: str | None
    published_at: datetime | None
    duration_seconds: int | None
    enclosure_url: str
    enclosure_type: str | None
    enclosure_size_bytes: int | None
    status: EpisodeStatus
    error: str | None
    storage_key: str | None
    size_bytes: int | None
    downloaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class EpisodeProgress:
    """Where one user is in an episode, and whether they have heard it."""

    episode_id: UUID
    position_ms: int
    played: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ListenerEpisode:
    """An episode as one user sees it: where they are in it, and a signed URL that plays
    it (None until it is downloaded)."""

    episode: Episode
    progress: EpisodeProgress | None
    stream_url: str | None


class ChannelNotFound(NotFound):
    """No channel has this id."""

    def __init__(self, channel_id: UUID | str) -> None:
        super().__init__(f"podcast channel {channel_id} not found")


class EpisodeNotFound(NotFound):
    """No episode has this id."""

    def __init__(self, episode_id: UUID | str) -> None:
        super().__init__(f"podcast episode {episode_id} not found")


class ChannelExists(AlreadyExists):
    """A channel with this feed URL is subscribed already."""

    def __init__(self, url: str) -> None:
        super().__init__(f"already subscribed to {url}")


class InvalidFeed(InvalidInput):
    """A document that is not a usable RSS or Atom feed (or a dangerous one)."""


class EpisodeNotDownloaded(NotFound):
    """The episode has no stored file to play (download it first)."""

    def __init__(self, episode_id: UUID) -> None:
        super().__init__(f"podcast episode {episode_id} is not downloaded")
