"""Settings: TONEARM_* environment variables over an optional TOML file, validated, no I/O.

`load_settings()` is the one entry point the CLI uses; tests build `Settings(...)` directly.
A bad value becomes a single-line ConfigError naming the environment variable to fix.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tonearm.errors import ConfigError
from tonearm.ingest.models import RenditionKind
from tonearm.library.models import RenditionPolicy

ENV_PREFIX = "TONEARM_"
CONFIG_ENV = "TONEARM_CONFIG"

_DATABASE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "postgresql", "postgres", "postgresql+psycopg"}
_REDIS_SCHEMES = {"redis", "rediss"}


def env_name(field: str) -> str:
    """The environment variable that sets `field`, as named in error messages."""
    return f"{ENV_PREFIX}{field.upper()}"


def mask_url(url: str) -> str:
    """`url` with any password replaced by ***, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Settings(BaseSettings):
    """Everything tonearm can be told. Every field has a laptop-ready default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, frozen=True
    )

    data_dir: Path = Field(
        Path("tonearm-data"),
        description="Folder for the embedded database, objects, job queue and secret key.",
    )
    database_url: str | None = Field(
        None,
        description="sqlite:///path or postgresql://user:pass@host/db (Supabase works). "
        "Default: SQLite in the data directory.",
    )
    storage_url: str | None = Field(
        None,
        description="file:///path or s3://bucket/prefix. Default: the data directory's objects/.",
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint (R2: https://<account>.r2.cloudflarestorage.com)."
    )
    s3_region: str = Field("auto", description="S3 region; R2 uses 'auto'.")
    s3_access_key_id: str | None = Field(None, description="S3 access key id.")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret access key.")
    s3_multipart_threshold_bytes: int = Field(
        16 * 1024 * 1024, ge=5 * 1024 * 1024, description="Uploads above this use multipart."
    )
    cache_url: str = Field(
        "memory://", description="memory:// (in-process) or redis://… / rediss://… (Upstash)."
    )
    queue_url: str | None = Field(
        None,
        description="redis://… for `tonearm worker` processes; default: a SQLite job queue "
        "in the data directory, run inside `tonearm serve`.",
    )
    public_url: str | None = Field(
        None,
        description="Base URL clients use, sub-path allowed (https://example.org/music), "
        "when behind a reverse proxy.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key for signing tokens and URLs; default: generated once into the data "
        "directory.",
    )
    access_token_minutes: int = Field(
        15, ge=1, le=24 * 60, description="Lifetime of an API access token (JWT)."
    )
    refresh_token_days: int = Field(
        30, ge=1, le=365, description="Lifetime of a refresh token (each use rotates it)."
    )
    session_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Lifetime of a browser session cookie; it slides forward with use.",
    )
    stream_url_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Lifetime of a signed stream URL."
    )
    art_url_days: int = Field(
        7, ge=1, le=365, description="Lifetime of a signed cover-art URL (rounded to whole days)."
    )
    media_delivery: Literal["serve", "redirect", "accel", "edge"] = Field(
        "serve",
        description="How media bytes leave: serve (tonearm sends them; from S3 it proxies), "
        "redirect (S3: 307 to a presigned bucket URL), accel (nginx X-Accel-Redirect), "
        "edge (stream URLs nginx's secure_link checks and serves itself; see README).",
    )
    edge_prefix: str = Field(
        "/edge/",
        description="edge mode: public path of the edge-checked URLs; storage objects are at "
        "<prefix>store/<key>, in-place originals at <prefix>music/<n>/<path in folder n>.",
    )
    edge_secret: SecretStr | None = Field(
        None,
        description="edge mode: the secret shared with nginx's secure_link_md5 (16+ "
        "characters, no spaces, quotes or $); required in that mode.",
    )
    accel_prefix: str = Field(
        "/_tonearm/",
        description="accel mode: internal nginx location; storage objects are at "
        "<prefix>store/<key>, in-place originals at <prefix>music/<n>/<path in folder n>.",
    )
    edge_cache_min_plays: int = Field(
        0,
        ge=0,
        description="Songs with more plays get CDN-Cache-Control: public, max-age=86400 "
        "(a token-checking edge may cache them without the token); 0 = off. Typical: 1000.",
    )
    upload_max_bytes: int = Field(
        2 * 1024**3, ge=1, description="Largest file accepted by POST /api/songs (bytes)."
    )
    user_uploads: bool = Field(
        True, description="Let every signed-in user upload songs; false: admins only."
    )
    rate_limit_control_per_minute: int = Field(
        100,
        ge=1,
        description="Requests per minute per user (per IP when anonymous) on writes and "
        "expensive calls: sign-in, events, playlist changes, search, uploads.",
    )
    rate_limit_read_per_minute: int = Field(
        1000,
        ge=1,
        description="Requests per minute per user on library reads and stream-URL issue.",
    )
    rate_limit_subsonic_per_minute: int = Field(
        1000, ge=1, description="Requests per minute per user on the Subsonic API (/rest)."
    )
    subsonic_password_auth: bool = Field(
        True,
        description=(
            "Let Subsonic apps sign in with the account password (p=) or token (t= and s=). "
            "Token sign-in needs an encrypted copy of each password (made with the server "
            "key); false forgets every copy and requires API keys (apiKey=)."
        ),
    )
    subsonic_transcode_slots: int = Field(
        2,
        ge=1,
        le=32,
        description=(
            "How many on-the-fly ffmpeg transcodes the Subsonic stream may run at once "
            "(pre-encoded renditions are used whenever one fits)."
        ),
    )
    on_demand_encode_slots: int = Field(
        2,
        ge=1,
        le=32,
        description=(
            "How many renditions this process may encode at once on first request (the "
            "on_demand policy); with every slot busy, clients get the original meanwhile."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For is believed; from anyone else it is ignored.",
    )
    host: str = Field("127.0.0.1", description="Address `tonearm serve` binds to.")
    port: int = Field(8080, ge=1, le=65535, description="Port `tonearm serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe log level written."
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: console on a terminal, JSON otherwise."
    )
    jobs_in_process: bool | None = Field(
        None,
        description="Run jobs inside `tonearm serve`. Default: yes with the embedded queue, "
        "no with Redis (run `tonearm worker`).",
    )
    job_workers: int = Field(2, ge=1, le=64, description="Job worker threads per process.")
    job_lease_seconds: float = Field(
        60.0, gt=0, description="A running job not heard from for this long is run again."
    )
    job_sweep_interval_seconds: float = Field(
        10.0, gt=0, description="How often expired job leases and schedules are checked."
    )
    job_max_attempts: int = Field(5, ge=1, description="Attempts before a job is marked failed.")
    job_retry_base_seconds: float = Field(
        5.0, ge=0, description="First retry delay; doubles each attempt."
    )
    ffmpeg_path: Path | None = Field(
        None, description="ffmpeg binary; default: ffmpeg on PATH, else the imageio-ffmpeg one."
    )
    music_folders: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Music folders added at start (then kept in the database; see "
        "`tonearm folders`), separated by ':' (a TOML list in the file).",
    )
    folder_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders under which admins may add music folders from the web, "
        "separated by ':'; empty: only `tonearm folders add` can add them.",
    )
    scan_cron: str | None = Field(
        "15 * * * *",
        description="When the server rescans the music folders (cron, UTC); empty: never.",
    )
    popularity_cron: str = Field(
        "5 * * * *", description="When popularity scores and trending are recomputed (cron, UTC)."
    )
    popularity_window_days: int = Field(
        30, ge=1, le=365, description="Interactions older than this do not count for popularity."
    )
    popularity_half_life_days: float = Field(
        7.0, gt=0, description="An interaction's weight halves every this many days."
    )
    tiering_cron: str = Field(
        "0 2 * * 0", description="When storage tiering runs (cron, UTC; default Sunday 02:00)."
    )
    tiering_keep_all_above_plays: int = Field(
        50, ge=0, description="Songs with more counted plays in 30 days keep every rendition."
    )
    tiering_drop_medium_below_plays: int = Field(
        5,
        ge=0,
        description="Songs with fewer counted plays in 30 days keep only low, efficient and "
        "preview; between the two thresholds only high is dropped.",
    )
    tiering_spare_days: int = Field(
        30, ge=0, description="Songs added within this many days are never tiered."
    )
    tiering_url_settle_seconds: float = Field(
        1.0,
        ge=0,
        description="Pause between hiding a rendition and deleting its object, so a stream "
        "URL being signed at that moment is dropped from the cache too.",
    )
    cleanup_cron: str = Field(
        "30 3 * * 6", description="When the weekly cleanup runs (cron, UTC; default Sat 03:30)."
    )
    cleanup_orphan_grace_hours: float = Field(
        24.0, gt=0, description="Objects no song references are deleted once this old."
    )
    cleanup_upload_days: float = Field(
        7.0, gt=0, description="Uploads with no queued import are deleted once this old."
    )
    renditions: Annotated[list[RenditionKind], NoDecode] = Field(
        default_factory=lambda: list(RenditionKind),
        description="Renditions ingest makes, comma-separated: high, medium, low, "
        "efficient, preview.",
    )
    scan_renditions: RenditionPolicy = Field(
        RenditionPolicy.ON_DEMAND,
        description="When renditions of songs scanned in place are made: eager (in the "
        "background after the scan), on_demand (the first time a client asks for that "
        "quality) or off (clients get the original).",
    )
    import_renditions: RenditionPolicy = Field(
        RenditionPolicy.EAGER,
        description="When renditions of imported and uploaded songs are made (eager: before "
        "the song is listed; on_demand; off).",
    )
    enrich_jobs: int = Field(
        1,
        ge=1,
        le=16,
        description="Songs enriched at once in the background after a scan (each one "
        "ffmpeg process, at lowered CPU priority).",
    )
    enrich_cron: str | None = Field(
        "*/10 * * * *",
        description="When the server checks for songs still waiting for enrichment (cron, "
        "UTC); a scan that queues work starts enrichment at once as well. Empty: never.",
    )
    analysis: bool = Field(
        True,
        description="Audio analysis (tempo, key, energy, intro/outro, a similarity "
        "embedding) of every song; false: never.",
    )
    analysis_cron: str | None = Field(
        "40 * * * *",
        description="When the server analyses songs not analysed yet (cron, UTC): songs "
        "enriched before analysis was installed, imports, uploads. Empty: never.",
    )
    analysis_max_minutes: float = Field(
        30.0, gt=0, description="Longer songs are not analysed (recorded as failed)."
    )
    analysis_timeout_seconds: float = Field(
        300.0, gt=0, description="Wall-clock limit of one song's analysis."
    )
    import_jobs: int | None = Field(
        None, ge=1, le=64, description="Files ingested at once; default: the number of cores."
    )
    max_duration_seconds: float = Field(
        6 * 3600.0, gt=0, description="Longer files are refused (default 6 h)."
    )
    ffmpeg_timeout_seconds: float = Field(
        900.0, gt=0, description="Wall-clock limit of one ffmpeg run; a stuck file is stopped."
    )
    ffmpeg_memory_limit_mb: int = Field(
        2048, ge=64, description="Address-space limit of one ffmpeg run, in MiB."
    )
    listenbrainz_url: str = Field(
        "https://api.listenbrainz.org",
        description="ListenBrainz's API, where users' listens are sent (another server "
        "speaking its API works too).",
    )
    lastfm_api_key: str | None = Field(
        None,
        description="This server's Last.fm API key (https://www.last.fm/api/account/create); "
        "with TONEARM_LASTFM_SECRET, users can connect Last.fm.",
    )
    lastfm_secret: SecretStr | None = Field(
        None, description="The shared secret that comes with TONEARM_LASTFM_API_KEY."
    )
    lastfm_api_url: str = Field(
        "https://ws.audioscrobbler.com/2.0/", description="Last.fm's API endpoint."
    )
    lastfm_auth_url: str = Field(
        "https://www.last.fm/api/auth/",
        description="Last.fm's page where a user approves this server.",
    )
    fetch_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host names or networks (CIDR) podcast feeds and "
        "episodes may be fetched from although they are loopback or private (e.g. a feed "
        "server on the LAN); everything else on those networks is refused.",
    )
    podcast_refresh_cron: str | None = Field(
        "15 * * * *",
        description="When podcast feeds are refreshed and new episodes downloaded (cron, "
        "UTC); empty: only on request.",
    )
    transitions_top_pairs: int = Field(
        200,
        ge=0,
        le=10_000,
        description="How many of the most-played consecutive song pairs get a precomputed "
        "5-second transition (the nightly transitions job); 0: none.",
    )
    podcast_keep_episodes: int = Field(
        3,
        ge=0,
        le=1000,
        description="Newest episodes per channel downloaded automatically; older ones' files "
        "are removed at each refresh. 0: download only on request, remove nothing.",
    )
    podcast_episode_max_bytes: int = Field(
        500 * 1024 * 1024, ge=1024, description="Largest podcast episode downloaded, in bytes."
    )
    podcast_feed_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest podcast feed read, in bytes."
    )
    podcast_download_minutes: float = Field(
        60.0, gt=0, description="Longest one episode's download may take, in minutes."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then the environment, then the TOML file.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_trusted_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for entry in value:
                try:
                    ipaddress.ip_network(str(entry), strict=False)
                except ValueError:
                    raise ValueError(f"not an IP address or network: {entry!r}") from None
        return value

    @field_validator("music_folders", "folder_roots", mode="before")
    @classmethod
    def _split_music_folders(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator("renditions", mode="before")
    @classmethod
    def _split_renditions(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("popularity_cron", "tiering_cron", "cleanup_cron")
    @classmethod
    def _check_job_cron(cls, cron: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(cron):
            raise ValueError(f"not a cron expression: {cron!r}")
        return cron

    @field_validator("scan_cron", "enrich_cron", "analysis_cron")
    @classmethod
    def _check_scan_cron(cls, cron: str | None) -> str | None:
        if not cron:
            return None
        from croniter import croniter

        if not croniter.is_valid(cron):
            raise ValueError(f"not a cron expression: {cron!r}")
        return cron

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_fetch_allow(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("podcast_refresh_cron")
    @classmethod
    def _check_podcast_cron(cls, cron: str | None) -> str | None:
        if not cron:
            return None
        from croniter import croniter

        if not croniter.is_valid(cron):
            raise ValueError(f"not a cron expression: {cron!r}")
        return cron

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        scheme = urlsplit(url).scheme
        if scheme not in _DATABASE_SCHEMES:
            raise ValueError(f"unsupported scheme {scheme!r}: use sqlite:/// or postgresql://")
        return url

    @field_validator("storage_url")
    @classmethod
    def _check_storage_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme == "s3":
            if not parts.netloc:
                raise ValueError("s3:// needs a bucket: s3://bucket/prefix")
        elif parts.scheme != "file":
            raise ValueError(f"unsupported scheme {parts.scheme!r}: use file:// or s3://")
        return url

    @field_validator("cache_url")
    @classmethod
    def _check_cache_url(cls, url: str) -> str:
        scheme = urlsplit(url).scheme
        if scheme != "memory" and scheme not in _REDIS_SCHEMES:
            raise ValueError(f"unsupported scheme {scheme!r}: use memory:// or redis://")
        return url

    @field_validator("queue_url")
    @classmethod
    def _check_queue_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        scheme = urlsplit(url).scheme
        if scheme not in _REDIS_SCHEMES and scheme != "sqlite":
            raise ValueError(f"unsupported scheme {scheme!r}: use redis:// or sqlite:///path")
        return url

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://example.org/music")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _check_edge_secret(self) -> Settings:
        if self.media_delivery == "edge":
            secret = self.edge_secret.get_secret_value() if self.edge_secret else ""
            if len(secret) < 16 or any(c in secret for c in " \t\"'$;{}\\"):
                raise ValueError(
                    "media_delivery=edge needs TONEARM_EDGE_SECRET: 16+ characters, none of "
                    "space, quotes, $ ; { } or backslash (it goes into nginx's configuration)"
                )
        return self

    @model_validator(mode="after")
    def _check_s3_credentials(self) -> Settings:
        is_s3 = bool(self.storage_url) and urlsplit(self.storage_url or "").scheme == "s3"
        if is_s3 and bool(self.s3_access_key_id) != bool(self.s3_secret_access_key):
            raise ValueError("set both TONEARM_S3_ACCESS_KEY_ID and TONEARM_S3_SECRET_ACCESS_KEY")
        return self

    # Resolved values: what the adapters actually open.

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'tonearm.db').absolute()}"
        parts = urlsplit(self.database_url)
        scheme = {
            "sqlite": "sqlite+aiosqlite",
            "postgres": "postgresql+psycopg",
            "postgresql": "postgresql+psycopg",
        }.get(parts.scheme, parts.scheme)
        return urlunsplit(parts._replace(scheme=scheme))

    @property
    def is_embedded_database(self) -> bool:
        """True when the database is a SQLite file (upgraded automatically on open)."""
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_storage_url(self) -> str:
        """Where objects live: file:///abs/path or s3://bucket/prefix."""
        if self.storage_url is None:
            return (self.data_dir / "objects").absolute().as_uri()
        return self.storage_url

    @property
    def resolved_queue_url(self) -> str:
        """The job queue: sqlite:///abs/path (embedded) or redis://…."""
        if self.queue_url is None:
            return f"sqlite:///{(self.data_dir / 'queue.db').absolute()}"
        return self.queue_url

    @property
    def is_embedded_queue(self) -> bool:
        """True when jobs are kept in a local SQLite file."""
        return self.resolved_queue_url.startswith("sqlite")

    @property
    def effective_import_jobs(self) -> int:
        """Files ingested at once."""
        return self.import_jobs or os.cpu_count() or 1

    @property
    def temp_dir(self) -> Path:
        """Scratch space for ingest (stale leftovers are removed at start)."""
        return self.data_dir / "tmp"

    @property
    def public_path(self) -> str:
        """The sub-path tonearm is served under behind a proxy ("" at the root): the ASGI
        root_path, so generated links and the API docs point at the right place."""
        return urlsplit(self.public_url).path if self.public_url else ""

    @property
    def run_jobs_in_process(self) -> bool:
        """Whether `tonearm serve` also runs the job worker."""
        if self.jobs_in_process is not None:
            return self.jobs_in_process
        return self.is_embedded_queue

    def public_view(self) -> dict[str, Any]:
        """Every setting with its effective value, secrets masked: what `config show` prints."""
        view: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "***" if value.get_secret_value() else ""
            elif isinstance(value, str) and "://" in value:
                value = mask_url(value)
            elif isinstance(value, Path):
                value = str(value)
            view[env_name(name)] = value
        view["(database)"] = mask_url(self.resolved_database_url)
        view["(storage)"] = mask_url(self.resolved_storage_url)
        view["(queue)"] = mask_url(self.resolved_queue_url)
        return view


def describe_validation_error(error: ValidationError) -> str:
    """One line naming the first bad setting and what is wrong with it."""
    first = error.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if part != "__root__"]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if not location:
        return message
    return f"{env_name(location[0])}: {message}"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment and an optional TOML file.

    The file is `config_file`, else $TONEARM_CONFIG, else none. Raises ConfigError with one
    line naming the setting when a value is wrong or the file cannot be read.
    """
    path = config_file or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is not None and not path.is_file():
        raise ConfigError(CONFIG_ENV, f"no such file: {path}")

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return FileSettings(**overrides)
    except ValidationError as error:
        line = describe_validation_error(error)
        setting, _, reason = line.partition(": ")
        raise ConfigError(setting, reason) from None
    except ValueError as error:  # malformed TOML
        raise ConfigError(CONFIG_ENV, f"{path}: {error}") from None


def export_config_file(path: Path | None) -> None:
    """Put the config file's path in the environment, for child processes (uvicorn workers)."""
    if path is not None:
        os.environ[CONFIG_ENV] = str(path.absolute())


__all__ = ["Settings", "env_name", "export_config_file", "load_settings", "mask_url"]
