"""/api/podcasts: subscribed podcast channels and their episodes (PodcastService).

Everyone reads channels and episodes and keeps their own place in an episode (position,
played); admins subscribe, unsubscribe, refresh, download and delete episodes' files. An
episode's `stream_url` (once downloaded) is a signed URL like a song's, served with Range
by /api/podcasts/media/{id}?t=… without other credentials; the web player plays it as it
plays songs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.routing import Route

from tonearm.api.deps import AdminUser, CurrentUser, PodcastsDep, PublicBase
from tonearm.api.rest.errors import ErrorOut
from tonearm.api.rest.media import serve_signed_media
from tonearm.podcasts import Channel, EpisodeProgress, ListenerEpisode
from tonearm.podcasts.models import MAX_FEED_URL_LENGTH

router = APIRouter(prefix="/podcasts", tags=["podcasts"])
media_router = APIRouter(prefix="/podcasts", tags=["podcasts"])

MAX_NEWEST = 500


class SubscribeIn(BaseModel):
    """The feed to subscribe to (RSS 2.0 or Atom, http or https)."""

    url: str = Field(min_length=1, max_length=MAX_FEED_URL_LENGTH)


class ChannelOut(BaseModel):
    """A subscribed channel; `status` error comes with `error`, the reason."""

    id: UUID
    url: str
    title: str | None
    description: str | None
    image_url: str | None
    status: str
    error: str | None
    refreshed_at: datetime | None

    @classmethod
    def from_domain(cls, channel: Channel) -> ChannelOut:
        return cls(
            id=channel.id,
            url=channel.url,
            title=channel.title,
            description=channel.description,
            image_url=channel.image_url,
            status=channel.status.value,
            error=channel.error,
            refreshed_at=channel.refreshed_at,
        )


class ProgressOut(BaseModel):
    """Where you are in an episode."""

    position_ms: int
    played: bool
    updated_at: datetime

    @classmethod
    def from_domain(cls, progress: EpisodeProgress) -> ProgressOut:
        return cls(
            position_ms=progress.position_ms,
            played=progress.played,
            updated_at=progress.updated_at,
        )


class EpisodeOut(BaseModel):
    """An episode; `stream_url` is set once it is downloaded (status completed)."""

    id: UUID
    channel_id: UUID
    title: str
    description: str | None
    published_at: datetime | None
    duration_seconds: int | None
    status: str
    error: str | None
    size_bytes: int | None
    stream_url: str | None
    progress: ProgressOut | None

    @classmethod
    def from_domain(cls, item: ListenerEpisode, base: str) -> EpisodeOut:
        episode = item.episode
        return cls(
            id=episode.id,
            channel_id=episode.channel_id,
            title=episode.title,
            description=episode.description,
            published_at=episode.published_at,
            duration_seconds=episode.duration_seconds,
            status=episode.status.value,
            error=episode.error,
            size_bytes=episode.size_bytes,
            stream_url=base + item.stream_url if item.stream_url else None,
            progress=ProgressOut.from_domain(item.progress) if item.progress else None,
        )


class ChannelDetailOut(ChannelOut):
    """A channel with its episodes, newest first."""

    episodes: list[EpisodeOut]


class ProgressIn(BaseModel):
    """Your position in the episode, and (if given) whether you have played it."""

    position_ms: int = Field(ge=0, le=10**10, strict=True)
    played: bool | None = None


@router.get("", response_model=list[ChannelOut])
async def list_channels(user: CurrentUser, podcasts: PodcastsDep) -> list[ChannelOut]:
    """Every subscribed channel, by title."""
    return [ChannelOut.from_domain(c) for c in await podcasts.channels()]


@router.post(
    "",
    response_model=ChannelOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorOut, "description": "Already subscribed to this URL"}},
)
async def subscribe(body: SubscribeIn, admin: AdminUser, podcasts: PodcastsDep) -> ChannelOut:
    """Subscribe to a feed (admins) and read it at once: a feed that cannot be read gives a
    channel with status `error` and the reason. 409 when already subscribed."""
    return ChannelOut.from_domain(await podcasts.subscribe(body.url))


class RefreshQueuedOut(BaseModel):
    """The job run that refreshes every channel (see /api/admin/jobs)."""

    run_id: UUID


@router.post("/refresh", response_model=RefreshQueuedOut, status_code=status.HTTP_202_ACCEPTED)
async def refresh_all(admin: AdminUser, podcasts: PodcastsDep) -> RefreshQueuedOut:
    """Refresh every channel in the background (admins)."""
    return RefreshQueuedOut(run_id=await podcasts.request_refresh())


@router.get("/episodes/newest", response_model=list[EpisodeOut])
async def newest_episodes(
    user: CurrentUser,
    podcasts: PodcastsDep,
    base: PublicBase,
    count: Annotated[int, Query(ge=1, le=MAX_NEWEST)] = 20,
) -> list[EpisodeOut]:
    """The newest episodes of every channel."""
    return [EpisodeOut.from_domain(e, base) for e in await podcasts.newest(user.id, count)]


@router.get("/episodes/{episode_id}", response_model=EpisodeOut)
async def get_episode(
    episode_id: UUID, user: CurrentUser, podcasts: PodcastsDep, base: PublicBase
) -> EpisodeOut:
    """One episode, with your progress and (once downloaded) its stream URL."""
    return EpisodeOut.from_domain(await podcasts.episode(user.id, episode_id), base)


@router.post(
    "/episodes/{episode_id}/download",
    response_model=EpisodeOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def download_episode(
    episode_id: UUID, admin: AdminUser, podcasts: PodcastsDep, base: PublicBase
) -> EpisodeOut:
    """Queue the episode's download (admins); nothing to do when it is stored already."""
    await podcasts.request_download(episode_id)
    return EpisodeOut.from_domain(await podcasts.episode(admin.id, episode_id), base)


@router.delete("/episodes/{episode_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_episode(episode_id: UUID, admin: AdminUser, podcasts: PodcastsDep) -> Response:
    """Delete the episode's file (admins); it stays listed with status `deleted`."""
    await podcasts.delete_episode(episode_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/episodes/{episode_id}/progress", response_model=ProgressOut)
async def save_progress(
    episode_id: UUID, body: ProgressIn, user: CurrentUser, podcasts: PodcastsDep
) -> ProgressOut:
    """Set where you are in the episode (and whether you have played it)."""
    progress = await podcasts.save_progress(user.id, episode_id, body.position_ms, body.played)
    return ProgressOut.from_domain(progress)


@router.get("/{channel_id}", response_model=ChannelDetailOut)
async def get_channel(
    channel_id: UUID, user: CurrentUser, podcasts: PodcastsDep, base: PublicBase
) -> ChannelDetailOut:
    """A channel and its episodes, newest first."""
    channel = ChannelOut.from_domain(await podcasts.channel(channel_id))
    episodes = await podcasts.episodes(user.id, channel_id)
    return ChannelDetailOut(
        **channel.model_dump(), episodes=[EpisodeOut.from_domain(e, base) for e in episodes]
    )


@router.post("/{channel_id}/refresh", response_model=ChannelOut)
async def refresh_channel(channel_id: UUID, admin: AdminUser, podcasts: PodcastsDep) -> ChannelOut:
    """Read the channel's feed again now (admins)."""
    return ChannelOut.from_domain(await podcasts.refresh(channel_id))


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(channel_id: UUID, admin: AdminUser, podcasts: PodcastsDep) -> Response:
    """Unsubscribe (admins): the channel, its episodes and their files go."""
    await podcasts.unsubscribe(channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@media_router.get(
    "/media/{episode_id}",
    response_class=Response,
    responses={
        200: {"description": "The episode's bytes"},
        206: {"description": "The requested byte range"},
        304: {"description": "Not modified (If-None-Match / If-Modified-Since)"},
        400: {"model": ErrorOut, "description": "Invalid input (a path or token malformed)"},
        401: {"description": "Invalid, tampered or expired token"},
        404: {"model": ErrorOut, "description": "No such episode, or not downloaded"},
        416: {"description": "Range not satisfiable"},
    },
)
async def episode_media(
    episode_id: UUID,
    request: Request,
    t: Annotated[str, Query(max_length=4096, description="The token of the stream URL")],
) -> Response:
    """A downloaded episode's file for whoever holds its signed URL (GET and HEAD; Range,
    ETag). Answered by `serve_episode_media`, mounted ahead as a plain route (which HEAD
    reaches too); this declaration documents it."""
    return await serve_episode_media(request)


async def serve_episode_media(request: Request) -> Response:
    """GET/HEAD /api/podcasts/media/{episode_id}?t=…: check the token, send the file."""
    return await serve_signed_media(request, "episode_id", "episode", lambda d: d.podcasts)


EPISODE_MEDIA_ROUTE = Route(
    "/api/podcasts/media/{episode_id}", serve_episode_media, methods=["GET", "HEAD"]
)
