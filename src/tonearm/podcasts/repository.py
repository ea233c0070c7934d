"""Where channels, episodes and listeners' progress are kept. Implemented in
adapters/db/podcasts.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol
from uuid import UUID

from tonearm.podcasts.models import Channel, Episode, EpisodeProgress


class PodcastRepository(Protocol):
    """Channels (unique by URL), their episodes (unique by guid within a channel), and
    each user's position in an episode."""

    async def channels(self) -> list[Channel]:
        """Every channel, by title."""
        ...

    async def channel(self, channel_id: UUID) -> Channel:
        """One channel; raises ChannelNotFound."""
        ...

    async def channel_by_url(self, url: str) -> Channel | None:
        """The channel subscribed to `url`, if any."""
        ...

    async def put_channel(self, channel: Channel) -> None:
        """Insert or replace the channel (by id)."""
        ...

    async def delete_channel(self, channel_id: UUID) -> None:
        """Remove the channel, its episodes and everyone's progress in them."""
        ...

    async def episodes(self, channel_id: UUID) -> list[Episode]:
        """The channel's episodes, newest published first."""
        ...

    async def newest_episodes(self, count: int) -> list[Episode]:
        """The `count` most recently published episodes of every channel (deleted ones
        left out)."""
        ...

    async def episode(self, episode_id: UUID) -> Episode:
        """One episode; raises EpisodeNotFound."""
        ...

    async def merge_episodes(self, channel_id: UUID, episodes: Sequence[Episode]) -> int:
        """Add the episodes whose guid the channel does not have yet and refresh the feed
        fields (title, description, dates, enclosure) of those it has, keeping their status
        and file; returns how many were added."""
        ...

    async def put_episode(self, episode: Episode) -> None:
        """Replace the stored episode (by id)."""
        ...

    async def claim_download(self, episode_id: UUID) -> Episode | None:
        """Mark the episode DOWNLOADING unless it is downloading or downloaded already;
        the claimed episode, or None when there was nothing to claim."""
        ...

    async def progress(
        self, user_id: UUID, episode_ids: Collection[UUID]
    ) -> dict[UUID, EpisodeProgress]:
        """The user's progress in those of `episode_ids` they have any in."""
        ...

    async def resumable(self, user_id: UUID) -> list[EpisodeProgress]:
        """The user's progress in episodes started and not played, newest change first."""
        ...

    async def put_progress(self, user_id: UUID, progress: EpisodeProgress) -> None:
        """Create or replace the user's progress in one episode."""
        ...
