"""Podcasts: getPodcasts, getNewestPodcasts, OpenSubsonic getPodcastEpisode, and (admins
only, as podcastRole says) refreshPodcasts, createPodcastChannel, deletePodcastChannel,
deletePodcastEpisode, downloadPodcastEpisode. Over PodcastService.

An episode's `id` is its UUID (what the podcast methods take); its `streamId` is `pe-` +
that UUID (ids.py), which `stream` and `download` play from the stored file. Channels have
no coverArt id: `originalImageUrl` is the feed's own image address.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from starlette.responses import Response

from tonearm.api.object_response import own_file_response
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.ids import episode_stream_id
from tonearm.api.subsonic.render import Payload, compact
from tonearm.errors import PermissionDenied
from tonearm.podcasts import Channel, ChannelExists, ListenerEpisode, PodcastService
from tonearm.streaming import StreamService

DEFAULT_NEWEST = 20
MAX_NEWEST = 500


def _require_podcast_role(call: SubsonicCall) -> None:
    if not call.user.is_admin:
        raise PermissionDenied("only an admin may change podcasts (podcastRole)")


def _suffix(episode: ListenerEpisode) -> str | None:
    key = episode.episode.storage_key
    return key.rsplit(".", 1)[-1] if key and "." in key else None


def episode_child(item: ListenerEpisode, channel: Channel | None) -> Payload:
    """An episode as a plain Child (a bookmark's `entry`)."""
    episode = item.episode
    downloaded = item.stream_url is not None
    return compact(
        id=str(episode.id),
        parent=str(episode.channel_id),
        isDir=False,
        title=episode.title,
        album=channel.title if channel else None,
        artist=channel.title if channel else None,
        size=episode.size_bytes if downloaded else None,
        contentType=(episode.enclosure_type or None) if downloaded else None,
        suffix=_suffix(item) if downloaded else None,
        duration=episode.duration_seconds,
        isVideo=False,
        created=episode.published_at,
        type="podcast",
        bookmarkPosition=item.progress.position_ms if item.progress else None,
    )


def episode_payload(item: ListenerEpisode, channel: Channel | None) -> Payload:
    """A PodcastEpisode (a Child with the podcast fields)."""
    episode = item.episode
    return episode_child(item, channel) | compact(
        streamId=episode_stream_id(episode.id) if item.stream_url is not None else None,
        channelId=str(episode.channel_id),
        description=episode.description,
        status=episode.status.value,
        publishDate=episode.published_at,
    )


def channel_payload(channel: Channel, episodes: list[ListenerEpisode] | None) -> Payload:
    """A PodcastChannel, with its episodes when asked for."""
    return compact(
        id=str(channel.id),
        url=channel.url,
        title=channel.title,
        description=channel.description,
        originalImageUrl=channel.image_url,
        status=channel.status.value,
        errorMessage=channel.error,
        episode=[episode_payload(e, channel) for e in episodes] if episodes is not None else None,
    )


async def get_podcasts(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Every channel (or the one `id` names), with episodes unless includeEpisodes=false."""
    with_episodes = call.params.get_bool("includeEpisodes", True)
    if call.params.get("id"):
        channels = [await podcasts.channel(call.params.get_id("id"))]
    else:
        channels = await podcasts.channels()
    found = []
    for channel in channels:
        episodes = await podcasts.episodes(call.user.id, channel.id) if with_episodes else None
        found.append(channel_payload(channel, episodes))
    return {"podcasts": {"channel": found}}


async def get_newest_podcasts(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """The `count` (default 20) most recently published episodes of every channel."""
    count = call.params.get_int("count", DEFAULT_NEWEST, minimum=0, maximum=MAX_NEWEST) or 0
    newest = await podcasts.newest(call.user.id, count)
    channels = {c.id: c for c in await podcasts.channels()}
    return {
        "newestPodcasts": {
            "episode": [episode_payload(e, channels.get(e.episode.channel_id)) for e in newest]
        }
    }


async def get_podcast_episode(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """One episode by id (OpenSubsonic)."""
    found = await podcasts.episode(call.user.id, call.params.get_id("id"))
    channel = await podcasts.channel(found.episode.channel_id)
    return {"podcastEpisode": episode_payload(found, channel)}


async def refresh_podcasts(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Refresh every feed in the background (admins)."""
    _require_podcast_role(call)
    await podcasts.request_refresh()
    return {}


async def create_podcast_channel(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Subscribe to the feed at `url` (admins); subscribing twice is not an error."""
    _require_podcast_role(call)
    with contextlib.suppress(ChannelExists):
        await podcasts.subscribe(call.params.require("url"))
    return {}


async def delete_podcast_channel(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Unsubscribe, deleting the channel's downloaded episodes (admins)."""
    _require_podcast_role(call)
    await podcasts.unsubscribe(call.params.get_id("id"))
    return {}


async def delete_podcast_episode(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Delete an episode's downloaded file; it stays listed as deleted (admins)."""
    _require_podcast_role(call)
    await podcasts.delete_episode(call.params.get_id("id"))
    return {}


async def download_podcast_episode(call: SubsonicCall, podcasts: PodcastService) -> Payload:
    """Queue an episode's download (admins)."""
    _require_podcast_role(call)
    await podcasts.request_download(call.params.get_id("id"))
    return {}


async def episode_response(
    call: SubsonicCall,
    podcasts: PodcastService,
    streaming: StreamService,
    episode_id: UUID,
    *,
    attachment: bool,
) -> Response:
    """A downloaded episode's file for `stream` / `download` (Range, ETag, HEAD)."""
    source = await podcasts.stream_source(call.user.id, episode_id)
    name = None
    if attachment:
        extension = source.storage_key.rsplit(".", 1)[-1] if source.storage_key else "bin"
        name = f"{episode_id}.{extension}"
    return await own_file_response(call.request, streaming, source, name)


__all__ = [
    "create_podcast_channel",
    "delete_podcast_channel",
    "delete_podcast_episode",
    "download_podcast_episode",
    "episode_child",
    "episode_payload",
    "episode_response",
    "get_newest_podcasts",
    "get_podcast_episode",
    "get_podcasts",
    "refresh_podcasts",
]
