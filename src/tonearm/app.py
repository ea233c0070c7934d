"""The composition root: builds adapters and services from Settings, and the ASGI app.

The only module (with cli/) that names concrete adapters.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

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
from tonearm.adapters.db.music_folders import SqlMusicFolderRepository
from tonearm.adapters.db.pending_imports import SqlPendingImports
from tonearm.adapters.db.popularity_repository import SqlPopularityRepository
from tonearm.adapters.db.related_repository import SqlRelatedRepository
from tonearm.adapters.db.resume import SqlResumeRepository
from tonearm.adapters.db.sharing import SqlShareRepository
from tonearm.adapters.db.subsonic_auth import SqlApiKeyRepository, SqlSubsonicSecretRepository
from tonearm.adapters.db.tiering import SqlTieringRepository
from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.adapters.ffmpeg.on_demand import FFmpegRenditionEncoder
from tonearm.adapters.ffmpeg.transcode import FFmpegTranscoder
from tonearm.adapters.media.avatars import render_avatar_png
from tonearm.adapters.media.identity import file_identity
from tonearm.adapters.media.images import resize_cover
from tonearm.adapters.media.toolkit import FFmpegMediaTools
from tonearm.adapters.queue import JobQueue, open_job_queue
from tonearm.adapters.storage import ObjectStore, open_object_store
from tonearm.adapters.storage.files import LocalFileReader
from tonearm.errors import ConfigError, TonearmError
from tonearm.health import ComponentHealth, check_components
from tonearm.ingest.jobs import queue_pending_imports, register_ingest_jobs
from tonearm.ingest.models import RenditionKind
from tonearm.ingest.pipeline import IngestLimits, IngestPipeline
from tonearm.ingest.service import LibraryIngest
from tonearm.ingest.uploads import UploadService
from tonearm.jobs import JobRegistry, JobService, JobWorker, register_builtin_jobs
from tonearm.jobs.service import Clock, utc_clock
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.lyrics import LyricsFinder
from tonearm.library.models import RenditionPolicy
from tonearm.library.related import RelatedMusic
from tonearm.library.search import SongSearch
from tonearm.listening import ListeningService
from tonearm.listening.annotations import AnnotationService
from tonearm.listening.jobs import register_listening_jobs
from tonearm.playlists import PlaylistService
from tonearm.resume import ResumeService
from tonearm.settings import Settings
from tonearm.sharing import ShareService
from tonearm.streaming import (
    MediaTokens,
    Quality,
    QualityPreferences,
    StreamingPolicy,
    StreamService,
)
from tonearm.streaming.covers import CoverArtService
from tonearm.streaming.on_demand import OnDemandRenditions
from tonearm.streaming.transcoding import TranscodeService, TranscodeSlots
from tonearm.upkeep import RERENDER_JOB, StorageTiering, TieringPolicy, register_upkeep_jobs
from tonearm.users import AccessTokens, AuthService, UserService
from tonearm.users.api_keys import ApiKeyService
from tonearm.users.avatars import AvatarService
from tonearm.users.subsonic import PasswordCopies, SubsonicAuth

if TYPE_CHECKING:
    # Imported where the ASGI app is built: the CLI's other commands start faster without it.
    from fastapi import FastAPI

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
class Services:
    """Everything a request handler, job or command needs, opened once per event loop."""

    settings: Settings
    database: Database
    store: ObjectStore
    cache: Cache
    queue: JobQueue
    users: UserService
    auth: AuthService
    jobs: JobService
    songs: SqlSongRepository
    streaming: StreamService
    uploads: UploadService
    playlists: PlaylistService
    search: SongSearch
    secret_key: bytes
    catalog: CatalogService
    listening: ListeningService
    popularity: SqlPopularityRepository
    tiering_repository: SqlTieringRepository
    api_keys: ApiKeyService
    subsonic_auth: SubsonicAuth
    transcoding: TranscodeService
    annotations: AnnotationService
    lyrics: LyricsFinder
    # Users' data (Subsonic step 3): bookmarks and queues, shares, related music, avatars.
    resume: ResumeService
    sharing: ShareService
    related: RelatedMusic
    avatars: AvatarService
    covers: CoverArtService
    pending_imports: SqlPendingImports
    folders: MusicFolderService
    # Renditions made on first request (the delivery model): one encode per rendition.
    on_demand: OnDemandRenditions
    clock: Clock = utc_clock
    _owns_queue: bool = field(default=True, repr=False)
    _ingest: LibraryIngest | None = field(default=None, repr=False)

    @property
    def ingest(self) -> LibraryIngest:
        """The ingest entry points; raises FFmpegNotFound when no ffmpeg can be found."""
        if self._ingest is None:
            settings = self.settings
            media = self._media_tools()
            limits = IngestLimits(frozenset(settings.renditions), settings.temp_dir)
            self._ingest = LibraryIngest(
                IngestPipeline(
                    self.songs,
                    self.store,
                    media,
                    limits,
                    pending=self.pending_imports,
                    claim=self._hold_renditions,
                ),
                self.songs,
                self.store,
                concurrency=settings.effective_import_jobs,
                temp_dir=settings.temp_dir,
                pending=self.pending_imports,
                enrichment=self.enrichment_queue,
                identify=file_identity,
                scan_pipeline=self._scan_pipeline(),
            )
        return self._ingest

    @property
    def enrichment_queue(self) -> SqlEnrichmentQueue:
        """Phase 2's queue (and phase 1's batched writes)."""
        return SqlEnrichmentQueue(self.database.sessions)

    def _media_tools(self, niceness: int = 0) -> FFmpegMediaTools:
        """ffmpeg, mutagen and Pillow for ingest, within the settings' limits (`niceness`:
        ffmpeg's CPU priority for background work)."""
        settings = self.settings
        return FFmpegMediaTools(
            find_ffmpeg(settings.ffmpeg_path),
            max_duration_seconds=settings.max_duration_seconds,
            timeout_seconds=settings.ffmpeg_timeout_seconds,
            memory_limit_bytes=settings.ffmpeg_memory_limit_mb * 1024 * 1024,
            niceness=niceness,
        )

    def _scan_pipeline(self) -> IngestPipeline:
        """The pipeline scanned songs are enriched with: background priority for ffmpeg,
        and the full renditions only when TONEARM_SCAN_RENDITIONS is eager."""
        settings = self.settings
        media = self._media_tools(niceness=ENRICH_NICENESS)
        kinds = frozenset(settings.renditions)
        if settings.scan_renditions is not RenditionPolicy.EAGER:
            kinds &= {RenditionKind.PREVIEW}  # the rest on demand (or never)
        return IngestPipeline(
            self.songs,
            self.store,
            media,
            IngestLimits(kinds, settings.temp_dir),
            claim=self._hold_renditions,
        )

    @contextlib.asynccontextmanager
    async def _hold_renditions(
        self, song_id: uuid.UUID, kinds: Sequence[RenditionKind]
    ) -> AsyncIterator[set[RenditionKind]]:
        """Ingest's claim on renditions it makes for a listed song (enrichment, re-rendering):
        the same claim an on-demand encode takes, so the two never make one rendition twice."""
        async with contextlib.AsyncExitStack() as stack:
            held = set()
            for kind in kinds:
                if await stack.enter_async_context(self.on_demand.hold(song_id, kind.value)):
                    held.add(kind)
            yield held

    @property
    def tiering(self) -> StorageTiering:
        """Storage tiering over this bundle's database, store, cache and job queue."""
        settings = self.settings

        async def enqueue_rerender(song_id: uuid.UUID, kinds: list[str]) -> None:
            await self.jobs.enqueue(RERENDER_JOB, {"song_id": str(song_id), "kinds": kinds})

        return StorageTiering(
            self.tiering_repository,
            self.store,
            self.streaming.forget_urls,
            enqueue_rerender,
            policy=TieringPolicy(
                drop_medium_below=settings.tiering_drop_medium_below_plays,
                keep_all_above=settings.tiering_keep_all_above_plays,
                spare_window=timedelta(days=settings.tiering_spare_days),
                url_settle_seconds=settings.tiering_url_settle_seconds,
                rendered_kinds=frozenset(kind.value for kind in settings.renditions),
            ),
            clock=self.clock,
        )

    def health_checks(self) -> dict[str, Callable[[], Awaitable[object]]]:
        """The checks `/api/health` and `tonearm doctor` run, by component."""
        return {
            "database": self.database.check,
            "storage": self.store.check,
            "cache": self.cache.check,
            "queue": lambda: asyncio.to_thread(self.queue.check),
        }

    async def health(self) -> dict[str, ComponentHealth]:
        """Each component's state."""
        return await check_components(self.health_checks())

    async def close(self) -> None:
        """Close every connection this set of services opened."""
        await self.on_demand.close()
        await self.cache.close()
        await self.store.close()
        await self.database.close()
        if self._owns_queue:
            self.queue.close()


# Which setting to name when a component cannot be reached at start-up.
COMPONENT_SETTING = {
    "database": "TONEARM_DATABASE_URL",
    "storage": "TONEARM_STORAGE_URL",
    "cache": "TONEARM_CACHE_URL",
    "queue": "TONEARM_QUEUE_URL",
}


async def open_services(
    settings: Settings,
    *,
    registry: JobRegistry | None = None,
    queue: JobQueue | None = None,
    check: bool = True,
    migrate: bool = True,
    clock: Clock = utc_clock,
) -> Services:
    """Open every adapter and build the services on them.

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
    user_repository = SqlUserRepository(database.sessions)
    users = UserService(user_repository)
    secret_key = load_secret_key(settings)
    auth = AuthService(
        users,
        user_repository,
        SqlRefreshTokenRepository(database.sessions),
        AccessTokens(secret_key, timedelta(minutes=settings.access_token_minutes)),
        cache,
        SqlWebSessionRepository(database.sessions),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
        session_ttl=timedelta(days=settings.session_days),
        clock=clock,
    )
    streaming = StreamService(
        SqlMediaCatalog(database.sessions),
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
        clock=clock,
    )
    listening = ListeningService(SqlListeningRepository(database.sessions), cache, clock)
    api_keys = ApiKeyService(SqlApiKeyRepository(database.sessions), clock)
    password_copies = subsonic_password_copies(settings, database, secret_key, clock)
    users.on_password(password_copies.remember)
    if not password_copies.enabled:
        # Turned off: no encrypted copy may outlive the setting.
        await password_copies.forget_all()
    subsonic_auth = SubsonicAuth(
        users, auth.verify_password, password_copies, api_keys, cache, secret_key
    )
    streaming.set_preferences_lookup(_quality_preferences(listening))
    sharing = ShareService(SqlShareRepository(database.sessions), streaming, clock)
    streaming.set_share_check(sharing.plays_song)
    songs = SqlSongRepository(database.sessions)
    folder_rows = SqlMusicFolderRepository(database.sessions)
    folders = music_folder_service(settings, folder_rows, songs, clock)
    services = Services(
        settings=settings,
        database=database,
        store=store,
        cache=cache,
        queue=queue,
        users=users,
        auth=auth,
        jobs=jobs,
        songs=songs,
        streaming=streaming,
        uploads=UploadService(store, jobs, settings.temp_dir, settings.upload_max_bytes),
        playlists=PlaylistService(SqlPlaylistRepository(database.sessions), clock=clock),
        catalog=CatalogService(SqlCatalog(database.sessions), secret_key, folders=folder_rows),
        secret_key=secret_key,
        listening=listening,
        search=SqlSongSearch(database.sessions),
        popularity=SqlPopularityRepository(database.sessions),
        tiering_repository=SqlTieringRepository(database.sessions),
        api_keys=api_keys,
        subsonic_auth=subsonic_auth,
        transcoding=transcode_service(settings, streaming),
        annotations=AnnotationService(SqlAnnotationRepository(database.sessions), listening, clock),
        lyrics=LyricsFinder(SqlSongSearch(database.sessions), _stored_lyrics(streaming)),
        resume=ResumeService(SqlResumeRepository(database.sessions), clock),
        sharing=sharing,
        related=RelatedMusic(SqlRelatedRepository(database.sessions)),
        avatars=AvatarService(users, render_avatar_png, cache),
        covers=CoverArtService(streaming, cache, resize_cover),
        pending_imports=SqlPendingImports(database.sessions),
        folders=folders,
        on_demand=on_demand_renditions(settings, database, store, songs, streaming, clock),
        clock=clock,
        _owns_queue=owns_queue,
    )
    if check and migrate:
        # A process's checked first opening (not a worker thread's, not doctor's): the
        # setting seeds the music folders kept in the database.
        try:
            await folders.seed(settings.music_folders)
        except BaseException:
            await services.close()
            raise
    return services


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


def _stored_lyrics(
    streaming: StreamService,
) -> Callable[[uuid.UUID], Awaitable[tuple[str | None, list[dict[str, Any]] | None]]]:
    """Lyrics come with a song's media (the library reads them through streaming)."""

    async def stored(song_id: uuid.UUID) -> tuple[str | None, list[dict[str, Any]] | None]:
        media = await streaming.song_media(song_id)
        return media.lyrics, media.synced_lyrics

    return stored


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


def _quality_preferences(
    listening: ListeningService,
) -> Callable[[uuid.UUID], Awaitable[QualityPreferences]]:
    """Streaming reads the quality part of a user's preferences from the listening domain."""

    async def lookup(user_id: uuid.UUID) -> QualityPreferences:
        preferences = await listening.preferences_for(user_id)
        return QualityPreferences(
            forced={network.value: Quality(q.value) for network, q in preferences.quality.items()},
            max_quality=Quality(preferences.max_quality.value) if preferences.max_quality else None,
            data_saver=preferences.data_saver,
        )

    return lookup


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


async def on_start(services: Services) -> None:
    """What every start of `serve` or `worker` does once its services are open: queue the
    job that finishes imports a killed process left pending (ingest/repair.py)."""
    await queue_pending_imports(services.jobs, services.pending_imports, services.songs)


def build_job_worker(
    settings: Settings, queue: JobQueue, registry: JobRegistry | None = None
) -> JobWorker:
    """A JobWorker whose threads each open their own services on the shared queue."""
    registry = registry or default_job_registry(settings)

    async def open_thread_services() -> Services:
        # The process already checked and migrated everything before starting the worker.
        return await open_services(
            settings, registry=registry, queue=queue, check=False, migrate=False
        )

    return JobWorker(
        queue,
        open_thread_services,
        threads=settings.job_workers,
        sweep_interval_seconds=settings.job_sweep_interval_seconds,
    )


def create_app(settings: Settings, *, registry: JobRegistry | None = None) -> FastAPI:
    """The ASGI application: REST API under /api, docs at /api/docs."""
    from fastapi import FastAPI

    from tonearm.api import build_api

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await open_services(settings, registry=registry)
        await on_start(services)
        worker = None
        if settings.run_jobs_in_process:
            worker = build_job_worker(settings, services.queue, registry)
            worker.start()
        app.state.services = services
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            await services.close()

    app = FastAPI(
        title="tonearm",
        version=__version__,
        description="Self-hosted personal music streaming.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    build_api(app)
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
    "Services",
    "build_job_worker",
    "create_app",
    "create_app_from_environment",
    "default_job_registry",
    "on_start",
    "open_database",
    "open_services",
    "subsonic_password_copies",
]
