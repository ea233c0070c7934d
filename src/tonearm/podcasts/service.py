"""PodcastService: subscribe to feeds, refresh them, download episodes into object storage,
play them through signed URLs, and remember where each user is in them.

Feeds and enclosures come from anywhere, so they are fetched through the Fetcher (bounded
in time, size and redirects; no private addresses) and parsed by feeds.parse_feed (no
entity expansion). A feed that fails marks its own channel ERROR with the reason; the
other channels refresh all the same.

Downloads: an episode asked for is claimed (status DOWNLOADING) and a `podcasts.download`
job fetches it, streaming it into the object store (never whole in memory; the store
keeps it whole or not at all). With `keep_episodes` N > 0, each refresh queues the N
newest episodes of every channel, and removes the files of downloaded episodes older than
those N (their rows stay, status DELETED, so they are not fetched again).

Playing: an episode's stream URL is a media token (streaming/tokens.py) for the episode's
id and the kind `podcast`, served with Range by the API's podcast media route.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

import structlog

from tonearm.adapters.fetch.base import Fetcher, FetchError
from tonearm.adapters.storage.base import ObjectStore
from tonearm.errors import InvalidInput
from tonearm.jobs import JobService
from tonearm.podcasts.feeds import Feed, FeedEpisode, parse_feed
from tonearm.podcasts.models import (
    MAX_FEED_URL_LENGTH,
    Channel,
    ChannelExists,
    ChannelStatus,
    Episode,
    EpisodeNotDownloaded,
    EpisodeProgress,
    EpisodeStatus,
    InvalidFeed,
    ListenerEpisode,
)
from tonearm.podcasts.repository import PodcastRepository
from tonearm.streaming.models import MediaSource
from tonearm.streaming.tokens import MediaGrant, MediaTokens

log = structlog.get_logger(__name__)

DOWNLOAD_JOB = "podcasts.download"
REFRESH_JOB = "podcasts.refresh"
MEDIA_KIND = "podcast"
STORAGE_PREFIX = "podcasts"
MAX_EPISODES_PER_FEED = 5000
_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")
_EXTENSIONS_BY_TYPE = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/flac": "flac",
    "audio/wav": "wav",
    "video/mp4": "mp4",
}


@dataclass(frozen=True, slots=True)
class PodcastPolicy:
    """Limits and retention; from settings."""

    feed_max_bytes: int = 5 * 1024 * 1024
    episode_max_bytes: int = 500 * 1024 * 1024
    keep_episodes: int = 3
    url_ttl: timedelta = timedelta(hours=6)


class PodcastService:
    """Channels and episodes for everyone; changing them is for admins (the API checks)."""

    def __init__(
        self,
        repository: PodcastRepository,
        fetcher: Fetcher,
        store: ObjectStore,
        jobs: JobService,
        tokens: MediaTokens,
        policy: PodcastPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repository = repository
        self._fetcher = fetcher
        self._store = store
        self._jobs = jobs
        self._tokens = tokens
        self._policy = policy or PodcastPolicy()
        self._clock = clock

    # Reading

    async def channels(self) -> list[Channel]:
        """Every subscribed channel, by title."""
        return await self._repository.channels()

    async def channel(self, channel_id: UUID) -> Channel:
        """One channel; raises ChannelNotFound."""
        return await self._repository.channel(channel_id)

    async def episodes(self, user_id: UUID, channel_id: UUID) -> list[ListenerEpisode]:
        """The channel's episodes, newest first, as `user_id` sees them; raises
        ChannelNotFound."""
        await self._repository.channel(channel_id)
        return await self._for_listener(user_id, await self._repository.episodes(channel_id))

    async def newest(self, user_id: UUID, count: int) -> list[ListenerEpisode]:
        """The `count` newest episodes of every channel."""
        return await self._for_listener(user_id, await self._repository.newest_episodes(count))

    async def episode(self, user_id: UUID, episode_id: UUID) -> ListenerEpisode:
        """One episode as `user_id` sees it; raises EpisodeNotFound."""
        [found] = await self._for_listener(user_id, [await self._repository.episode(episode_id)])
        return found

    async def _for_listener(self, user_id: UUID, episodes: list[Episode]) -> list[ListenerEpisode]:
        progress = await self._repository.progress(user_id, [e.id for e in episodes])
        return [
            ListenerEpisode(episode, progress.get(episode.id), self._stream_url(user_id, episode))
            for episode in episodes
        ]

    # Subscribing and refreshing

    async def subscribe(self, url: str) -> Channel:
        """Subscribe to the feed at `url` and read it at once; the channel comes back with
        status ERROR and the reason when the feed could not be read.

        Raises InvalidInput for a URL that is not http(s), ChannelExists for one subscribed.
        """
        url = check_feed_url(url)
        if await self._repository.channel_by_url(url) is not None:
            raise ChannelExists(url)
        channel = Channel(
            id=uuid.uuid4(),
            url=url,
            title=None,
            description=None,
            image_url=None,
            status=ChannelStatus.NEW,
            error=None,
            refreshed_at=None,
            created_at=self._clock(),
        )
        await self._repository.put_channel(channel)
        refreshed = await self.refresh(channel.id)
        await self._queue_newest(refreshed)
        return refreshed

    async def unsubscribe(self, channel_id: UUID) -> None:
        """Remove the channel, its episodes' files and rows; raises ChannelNotFound."""
        for episode in await self._repository.episodes(channel_id):
            if episode.storage_key is not None:
                await self._store.delete(episode.storage_key)
        await self._repository.delete_channel(channel_id)

    async def refresh(self, channel_id: UUID) -> Channel:
        """Read the channel's feed again: new episodes added, the channel's fields updated.
        A feed that cannot be fetched or read leaves the channel ERROR with the reason."""
        channel = await self._repository.channel(channel_id)
        try:
            document = await self._fetcher.fetch(channel.url, max_bytes=self._policy.feed_max_bytes)
            feed = await asyncio.to_thread(parse_feed, document.body)
        except (FetchError, InvalidFeed) as error:
            failed = replace(
                channel, status=ChannelStatus.ERROR, error=str(error), refreshed_at=self._clock()
            )
            await self._repository.put_channel(failed)
            log.info("podcasts.refresh_failed", channel=str(channel.id), error=str(error))
            return failed
        updated = replace(
            channel,
            title=feed.title or channel.title,
            description=feed.description,
            image_url=feed.image_url,
            status=ChannelStatus.COMPLETED,
            error=None,
            refreshed_at=self._clock(),
        )
        await self._repository.put_channel(updated)
        await self._repository.merge_episodes(channel.id, self._episodes_of(channel.id, feed))
        return updated

    async def refresh_all(self) -> dict[str, int]:
        """Refresh every channel (one's failure does not stop the others), queue the newest
        episodes' downloads and apply retention; counts for the job's result."""
        refreshed = failed = queued = removed = 0
        for channel in await self._repository.channels():
            try:
                updated = await self.refresh(channel.id)
            except Exception as error:  # one channel's surprise must not stop the rest
                log.exception("podcasts.refresh_crashed", channel=str(channel.id))
                await self._repository.put_channel(
                    replace(channel, status=ChannelStatus.ERROR, error=f"refresh failed: {error}")
                )
                failed += 1
                continue
            if updated.status is ChannelStatus.ERROR:
                failed += 1
                continue
            refreshed += 1
            queued += await self._queue_newest(updated)
            removed += await self._apply_retention(updated)
        return {"refreshed": refreshed, "failed": failed, "queued": queued, "removed": removed}

    async def request_refresh(self) -> UUID:
        """Refresh every channel in the background (the `podcasts.refresh` job); its run id."""
        return (await self._jobs.enqueue(REFRESH_JOB)).id

    def _episodes_of(self, channel_id: UUID, feed: Feed) -> list[Episode]:
        return [_new_episode(channel_id, item) for item in feed.episodes[:MAX_EPISODES_PER_FEED]]

    async def _queue_newest(self, channel: Channel) -> int:
        keep = self._policy.keep_episodes
        if keep <= 0 or channel.status is ChannelStatus.ERROR:
            return 0
        queued = 0
        for episode in (await self._repository.episodes(channel.id))[:keep]:
            if episode.status is EpisodeStatus.NEW and await self._queue_download(episode.id):
                queued += 1
        return queued

    async def _apply_retention(self, channel: Channel) -> int:
        keep = self._policy.keep_episodes
        if keep <= 0:
            return 0
        removed = 0
        for episode in (await self._repository.episodes(channel.id))[keep:]:
            if episode.status is EpisodeStatus.COMPLETED:
                await self._remove_file(episode)
                removed += 1
        return removed

    # Downloading and deleting episodes

    async def request_download(self, episode_id: UUID) -> Episode:
        """Queue the episode's download (nothing to do when it is downloading or stored);
        raises EpisodeNotFound."""
        await self._queue_download(episode_id)
        return await self._repository.episode(episode_id)

    async def _queue_download(self, episode_id: UUID) -> bool:
        claimed = await self._repository.claim_download(episode_id)
        if claimed is None:
            return False
        await self._jobs.enqueue(DOWNLOAD_JOB, {"episode_id": str(episode_id)})
        return True

    async def download(self, episode_id: UUID) -> Episode:
        """Fetch the episode's enclosure into the object store (the download job's work).
        A failed fetch leaves the episode ERROR with the reason; raises EpisodeNotFound."""
        episode = await self._repository.episode(episode_id)
        if episode.status is EpisodeStatus.COMPLETED:
            return episode
        key = storage_key(episode)
        try:
            async with self._fetcher.open(
                episode.enclosure_url, max_bytes=self._policy.episode_max_bytes
            ) as stream:
                info = await self._store.put_stream(key, stream.chunks, content_type_of(key))
        except FetchError as error:
            failed = replace(episode, status=EpisodeStatus.ERROR, error=str(error))
            await self._repository.put_episode(failed)
            return failed
        stored = replace(
            episode,
            status=EpisodeStatus.COMPLETED,
            error=None,
            storage_key=key,
            size_bytes=info.size_bytes,
            downloaded_at=self._clock(),
        )
        await self._repository.put_episode(stored)
        return stored

    async def delete_episode(self, episode_id: UUID) -> Episode:
        """Remove the episode's file (it stays listed, DELETED); raises EpisodeNotFound."""
        return await self._remove_file(await self._repository.episode(episode_id))

    async def _remove_file(self, episode: Episode) -> Episode:
        if episode.storage_key is not None:
            await self._store.delete(episode.storage_key)
        removed = replace(
            episode,
            status=EpisodeStatus.DELETED,
            error=None,
            storage_key=None,
            size_bytes=None,
            downloaded_at=None,
        )
        await self._repository.put_episode(removed)
        return removed

    # Playing

    def _stream_url(self, user_id: UUID, episode: Episode) -> str | None:
        if episode.status is not EpisodeStatus.COMPLETED or episode.storage_key is None:
            return None
        grant = MediaGrant(
            song_id=episode.id,
            kind=MEDIA_KIND,
            user_id=user_id,
            expires_at=self._clock() + self._policy.url_ttl,
            edge_cacheable=False,
        )
        return f"/api/podcasts/media/{episode.id}?t={self._tokens.sign(grant)}"

    async def stream_source(self, user_id: UUID, episode_id: UUID) -> MediaSource:
        """The stored file of a downloaded episode, for Subsonic stream/download; raises
        EpisodeNotFound or EpisodeNotDownloaded."""
        return _source(await self._downloaded(episode_id))

    async def resolve_media(self, token: str, episode_id: UUID) -> tuple[MediaSource, MediaGrant]:
        """Check a stream URL's token (BadCredentials) and find the episode's file."""
        grant = self._tokens.verify(token, episode_id, MEDIA_KIND, self._clock())
        return _source(await self._downloaded(episode_id)), grant

    async def close(self) -> None:
        """Release the fetcher's connections."""
        await self._fetcher.close()

    def now(self) -> datetime:
        """The service's clock (for cache headers)."""
        return self._clock()

    async def _downloaded(self, episode_id: UUID) -> Episode:
        episode = await self._repository.episode(episode_id)
        if episode.status is not EpisodeStatus.COMPLETED or episode.storage_key is None:
            raise EpisodeNotDownloaded(episode_id)
        return episode

    # Where listeners are

    async def resumable(self, user_id: UUID) -> list[ListenerEpisode]:
        """The episodes the user started and has not finished, most recent first (what
        Subsonic's getBookmarks lists beside songs)."""
        episodes = [
            await self._repository.episode(p.episode_id)
            for p in await self._repository.resumable(user_id)
        ]
        return await self._for_listener(user_id, episodes)

    async def save_progress(
        self, user_id: UUID, episode_id: UUID, position_ms: int, played: bool | None = None
    ) -> EpisodeProgress:
        """Set where the user is in the episode (and, if given, whether it is played);
        raises EpisodeNotFound or InvalidInput."""
        if position_ms < 0 or position_ms > 10**10:
            raise InvalidInput(f"position {position_ms}: must be 0 or more milliseconds")
        await self._repository.episode(episode_id)
        known = (await self._repository.progress(user_id, [episode_id])).get(episode_id)
        progress = EpisodeProgress(
            episode_id,
            position_ms,
            played if played is not None else (known.played if known else False),
            self._clock(),
        )
        await self._repository.put_progress(user_id, progress)
        return progress


def check_feed_url(url: str) -> str:
    """`url` stripped, if it is an http(s) URL with a host; raises InvalidInput."""
    text = url.strip()
    if not text or len(text) > MAX_FEED_URL_LENGTH:
        raise InvalidInput(f"a feed URL has 1–{MAX_FEED_URL_LENGTH} characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise InvalidInput(f"not a URL: {text!r}") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise InvalidInput(f"not an http(s) feed URL: {text!r}")
    return text


def storage_key(episode: Episode) -> str:
    """Where the episode's file is stored: `podcasts/<channel>/<episode>.<ext>`."""
    return f"{STORAGE_PREFIX}/{episode.channel_id}/{episode.id}.{_extension(episode)}"


def content_type_of(key: str) -> str:
    """The MIME type a stored episode is served with."""
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _extension(episode: Episode) -> str:
    by_type = _EXTENSIONS_BY_TYPE.get((episode.enclosure_type or "").split(";")[0].strip())
    if by_type:
        return by_type
    path = urlsplit(episode.enclosure_url).path.lower()
    suffix = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return suffix if _EXTENSION.match(suffix) else "bin"


def _source(episode: Episode) -> MediaSource:
    assert episode.storage_key is not None and episode.downloaded_at is not None
    return MediaSource(
        song_id=episode.id,
        kind=MEDIA_KIND,
        codec=None,
        bitrate_kbps=None,
        size_bytes=episode.size_bytes or 0,
        modified_at=episode.downloaded_at,
        storage_key=episode.storage_key,
        path=None,
    )


def _new_episode(channel_id: UUID, item: FeedEpisode) -> Episode:
    return Episode(
        id=uuid.uuid4(),
        channel_id=channel_id,
        guid=item.guid,
        title=item.title,
        description=item.description,
        published_at=item.published_at,
        duration_seconds=item.duration_seconds,
        enclosure_url=item.enclosure_url,
        enclosure_type=item.enclosure_type,
        enclosure_size_bytes=item.enclosure_size_bytes,
        status=EpisodeStatus.NEW,
        error=None,
        storage_key=None,
        size_bytes=None,
        downloaded_at=None,
    )
