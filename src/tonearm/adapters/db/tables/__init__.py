"""The database schema as SQLAlchemy tables; Alembic migrations must match it exactly.

Portable across SQLite and PostgreSQL: `Uuid`, JSON (JSONB on PostgreSQL), timezone-aware
times stored as UTC, named constraints (so batch ALTERs on SQLite can find them).

One module per domain, all on one `metadata` (Alembic's env and the drift check read it
from here, so every module is imported below):

- base.py: the declarative base, its naming convention and the portable column types
- users.py: accounts, tokens, web sessions, Subsonic secrets, API keys, preferences
- library.py: artists, albums, songs and their links, genres, change log, aliases, folders
- search.py: song search's index tables and the full-text objects outside `metadata`
- renditions.py: encoded renditions and encode claims
- ingest.py: import failures, pending imports, enrichment
- listening.py: stars, listening events, ratings, now playing
- playlists.py, resume.py (bookmarks, play queues), sharing.py, jobs.py
- analysis.py: listening patterns, cached recommendations, audio features
- scrobbling.py: connections to ListenBrainz and Last.fm, the outbox of submissions
- radio.py: internet radio stations
- podcasts.py: podcast channels, episodes, listeners' progress
- mashups.py: users' mashups (two songs mixed into one stored MP3)
"""

from __future__ import annotations

from tonearm.adapters.db.tables.analysis import (
    ListeningPatternRow,
    RecommendationCacheRow,
    SongFeatureRow,
    TransitionRow,
)
from tonearm.adapters.db.tables.base import (
    NAMING_CONVENTION,
    AutoIncrementId,
    Base,
    PortableJSON,
    UTCDateTime,
    utc_now,
)
from tonearm.adapters.db.tables.ingest import (
    ENRICHMENT_STATES,
    ImportFailureRow,
    PendingImportRow,
    SongEnrichmentRow,
)
from tonearm.adapters.db.tables.jobs import (
    JOB_STATES,
    JobRunRow,
    JobScheduleRow,
)
from tonearm.adapters.db.tables.library import (
    AlbumRow,
    ArtistRow,
    ChangeLogRow,
    FolderCoverRow,
    GenreRow,
    MusicFolderRow,
    SongAliasRow,
    SongArtistRow,
    SongContributorRow,
    SongGenreRow,
    SongRow,
)
from tonearm.adapters.db.tables.listening import (
    INTERACTION_ACTIONS,
    PLAY_STATES,
    RATED_KINDS,
    STARRED_KINDS,
    NowPlayingRow,
    RatingRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.adapters.db.tables.mashups import MashupRow
from tonearm.adapters.db.tables.playlists import (
    PlaylistRow,
    PlaylistSongRow,
    SmartPlaylistRow,
)
from tonearm.adapters.db.tables.podcasts import (
    CHANNEL_STATES,
    EPISODE_STATES,
    PodcastChannelRow,
    PodcastEpisodeRow,
    PodcastProgressRow,
)
from tonearm.adapters.db.tables.radio import RadioStationRow
from tonearm.adapters.db.tables.renditions import (
    RenditionEncodeRow,
    RenditionRow,
)
from tonearm.adapters.db.tables.resume import (
    BookmarkRow,
    PlayQueueRow,
)
from tonearm.adapters.db.tables.scrobbling import (
    ScrobbleConnectionRow,
    ScrobbleOutboxRow,
)
from tonearm.adapters.db.tables.search import (
    UNMANAGED_COLUMNS,
    UNMANAGED_INDEXES,
    UNMANAGED_TABLE_PREFIXES,
    SearchTermKeyRow,
    SongSearchRow,
    include_schema_name,
)
from tonearm.adapters.db.tables.sharing import (
    SHARED_KINDS,
    ShareRow,
    ShareSongRow,
)
from tonearm.adapters.db.tables.users import (
    ApiKeyRow,
    RefreshTokenRow,
    SubsonicSecretRow,
    UserPreferencesRow,
    UserRow,
    WebSessionRow,
)

metadata = Base.metadata

__all__ = [
    "CHANNEL_STATES",
    "ENRICHMENT_STATES",
    "EPISODE_STATES",
    "INTERACTION_ACTIONS",
    "JOB_STATES",
    "NAMING_CONVENTION",
    "PLAY_STATES",
    "RATED_KINDS",
    "SHARED_KINDS",
    "STARRED_KINDS",
    "UNMANAGED_COLUMNS",
    "UNMANAGED_INDEXES",
    "UNMANAGED_TABLE_PREFIXES",
    "AlbumRow",
    "ApiKeyRow",
    "ArtistRow",
    "AutoIncrementId",
    "Base",
    "BookmarkRow",
    "ChangeLogRow",
    "FolderCoverRow",
    "GenreRow",
    "ImportFailureRow",
    "JobRunRow",
    "JobScheduleRow",
    "ListeningPatternRow",
    "MashupRow",
    "MusicFolderRow",
    "NowPlayingRow",
    "PendingImportRow",
    "PlayQueueRow",
    "PlaylistRow",
    "PlaylistSongRow",
    "PodcastChannelRow",
    "PodcastEpisodeRow",
    "PodcastProgressRow",
    "PortableJSON",
    "RadioStationRow",
    "RatingRow",
    "RecommendationCacheRow",
    "RefreshTokenRow",
    "RenditionEncodeRow",
    "RenditionRow",
    "ScrobbleConnectionRow",
    "ScrobbleOutboxRow",
    "SearchTermKeyRow",
    "ShareRow",
    "ShareSongRow",
    "SmartPlaylistRow",
    "SongAliasRow",
    "SongArtistRow",
    "SongContributorRow",
    "SongEnrichmentRow",
    "SongFeatureRow",
    "SongGenreRow",
    "SongRow",
    "SongSearchRow",
    "StarredItemRow",
    "SubsonicSecretRow",
    "TransitionRow",
    "UTCDateTime",
    "UserInteractionRow",
    "UserPreferencesRow",
    "UserRow",
    "WebSessionRow",
    "include_schema_name",
    "metadata",
    "utc_now",
]
