"""Podcasts: subscribed feeds, their episodes, downloads into object storage, and where
each user is in an episode."""

from tonearm.podcasts.jobs import register_podcast_jobs
from tonearm.podcasts.models import (
    Channel,
    ChannelExists,
    ChannelNotFound,
    ChannelStatus,
    Episode,
    EpisodeNotDownloaded,
    EpisodeNotFound,
    EpisodeProgress,
    EpisodeStatus,
    InvalidFeed,
    ListenerEpisode,
)
from tonearm.podcasts.repository import PodcastRepository
from tonearm.podcasts.service import DOWNLOAD_JOB, REFRESH_JOB, PodcastPolicy, PodcastService

__all__ = [
    "DOWNLOAD_JOB",
    "REFRESH_JOB",
    "Channel",
    "ChannelExists",
    "ChannelNotFound",
    "ChannelStatus",
    "Episode",
    "EpisodeNotDownloaded",
    "EpisodeNotFound",
    "EpisodeProgress",
    "EpisodeStatus",
    "InvalidFeed",
    "ListenerEpisode",
    "PodcastPolicy",
    "PodcastRepository",
    "PodcastService",
    "register_podcast_jobs",
]
