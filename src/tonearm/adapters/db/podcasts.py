"""PodcastRepository on SQLAlchemy: `podcast_channels`, `podcast_episodes`,
`podcast_progress`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import PodcastChannelRow, PodcastEpisodeRow, PodcastProgressRow
from tonearm.podcasts.models import (
    Channel,
    ChannelNotFound,
    ChannelStatus,
    Episode,
    EpisodeNotFound,
    EpisodeProgress,
    EpisodeStatus,
)

IN_CHUNK = 500
# What a refresh may change on an episode it already has (never its status or file).
_FEED_FIELDS = (
    "title",
    "description",
    "published_at",
    "duration_seconds",
    "enclosure_url",
    "enclosure_type",
    "enclosure_size_bytes",
)
_CLAIMABLE = (EpisodeStatus.NEW, EpisodeStatus.ERROR, EpisodeStatus.DELETED)


def _channel(row: PodcastChannelRow) -> Channel:
    return Channel(
        id=row.id,
        url=row.url,
        title=row.title,
        description=row.description,
        image_url=row.image_url,
        status=ChannelStatus(row.status),
        error=row.error,
        refreshed_at=row.refreshed_at,
        created_at=row.created_at,
    )


def _episode(row: PodcastEpisodeRow) -> Episode:
    return Episode(
        id=row.id,
        channel_id=row.channel_id,
        guid=row.guid,
        title=row.title,
        description=row.description,
        published_at=row.published_at,
        duration_seconds=row.duration_seconds,
        enclosure_url=row.enclosure_url,
        enclosure_type=row.enclosure_type,
        enclosure_size_bytes=row.enclosure_size_bytes,
        status=EpisodeStatus(row.status),
        error=row.error,
        storage_key=row.storage_key,
        size_bytes=row.size_bytes,
        downloaded_at=row.downloaded_at,
    )


def _episode_values(episode: Episode) -> dict[str, Any]:
    return {
        "id": episode.id,
        "channel_id": episode.channel_id,
        "guid": episode.guid,
        "title": episode.title,
        "description": episode.description,
        "published_at": episode.published_at,
        "duration_seconds": episode.duration_seconds,
        "enclosure_url": episode.enclosure_url,
        "enclosure_type": episode.enclosure_type,
        "enclosure_size_bytes": episode.enclosure_size_bytes,
        "status": episode.status.value,
        "error": episode.error,
        "storage_key": episode.storage_key,
        "size_bytes": episode.size_bytes,
        "downloaded_at": episode.downloaded_at,
    }


# Newest first; episodes without a date after dated ones, then by title for a stable order.
_NEWEST_FIRST = (
    PodcastEpisodeRow.published_at.is_(None),
    PodcastEpisodeRow.published_at.desc(),
    PodcastEpisodeRow.title,
    PodcastEpisodeRow.id,
)


class SqlPodcastRepository:
    """Implements tonearm.podcasts.PodcastRepository."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def channels(self) -> list[Channel]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PodcastChannelRow).order_by(
                    PodcastChannelRow.title.is_(None),
                    PodcastChannelRow.title,
                    PodcastChannelRow.created_at,
                )
            )
            return [_channel(row) for row in rows]

    async def channel(self, channel_id: UUID) -> Channel:
        async with self._sessions() as session:
            row = await session.get(PodcastChannelRow, channel_id)
            if row is None:
                raise ChannelNotFound(channel_id)
            return _channel(row)

    async def channel_by_url(self, url: str) -> Channel | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(PodcastChannelRow).where(PodcastChannelRow.url == url)
            )
            return None if row is None else _channel(row)

    async def put_channel(self, channel: Channel) -> None:
        async with self._sessions.begin() as session:
            await session.merge(
                PodcastChannelRow(
                    id=channel.id,
                    url=channel.url,
                    title=channel.title,
                    description=channel.description,
                    image_url=channel.image_url,
                    status=channel.status.value,
                    error=channel.error,
                    refreshed_at=channel.refreshed_at,
                    created_at=channel.created_at,
                )
            )

    async def delete_channel(self, channel_id: UUID) -> None:
        async with self._sessions.begin() as session:
            # Explicit: SQLite enforces ON DELETE CASCADE only with foreign keys switched on.
            episode_ids = select(PodcastEpisodeRow.id).where(
                PodcastEpisodeRow.channel_id == channel_id
            )
            await session.execute(
                delete(PodcastProgressRow).where(PodcastProgressRow.episode_id.in_(episode_ids))
            )
            await session.execute(
                delete(PodcastEpisodeRow).where(PodcastEpisodeRow.channel_id == channel_id)
            )
            result = await session.execute(
                delete(PodcastChannelRow).where(PodcastChannelRow.id == channel_id)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise ChannelNotFound(channel_id)

    async def episodes(self, channel_id: UUID) -> list[Episode]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PodcastEpisodeRow)
                .where(PodcastEpisodeRow.channel_id == channel_id)
                .order_by(*_NEWEST_FIRST)
            )
            return [_episode(row) for row in rows]

    async def newest_episodes(self, count: int) -> list[Episode]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PodcastEpisodeRow)
                .where(PodcastEpisodeRow.status != EpisodeStatus.DELETED.value)
                .order_by(*_NEWEST_FIRST)
                .limit(count)
            )
            return [_episode(row) for row in rows]

    async def episode(self, episode_id: UUID) -> Episode:
        async with self._sessions() as session:
            row = await session.get(PodcastEpisodeRow, episode_id)
            if row is None:
                raise EpisodeNotFound(episode_id)
            return _episode(row)

    async def merge_episodes(self, channel_id: UUID, episodes: Sequence[Episode]) -> int:
        by_guid: dict[str, Episode] = {}
        for episode in episodes:
            by_guid.setdefault(episode.guid, episode)  # a feed repeating a guid: first wins
        added = 0
        async with self._sessions.begin() as session:
            known = {
                row.guid: row
                for row in await session.scalars(
                    select(PodcastEpisodeRow).where(PodcastEpisodeRow.channel_id == channel_id)
                )
            }
            for guid, episode in by_guid.items():
                row = known.get(guid)
                if row is None:
                    session.add(PodcastEpisodeRow(**_episode_values(episode)))
                    added += 1
                    continue
                for name in _FEED_FIELDS:
                    setattr(row, name, getattr(episode, name))
        return added

    async def put_episode(self, episode: Episode) -> None:
        async with self._sessions.begin() as session:
            values = _episode_values(episode)
            del values["id"]
            result = await session.execute(
                update(PodcastEpisodeRow).where(PodcastEpisodeRow.id == episode.id).values(**values)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise EpisodeNotFound(episode.id)

    async def claim_download(self, episode_id: UUID) -> Episode | None:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(PodcastEpisodeRow)
                .where(
                    PodcastEpisodeRow.id == episode_id,
                    PodcastEpisodeRow.status.in_([s.value for s in _CLAIMABLE]),
                )
                .values(status=EpisodeStatus.DOWNLOADING.value, error=None)
            )
            row = await session.get(PodcastEpisodeRow, episode_id)
            if row is None:
                raise EpisodeNotFound(episode_id)
            return _episode(row) if result.rowcount else None  # type: ignore[attr-defined]

    async def progress(
        self, user_id: UUID, episode_ids: Collection[UUID]
    ) -> dict[UUID, EpisodeProgress]:
        found: dict[UUID, EpisodeProgress] = {}
        ids = list(episode_ids)
        async with self._sessions() as session:
            for start in range(0, len(ids), IN_CHUNK):
                rows = await session.scalars(
                    select(PodcastProgressRow).where(
                        PodcastProgressRow.user_id == user_id,
                        PodcastProgressRow.episode_id.in_(ids[start : start + IN_CHUNK]),
                    )
                )
                for row in rows:
                    found[row.episode_id] = EpisodeProgress(
                        row.episode_id, row.position_ms, row.played, row.updated_at
                    )
        return found

    async def resumable(self, user_id: UUID) -> list[EpisodeProgress]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PodcastProgressRow)
                .where(
                    PodcastProgressRow.user_id == user_id,
                    PodcastProgressRow.position_ms > 0,
                    PodcastProgressRow.played.is_(False),
                )
                .order_by(PodcastProgressRow.updated_at.desc())
            )
            return [
                EpisodeProgress(row.episode_id, row.position_ms, row.played, row.updated_at)
                for row in rows
            ]

    async def put_progress(self, user_id: UUID, progress: EpisodeProgress) -> None:
        async with self._sessions.begin() as session:
            await session.merge(
                PodcastProgressRow(
                    user_id=user_id,
                    episode_id=progress.episode_id,
                    position_ms=progress.position_ms,
                    played=progress.played,
                    updated_at=progress.updated_at,
                )
            )
