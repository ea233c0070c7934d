"""The composition root: builds adapters and services from Settings, and the ASGI app.

The only module (with cli/) that names concrete adapters.
"""

from __future__ import annotations

import asyncio
import fcntl
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname
from uuid import UUID

from tonearm import __version__
from tonearm.adapters.cache import Cache, open_cache
from tonearm.adapters.db import (
    Database,
    SqlCatalog,
    SqlJobLedger,
    SqlListeningRepository,
    SqlMediaCatalog,
    SqlPlaylistRepository,
    SqlRefreshTokenRepository,
    SqlSongRepository,
    SqlSongSearch,
    SqlUserRepository,
    SqlWebSessionRepository,
)
from tonearm.adapters.db.annotations import SqlAnnotationRepository
from tonearm.adapters.db.encode_claims import SqlEncodeClaims
from tonearm.adapters.db.enrichment import SqlEnrichmentQueue
from tonearm.adapters.db.lyrics import SqlLyricsStore
from tonearm.adapters.db.music_folders import SqlMusicFolderRepository
from tonearm.adapters.db.pending_imports import SqlPendingImports
from tonearm.adapters.db.playlist_files import SqlScannedPlaylistRepository, SqlSongLocator
from tonearm.adapters.db.podcasts import SqlPodcastRepository
from tonearm.adapters.db.popularity_repository import SqlPopularityRepository
from tonearm.adapters.db.radio import SqlStationRepository
from tonearm.adapters.db.related_repository import SqlRelatedRepository
from tonearm.adapters.db.resume import SqlResumeRepository
from tonearm.adapters.db.scrobbling import SqlScrobbleRepository
from tonearm.adapters.db.sharing import SqlShareRepository
from tonearm.adapters.db.smart_playlists import SqlSmartPlaylistRepository
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.stars import SqlStarRepository
from tonearm.adapters.db.subsonic_auth import SqlApiKeyRepository, SqlSubsonicSecretRepository
from tonearm.adapters.db.tiering import SqlTieringRepository
from tonearm.adapters.db.transitions import SqlTransitionRepository
from tonearm.adapters.fetch.guarded import FetchPolicy, GuardedFetcher
from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.adapters.ffmpeg.analysis_pcm import SongPcmDecoder
from tonearm.adapters.ffmpeg.on_demand import FFmpegRenditionEncoder
from tonearm.adapters.ffmpeg.transcode import FFmpegTranscoder
from tonearm.adapters.ffmpeg.transitions import FFmpegTransitionRenderer
from tonearm.adapters.icy import IcyTitleReader
from tonearm.adapters.media.avatars import render_avatar_png
from tonearm.adapters.media.identity import file_identity
from tonearm.adapters.queue import JobQueue, open_job_queue
from tonearm.adapters.storage import ObjectStore, open_object_store
from tonearm.adapters.storage.files import LocalFileReader
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.analysis.jobs import register_analysis_jobs
from tonearm.analysis.mashup_jobs import register_mashup_jobs
from tonearm.analysis.mashups import MashupRenderer, MashupService
from tonearm.analysis.service import AnalysisPolicy, AnalysisService
from tonearm.analysis.similarity import SonicSimilarity
from tonearm.analysis.transition_jobs import register_transition_jobs
from tonearm.analysis.transitions import TransitionService, TransitionUnavailable
from tonearm.domains import Domains
from tonearm.errors import ConfigError, TonearmError
from tonearm.health import ComponentHealth, SystemHealth
from tonearm.ingest.jobs import queue_pending_imports, register_ingest_jobs
from tonearm.ingest.models import RenditionKind
from tonearm.ingest.pipeline import IngestLimits, IngestPipeline
from tonearm.ingest.scans import ScanService
from tonearm.ingest.service import LibraryIngest
from tonearm.ingest.uploads import UploadService
from tonearm.jobs import JobRegistry, JobService, JobWorker, register_builtin_jobs
from tonearm.jobs.builtin import KEEP_RUNS_PER_JOB
from tonearm.jobs.service import Clock, utc_clock
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.info import MusicInfo
from tonearm.library.lyrics import LyricsService
from tonearm.library.models import RenditionPolicy
from tonearm.library.paths import text_to_path
from tonearm.library.popularity import PopularityPolicy, PopularityRefresh
from tonearm.library.related import RelatedMusic
from tonearm.library.search import LibrarySearch
from tonearm.library.stats import LibraryStats
from tonearm.library.trending import TrendingSongs
from tonearm.listening import ListeningService
from tonearm.listening.annotations import AnnotationService
from tonearm.listening.jobs import register_listening_jobs
from tonearm.listening.stars import StarService
from tonearm.playlists import PlaylistService
from tonearm.playlists.files import PlaylistFileService
from tonearm.playlists.smart import SmartPlaylistService
from tonearm.podcasts import PodcastPolicy, PodcastService, register_podcast_jobs
from tonearm.radio import RadioService
from tonearm.resume import ResumeService
from tonearm.scrobbling import (
    ScrobbleClient,
    ScrobbleService,
    ScrobbleTarget,
    register_scrobbling_jobs,
)
from tonearm.settings import Settings
from tonearm.sharing import ShareService
from tonearm.streaming import (
    MediaTokens,
    StreamingPolicy,
    StreamService,
)
from tonearm.streaming.covers import CoverArtService
from tonearm.streaming.delivery import StreamRequest, choose_delivery
from tonearm.streaming.edge import EdgeLinks
from tonearm.streaming.on_demand import OnDemandRenditions
from tonearm.streaming.transcoding import TranscodeService, TranscodeSlots
from tonearm.upkeep import StorageTiering, TieringPolicy, register_upkeep_jobs
from tonearm.upkeep.cleanup import Cleanup, CleanupPolicy
from tonearm.upkeep.overview import ServerStatus
from tonearm.users import AccessTokens, AuthService, UserService
from tonearm.users.api_keys import ApiKeyService
from tonearm.users.avatars import AvatarService
from tonearm.users.subsonic import PasswordCopies, SubsonicAuth

if TYPE_CHECKING:
    # Imported where the ASGI app is built: the CLI's other commands start faster without it.
    from fastapi import FastAPI

    from tonearm.adapters.media.toolkit import FFmpegMediaTools

SECRET_KEY_FILE = "secret_key"
ENRICH_NICENESS = 10  # background enrichment's ffmpeg runs below requests' encodes
MIGRATION_LOCK_FILE = "migrate.lock"


def default_job_registry(settings: Settings | None = None) -> JobRegistry:
    """Every job tonearm ships; each domain registers its own (schedules from settings)."""
    registry = JobRegistry()
    register_builtin_jobs(registry)
    register_ingest_jobs(
        registry,
        scan_cron=settings.scan_cron if settings else None,
        enrich_cron=settings.enrich_cron if settings else None,
    )
    register_listening_jobs(registry)
    if settings is None:
        register_upkeep_jobs(registry)
    else:
        register_upkeep_jobs(
            registry,
            popularity_cron=settings.popularity_cron,
            tiering_cron=settings.tiering_cron,
            cleanup_cron=settings.cleanup_cron,
        )
    register_scrobbling_jobs(registry)
    register_transition_jobs(registry)
    if settings is None:
        register_podcast_jobs(registry)
    else:
        register_podcast_jobs(registry, refresh_cron=settings.podcast_refresh_cron)
    register_analysis_jobs(registry, cron=settings.analysis_cron if settings else None)
    register_mashup_jobs(registry)
    return registry


def load_secret_key(settings: Settings) -> bytes:
    """TONEARM_SECRET_KEY, else a random key made once and kept in the data directory."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            with path.open("x", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip().encode()


@dataclass
class Runtime:
    """What one event loop opened: the adapters (connections, repositories that only this
    module, the CLI and tests touch) and the domain services built on them (`domains`,
    what the API and jobs receive)."""

    settings: Settings
    database: Database
    store: ObjectStore
    cache: Cache
    queue: JobQueue
    secret_key: bytes
    songs: SqlSongRepository
    pending_imports: SqlPendingImports
    domains: Domains
    clock: Clock = utc_clock
    _owns_queue: bool = field(default=True, repr=False)

    @property
    def enrichment_queue(self) -> SqlEnrichmentQueue:
        """Phase 2's queue (and phase 1's batched writes)."""
        return SqlEnrichmentQueue(self.database.sessions)

    async def close(self) -> None:
        """Close every connection this runtime opened."""
        await self.domains.on_demand.close()
        await self.domains.scrobbling.close()
        await self.domains.podcasts.close()
        await self.domains.analysis.close()
        await self.cache.close()
        await self.store.close()
        await self.database.close()
        if self._owns_queue:
            self.queue.close()


def build_ingest(
    settings: Settings,
    database: Database,
    store: ObjectStore,
    songs: SqlSongRepository,
    pending: SqlPendingImports,
    on_demand: OnDemandRenditions,
    analysis: AnalysisService | None = None,
) -> LibraryIngest:
    """The ingest entry points; raises FFmpegNotFound when no ffmpeg can be found."""
    limits = IngestLimits(frozenset(settings.renditions), settings.temp_dir)
    return LibraryIngest(
        IngestPipeline(
            songs, store, _media_tools(settings), limits, pending=pending, holder=on_demand
        ),
        songs,
        store,
        concurrency=settings.effective_import_jobs,
        temp_dir=settings.temp_dir,
        pending=pending,
        enrichment=SqlEnrichmentQueue(database.sessions),
        identify=file_identity,
        scan_pipeline=_scan_pipeline(settings, store, songs, on_demand),
        enrich_jobs=settings.enrich_jobs,
        analysis=analysis,
    )


def analysis_service(
    settings: Settings, database: Database, store: ObjectStore, clock: Clock
) -> AnalysisService:
    """Audio analysis: features in song_features, audio decoded by ffmpeg (found on first
    use) from the original or a stored rendition, the analyser imported on first use."""
    audio = SongPcmDecoder(
        lambda: find_ffmpeg(settings.ffmpeg_path),
        SqlMediaCatalog(database.sessions),
        store,
        limit_seconds=settings.ffmpeg_timeout_seconds,
        memory_limit_bytes=settings.ffmpeg_memory_limit_mb * 1024 * 1024,
        niceness=ENRICH_NICENESS,
    )
    return AnalysisService(
        SqlFeatureRepository(database.sessions),
        audio,
        clock,
        policy=AnalysisPolicy(
            enabled=settings.analysis,
            max_seconds=settings.analysis_max_minutes * 60,
            timeout_seconds=settings.analysis_timeout_seconds,
        ),
        temp_dir=settings.temp_dir,
    )


def _resize_cover(data: bytes, size_px: int) -> bytes:
    """Pillow's resize of stored cover art, Pillow loaded with the first cover resized."""
    from tonearm.adapters.media.images import resize_cover

    return resize_cover(data, size_px)


def _media_tools(settings: Settings, niceness: int = 0) -> FFmpegMediaTools:
    """ffmpeg, mutagen and Pillow for ingest, within the settings' limits (`niceness`:
    ffmpeg's CPU priority for background work). Imported here: numpy, mutagen and Pillow
    load only in a process that ingests."""
    from tonearm.adapters.media.toolkit import FFmpegMediaTools

    return FFmpegMediaTools(
        find_ffmpeg(settings.ffmpeg_path),
        max_duration_seconds=settings.max_duration_seconds,
        timeout_seconds=settings.ffmpeg_timeout_seconds,
        memory_limit_bytes=settings.ffmpeg_memory_limit_mb * 1024 * 1024,
        niceness=niceness,
    )


def _scan_pipeline(
    settings: Settings, store: ObjectStore, songs: SqlSongRepository, holder: OnDemandRenditions
) -> IngestPipeline:
    """The pipeline scanned songs are enriched with: background priority for ffmpeg,
    and the full renditions only when TONEARM_SCAN_RENDITIONS is eager."""
    kinds = frozenset(settings.renditions)
    if settings.scan_renditions is not RenditionPolicy.EAGER:
        kinds &= {RenditionKind.PREVIEW}  # the rest on demand (or never)
    return IngestPipeline(
        songs,
        store,
        _media_tools(settings, niceness=ENRICH_NICENESS),
        IngestLimits(kinds, settings.temp_dir),
        holder=holder,
    )


def storage_tiering(
    settings: Settings,
    database: Database,
    store: ObjectStore,
    streaming: StreamService,
    jobs: JobService,
    clock: Clock,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> StorageTiering:
    """Storage tiering over the database, store, streaming's URL cache and the job queue."""
    # Edge mode: URLs are checked without tonearm, so dropped bytes outlive them.
    keep_bytes = settings.stream_url_minutes * 60 if settings.media_delivery == "edge" else 0
    return StorageTiering(
        SqlTieringRepository(database.sessions),
        store,
        streaming.forget_urls,
        jobs,
        policy=TieringPolicy(
            drop_medium_below=settings.tiering_drop_medium_below_plays,
            keep_all_above=settings.tiering_keep_all_above_plays,
            spare_window=timedelta(days=settings.tiering_spare_days),
            url_settle_seconds=settings.tiering_url_settle_seconds,
            keep_bytes_seconds=keep_bytes,
            rendered_kinds=frozenset(kind.value for kind in settings.renditions),
        ),
        clock=clock,
        sleep=sleep,
    )


def health_checks(
    database: Database, store: ObjectStore, cache: Cache, queue: JobQueue
) -> dict[str, Callable[[], Awaitable[object]]]:
    """The checks `/api/health` and `tonearm doctor` run, by component."""
    return {
        "database": database.check,
        "storage": store.check,
        "cache": cache.check,
        "queue": lambda: asyncio.to_thread(queue.check),
    }


# Which setting to name when a component cannot be reached at start-up.
COMPONENT_SETTING = {
    "database": "TONEARM_DATABASE_URL",
    "storage": "TONEARM_STORAGE_URL",
    "cache": "TONEARM_CACHE_URL",
    "queue": "TONEARM_QUEUE_URL",
}


async def open_runtime(
    settings: Settings,
    *,
    registry: JobRegistry | None = None,
    queue: JobQueue | None = None,
    check: bool = True,
    migrate: bool = True,
    clock: Clock = utc_clock,
) -> Runtime:
    """Open every adapter and build the domain services on them.

    An embedded (SQLite) database is migrated to the newest schema first; PostgreSQL must
    already be (`tonearm db upgrade`). With `check`, every component is contacted once and
    the first that fails raises ConfigError naming its setting.
    """
    database = await open_database(settings, check=check, migrate=migrate)
    owns_queue = queue is None
    opened: list[Callable[[], Awaitable[None]]] = [database.close]
    try:
        store = open_object_store(
            settings.resolved_storage_url,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=(
                settings.s3_secret_access_key.get_secret_value()
                if settings.s3_secret_access_key
                else None
            ),
            multipart_threshold_bytes=settings.s3_multipart_threshold_bytes,
        )
        opened.append(store.close)
        cache = open_cache(settings.cache_url)
        opened.append(cache.close)
        queue = queue or open_job_queue(settings.resolved_queue_url)
        if check:
            await _check_or_config_error("storage", store.check)
            await _check_or_config_error("cache", cache.check)
            await _check_or_config_error("queue", lambda: asyncio.to_thread(queue.check))
    except BaseException:
        for close in reversed(opened):
            await close()
        if owns_queue and queue is not None:
            queue.close()
        raise
    jobs = JobService(
        SqlJobLedger(database.sessions),
        queue,
        registry or default_job_registry(settings),
        lease_seconds=settings.job_lease_seconds,
        default_max_attempts=settings.job_max_attempts,
        retry_base_seconds=settings.job_retry_base_seconds,
        clock=clock,
    )
    sessions = database.sessions
    user_repository = SqlUserRepository(sessions)
    users = UserService(user_repository)
    secret_key = load_secret_key(settings)
    auth = AuthService(
        users,
        user_repository,
        SqlRefreshTokenRepository(sessions),
        AccessTokens(secret_key, timedelta(minutes=settings.access_token_minutes)),
        cache,
        SqlWebSessionRepository(sessions),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
        session_ttl=timedelta(days=settings.session_days),
        clock=clock,
    )
    scrobbling = scrobble_service(settings, database, cache, secret_key, clock)
    listening = ListeningService(SqlListeningRepository(sessions), cache, clock, feed=scrobbling)
    share_rows = SqlShareRepository(sessions)
    songs = SqlSongRepository(sessions)
    pending = SqlPendingImports(sessions)
    folder_rows = SqlMusicFolderRepository(sessions)
    folders = music_folder_service(settings, folder_rows, songs, clock)
    streaming = StreamService(
        SqlMediaCatalog(sessions, row_reads=database.row_reads),
        store,
        LocalFileReader(),
        cache,
        MediaTokens(secret_key),
        policy=StreamingPolicy(
            url_ttl=timedelta(minutes=settings.stream_url_minutes),
            art_ttl=timedelta(days=settings.art_url_days),
            edge_cache_min_plays=settings.edge_cache_min_plays,
            scan_renditions=settings.scan_renditions,
            import_renditions=settings.import_renditions,
            made_kinds=frozenset(kind.value for kind in settings.renditions),
        ),
        preferences=listening,
        shares=share_rows,
        edge=edge_links(settings, folders),
        clock=clock,
    )
    api_keys = ApiKeyService(SqlApiKeyRepository(sessions), clock)
    password_copies = subsonic_password_copies(settings, database, secret_key, clock)
    users.on_password(password_copies.remember)
    if not password_copies.enabled:
        # Turned off: no encrypted copy may outlive the setting.
        await password_copies.forget_all()
    catalog = CatalogService(SqlCatalog(database.read_sessions), secret_key, folders=folder_rows)
    stats = LibraryStats(songs)
    related = RelatedMusic(SqlRelatedRepository(sessions))
    health = SystemHealth(health_checks(database, store, cache, queue))
    on_demand = on_demand_renditions(settings, database, store, songs, streaming, clock)
    smart_playlists = SmartPlaylistService(SqlSmartPlaylistRepository(sessions), clock)
    domains = Domains(
        users=users,
        auth=auth,
        api_keys=api_keys,
        subsonic_auth=SubsonicAuth(
            users, auth.verify_password, password_copies, api_keys, cache, secret_key
        ),
        avatars=AvatarService(users, render_avatar_png, cache),
        catalog=catalog,
        folders=folders,
        search=LibrarySearch(SqlSongSearch(sessions)),
        related=related,
        info=MusicInfo(catalog, related, streaming),
        lyrics=LyricsService(SqlLyricsStore(sessions), SqlSongSearch(sessions)),
        stats=stats,
        trending=TrendingSongs(catalog, cache),
        popularity=PopularityRefresh(
            SqlPopularityRepository(sessions),
            cache,
            PopularityPolicy(
                window_days=settings.popularity_window_days,
                half_life_days=settings.popularity_half_life_days,
            ),
            clock,
        ),
        uploads=UploadService(
            store,
            jobs,
            settings.temp_dir,
            settings.upload_max_bytes,
            user_uploads=settings.user_uploads,
        ),
        scans=ScanService(jobs, folders, catalog),
        streaming=streaming,
        transcoding=transcode_service(settings, streaming),
        covers=CoverArtService(streaming, cache, _resize_cover),
        on_demand=on_demand,
        listening=listening,
        stars=StarService(SqlStarRepository(sessions), clock, feed=scrobbling),
        annotations=AnnotationService(SqlAnnotationRepository(sessions), listening, clock),
        playlists=PlaylistService(
            SqlPlaylistRepository(sessions), clock=clock, before_read=smart_playlists.refresh_stale
        ),
        sharing=ShareService(share_rows, streaming, clock),
        resume=ResumeService(SqlResumeRepository(sessions), clock),
        jobs=jobs,
        tiering=storage_tiering(settings, database, store, streaming, jobs, clock),
        cleanup=Cleanup(
            store,
            songs,
            pending,
            jobs,
            auth,
            CleanupPolicy(
                orphan_grace=timedelta(hours=settings.cleanup_orphan_grace_hours),
                upload_age=timedelta(days=settings.cleanup_upload_days),
                temp_dir=settings.temp_dir,
                keep_runs_per_job=KEEP_RUNS_PER_JOB,
            ),
            clock,
        ),
        health=health,
        status=ServerStatus(health, users, stats, jobs, folders),
        # Its own PlaylistService (stateless: the same repository and clock as `playlists`).
        playlist_files=PlaylistFileService(
            PlaylistService(SqlPlaylistRepository(sessions), clock=clock),
            SqlSongLocator(sessions),
            SqlScannedPlaylistRepository(sessions),
            clock,
        ),
        scrobbling=scrobbling,
        radio=RadioService(SqlStationRepository(sessions), cache, IcyTitleReader(), clock),
        podcasts=podcast_service(settings, database, store, jobs, secret_key, clock),
        analysis=analysis_service(settings, database, store, clock),
        sonic=SonicSimilarity(SqlFeatureRepository(sessions), catalog),
        transitions=transition_service(settings, database, store, streaming, clock),
        mashups=mashup_service(settings, database, store, clock, secret_key),
        smart_playlists=smart_playlists,
        # Read when first used: a test may have put another on-demand service in place.
        make_ingest=lambda: build_ingest(
            settings, database, store, songs, pending, domains.on_demand, domains.analysis
        ),
    )
    runtime = Runtime(
        settings=settings,
        database=database,
        store=store,
        cache=cache,
        queue=queue,
        secret_key=secret_key,
        songs=songs,
        pending_imports=pending,
        domains=domains,
        clock=clock,
        _owns_queue=owns_queue,
    )
    if check and migrate:
        # A process's checked first opening (not a worker thread's, not doctor's): the
        # setting seeds the music folders kept in the database.
        try:
            await folders.seed(settings.music_folders)
        except BaseException:
            await runtime.close()
            raise
    return runtime


def scrobble_service(
    settings: Settings,
    database: Database,
    cache: Cache,
    secret_key: bytes,
    clock: Clock = utc_clock,
) -> ScrobbleService:
    """Scrobbling out, on one shared HTTP client; Last.fm only with an API key and secret."""
    from tonearm.adapters.sources.http import open_http_client
    from tonearm.adapters.sources.lastfm import LastfmClient
    from tonearm.adapters.sources.listenbrainz import ListenBrainzClient

    http = open_http_client()
    listenbrainz = ListenBrainzClient(http, settings.listenbrainz_url)
    clients: dict[ScrobbleTarget, ScrobbleClient] = {ScrobbleTarget.LISTENBRAINZ: listenbrainz}
    lastfm = None
    if settings.lastfm_api_key and settings.lastfm_secret is not None:
        lastfm = LastfmClient(
            http,
            settings.lastfm_api_key,
            settings.lastfm_secret.get_secret_value(),
            api_url=settings.lastfm_api_url,
            auth_url=settings.lastfm_auth_url,
        )
        clients[ScrobbleTarget.LASTFM] = lastfm
    return ScrobbleService(
        SqlScrobbleRepository(database.sessions),
        clients,
        cache,
        listenbrainz=listenbrainz,
        lastfm=lastfm,
        state_key=secret_key,
        clock=clock,
        on_close=http.aclose,
    )


def podcast_service(
    settings: Settings,
    database: Database,
    store: ObjectStore,
    jobs: JobService,
    secret_key: bytes,
    clock: Clock = utc_clock,
) -> PodcastService:
    """Podcasts, fetched through the guarded fetcher (no private addresses unless
    TONEARM_FETCH_ALLOW names them)."""
    fetcher = GuardedFetcher(
        FetchPolicy(
            allow=tuple(settings.fetch_allow),
            download_deadline_seconds=settings.podcast_download_minutes * 60,
        )
    )
    return PodcastService(
        SqlPodcastRepository(database.sessions),
        fetcher,
        store,
        jobs,
        MediaTokens(secret_key),
        PodcastPolicy(
            feed_max_bytes=settings.podcast_feed_max_bytes,
            episode_max_bytes=settings.podcast_episode_max_bytes,
            keep_episodes=settings.podcast_keep_episodes,
            url_ttl=timedelta(minutes=settings.stream_url_minutes),
        ),
        clock,
    )


def edge_links(settings: Settings, folders: MusicFolderService) -> EdgeLinks | None:
    """Edge mode's URL signer (objects in a bucket stay on /api/media); None otherwise."""
    if settings.media_delivery != "edge" or settings.edge_secret is None:
        return None
    return EdgeLinks(
        settings.edge_secret.get_secret_value(),
        settings.edge_prefix,
        folders,
        local_store=urlsplit(settings.resolved_storage_url).scheme == "file",
    )


def music_folder_service(
    settings: Settings,
    rows: SqlMusicFolderRepository,
    songs: SqlSongRepository,
    clock: Clock = utc_clock,
) -> MusicFolderService:
    """Music folders may not hold or lie inside the data directory or local storage."""
    protected = [settings.data_dir]
    storage = urlsplit(settings.resolved_storage_url)
    if storage.scheme == "file":
        protected.append(Path(url2pathname(storage.path)))
    return MusicFolderService(
        rows, songs, protected=protected, allowed_roots=settings.folder_roots, clock=clock
    )


def transition_service(
    settings: Settings,
    database: Database,
    store: ObjectStore,
    streaming: StreamService,
    clock: Clock = utc_clock,
) -> TransitionService:
    """Precomputed transitions: ffmpeg reads each song's original where it lies (a local
    path, a presigned bucket URL, or the file in a local object store)."""

    async def song_input(song_id: UUID) -> str:
        media = await streaming.song_media(song_id)
        source = choose_delivery(media, StreamRequest(format="raw")).source
        if source.path is not None:
            return str(text_to_path(source.path))
        url = await streaming.presigned_url(source, clock() + timedelta(hours=1))
        if url is not None:
            return url
        if source.storage_key is not None and isinstance(store, LocalObjectStore):
            return str(store.root / source.storage_key)
        raise TransitionUnavailable(f"song {song_id}: no original ffmpeg can read")

    renderer = FFmpegTransitionRenderer(
        settings.ffmpeg_path,
        settings.ffmpeg_timeout_seconds,
        settings.ffmpeg_memory_limit_mb << 20,
    )
    return TransitionService(
        SqlTransitionRepository(database.sessions),
        SqlFeatureRepository(database.sessions),
        store,
        renderer,
        song_input,
        clock,
        top_pairs=settings.transitions_top_pairs,
    )


def transcode_service(settings: Settings, streaming: StreamService) -> TranscodeService:
    """Subsonic streams: renditions when one fits, else ffmpeg, a bounded number at once."""
    transcoder = FFmpegTranscoder(settings.ffmpeg_path, settings.ffmpeg_timeout_seconds)
    return TranscodeService(
        streaming, lambda: transcoder, TranscodeSlots(settings.subsonic_transcode_slots)
    )


def on_demand_renditions(
    settings: Settings,
    database: Database,
    store: ObjectStore,
    songs: SqlSongRepository,
    streaming: StreamService,
    clock: Clock = utc_clock,
) -> OnDemandRenditions:
    """Renditions encoded on first request, claimed in the database so that every process
    (serve workers, job workers) makes each one once."""
    encoder = FFmpegRenditionEncoder(settings.ffmpeg_path, settings.ffmpeg_timeout_seconds)
    return OnDemandRenditions(
        SqlEncodeClaims(database.sessions),
        lambda: encoder,
        store,
        songs,
        streaming,
        settings.temp_dir,
        slots=settings.on_demand_encode_slots,
        clock=clock,
    )


def subsonic_password_copies(
    settings: Settings, database: Database, secret_key: bytes, clock: Clock = utc_clock
) -> PasswordCopies:
    """The encrypted password copies Subsonic token sign-in needs (the CLI wires them too,
    so an account made or changed there works with token sign-in at once)."""
    return PasswordCopies(
        SqlSubsonicSecretRepository(database.sessions),
        secret_key,
        enabled=settings.subsonic_password_auth,
        clock=clock,
    )


async def open_database(
    settings: Settings, *, check: bool = True, migrate: bool = True
) -> Database:
    """Open the database; with `migrate`, first bring an embedded SQLite file up to date.

    With `check`, an unreachable database or an outdated PostgreSQL schema raises
    ConfigError naming TONEARM_DATABASE_URL.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    try:
        if check:
            await _check_or_config_error("database", database.check)
        if database.is_sqlite and migrate:
            # Several processes starting at once on a new data directory must not run the
            # migrations side by side (the second would find half of the tables made).
            async with _file_lock(settings.data_dir / MIGRATION_LOCK_FILE):
                await database.upgrade()
        elif check:
            await _check_or_config_error("database", database.check_schema)
    except BaseException:
        await database.close()
        raise
    return database


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """An exclusive lock on `path` across processes, waited for in a thread."""
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _check_or_config_error(component: str, check: Callable[[], Awaitable[object]]) -> None:
    try:
        await check()
    except TonearmError as error:
        raise ConfigError(COMPONENT_SETTING[component], str(error)) from None


async def on_start(runtime: Runtime) -> None:
    """What every start of `serve` or `worker` does once its runtime is open: queue the
    job that finishes imports a killed process left pending (ingest/repair.py)."""
    await queue_pending_imports(runtime.domains.jobs, runtime.pending_imports, runtime.songs)


def build_job_worker(
    settings: Settings, queue: JobQueue, registry: JobRegistry | None = None
) -> JobWorker:
    """A JobWorker whose threads each open their own services on the shared queue."""
    registry = registry or default_job_registry(settings)

    async def open_thread_runtime() -> Runtime:
        # The process already checked and migrated everything before starting the worker.
        return await open_runtime(
            settings, registry=registry, queue=queue, check=False, migrate=False
        )

    return JobWorker(
        queue,
        open_thread_runtime,
        threads=settings.job_workers,
        sweep_interval_seconds=settings.job_sweep_interval_seconds,
    )


def attach_runtime(app: FastAPI, runtime: Runtime) -> None:
    """What the API reads from `app.state` (api/deps.py): the domain services, the settings,
    and the cache as the rate limiter's counter. Nothing else of the runtime is reachable."""
    app.state.domains = runtime.domains
    app.state.settings = runtime.settings
    app.state.rate_counter = runtime.cache


def create_app(
    settings: Settings,
    *,
    registry: JobRegistry | None = None,
    runtime: Runtime | None = None,
) -> FastAPI:
    """The ASGI application: REST API under /api, docs at /api/docs.

    Without `runtime` its lifespan opens one (and runs on_start); `serve` passes the one it
    opened and started on the same event loop. The app closes it when it stops.
    """

    from tonearm.api import TonearmAPI, build_api
    from tonearm.api.docs import docs_routes

    opened = runtime

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal opened
        if opened is None:
            runtime = await open_runtime(settings, registry=registry)
            await on_start(runtime)
        else:
            runtime, opened = opened, None  # used once: a second lifespan opens its own
        worker = None
        if settings.run_jobs_in_process:
            worker = build_job_worker(settings, runtime.queue, registry)
            worker.start()
        attach_runtime(app, runtime)
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            await runtime.close()

    app = TonearmAPI(
        title="tonearm",
        version=__version__,
        description="Self-hosted personal music streaming.",
        # Served from bundled assets (api/docs.py), not from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    build_api(app)
    app.router.routes[0:0] = docs_routes("/api/openapi.json", app.title)
    return app


def create_app_from_environment() -> FastAPI:
    """App factory for uvicorn's worker processes: settings from TONEARM_* and the file."""
    from tonearm.logging import configure_logging
    from tonearm.settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)


def ffmpeg_health(settings: Settings) -> ComponentHealth:
    """Whether an ffmpeg binary can be found (doctor runs it too)."""
    try:
        tool = find_ffmpeg(settings.ffmpeg_path)
    except TonearmError as error:
        return ComponentHealth(False, str(error), 0.0)
    return ComponentHealth(True, f"{tool.ffmpeg} ({tool.origin})", 0.0)


__all__ = [
    "Runtime",
    "attach_runtime",
    "build_job_worker",
    "create_app",
    "create_app_from_environment",
    "default_job_registry",
    "on_start",
    "open_database",
    "open_runtime",
    "subsonic_password_copies",
]


def mashup_service(
    settings: Settings, database: Database, store: ObjectStore, clock: Clock, secret_key: bytes
) -> MashupService:
    """Mashups on the database and store; ffmpeg (and Rubber Band's CLI) found on first use."""
    from tonearm.adapters.db.mashups import SqlMashupRepository
    from tonearm.adapters.db.song_features import SqlFeatureRepository

    def renderer() -> MashupRenderer:
        from tonearm.adapters.ffmpeg.mashups import FFmpegMashupRenderer, find_rubberband

        return FFmpegMashupRenderer(
            find_ffmpeg(settings.ffmpeg_path).ffmpeg,
            rubberband=find_rubberband(),
            limit_seconds=max(settings.ffmpeg_timeout_seconds, 300.0),
            niceness=ENRICH_NICENESS,
        )

    return MashupService(
        SqlMashupRepository(database.sessions),
        SqlFeatureRepository(database.sessions),
        store,
        renderer,
        settings.temp_dir,
        clock,
        MediaTokens(secret_key),
        timedelta(minutes=settings.stream_url_minutes),
    )
