"""Typed request dependencies for route handlers: one per domain service, the settings,
the public base URL, and the signed-in user.

A router declares exactly what it uses (`catalog: CatalogDep`); each dependency reads one
field of the `Domains` the app attached at start-up (app.attach_runtime).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tonearm.analysis.mashups import MashupService
from tonearm.analysis.service import AnalysisService
from tonearm.analysis.similarity import SonicSimilarity
from tonearm.analysis.transitions import TransitionService
from tonearm.domains import DOMAIN_NAMES, Domains
from tonearm.errors import BadCredentials, PermissionDenied
from tonearm.health import SystemHealth
from tonearm.ingest.scans import ScanService
from tonearm.ingest.service import LibraryIngest
from tonearm.ingest.uploads import UploadService
from tonearm.jobs import JobService
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.info import MusicInfo
from tonearm.library.lyrics import LyricsService
from tonearm.library.related import RelatedMusic
from tonearm.library.search import LibrarySearch
from tonearm.library.stats import LibraryStats
from tonearm.library.trending import TrendingSongs
from tonearm.listening import ListeningService
from tonearm.listening.annotations import AnnotationService
from tonearm.listening.stars import StarService
from tonearm.playlists import PlaylistService
from tonearm.playlists.files import PlaylistFileService
from tonearm.playlists.smart import SmartPlaylistService
from tonearm.podcasts import PodcastService
from tonearm.radio import RadioService
from tonearm.resume import ResumeService
from tonearm.scrobbling import ScrobbleService
from tonearm.settings import Settings
from tonearm.sharing import ShareService
from tonearm.streaming import StreamService
from tonearm.streaming.covers import CoverArtService
from tonearm.streaming.on_demand import OnDemandRenditions
from tonearm.streaming.transcoding import TranscodeService
from tonearm.upkeep import StorageTiering
from tonearm.upkeep.overview import ServerStatus
from tonearm.users import AuthService, User, UserService
from tonearm.users.api_keys import ApiKeyService
from tonearm.users.avatars import AvatarService
from tonearm.users.sessions import CSRF_HEADER, SESSION_COOKIE


def app_domains(request: Request) -> Domains:
    """The domain services the app opened at start-up."""
    domains: Domains = request.app.state.domains
    return domains


def _domain(name: str) -> Callable[[Request], Any]:
    """A dependency giving the one domain service `name` (a field of Domains)."""
    if name not in DOMAIN_NAMES:
        raise ValueError(f"no domain service named {name!r}")

    def provide(request: Request) -> Any:
        return getattr(app_domains(request), name)

    provide.__name__ = f"get_{name}"
    return provide


def app_settings(request: Request) -> Settings:
    """The settings the app was started with."""
    settings: Settings = request.app.state.settings
    return settings


UsersDep = Annotated[UserService, Depends(_domain("users"))]
AuthDep = Annotated[AuthService, Depends(_domain("auth"))]
ApiKeysDep = Annotated[ApiKeyService, Depends(_domain("api_keys"))]
AvatarsDep = Annotated[AvatarService, Depends(_domain("avatars"))]
CatalogDep = Annotated[CatalogService, Depends(_domain("catalog"))]
FoldersDep = Annotated[MusicFolderService, Depends(_domain("folders"))]
SearchDep = Annotated[LibrarySearch, Depends(_domain("search"))]
RelatedDep = Annotated[RelatedMusic, Depends(_domain("related"))]
InfoDep = Annotated[MusicInfo, Depends(_domain("info"))]
LyricsDep = Annotated[LyricsService, Depends(_domain("lyrics"))]
StatsDep = Annotated[LibraryStats, Depends(_domain("stats"))]
TrendingDep = Annotated[TrendingSongs, Depends(_domain("trending"))]
UploadsDep = Annotated[UploadService, Depends(_domain("uploads"))]
ScansDep = Annotated[ScanService, Depends(_domain("scans"))]
IngestDep = Annotated[LibraryIngest, Depends(_domain("ingest"))]
StreamingDep = Annotated[StreamService, Depends(_domain("streaming"))]
TranscodingDep = Annotated[TranscodeService, Depends(_domain("transcoding"))]
CoversDep = Annotated[CoverArtService, Depends(_domain("covers"))]
OnDemandDep = Annotated[OnDemandRenditions, Depends(_domain("on_demand"))]
ListeningDep = Annotated[ListeningService, Depends(_domain("listening"))]
StarsDep = Annotated[StarService, Depends(_domain("stars"))]
AnnotationsDep = Annotated[AnnotationService, Depends(_domain("annotations"))]
PlaylistsDep = Annotated[PlaylistService, Depends(_domain("playlists"))]
SharingDep = Annotated[ShareService, Depends(_domain("sharing"))]
ResumeDep = Annotated[ResumeService, Depends(_domain("resume"))]
JobsDep = Annotated[JobService, Depends(_domain("jobs"))]
TieringDep = Annotated[StorageTiering, Depends(_domain("tiering"))]
HealthDep = Annotated[SystemHealth, Depends(_domain("health"))]
StatusDep = Annotated[ServerStatus, Depends(_domain("status"))]
PlaylistFilesDep = Annotated[PlaylistFileService, Depends(_domain("playlist_files"))]
ScrobblingDep = Annotated[ScrobbleService, Depends(_domain("scrobbling"))]
SmartPlaylistsDep = Annotated[SmartPlaylistService, Depends(_domain("smart_playlists"))]
RadioDep = Annotated[RadioService, Depends(_domain("radio"))]
SettingsDep = Annotated[Settings, Depends(app_settings)]
PodcastsDep = Annotated[PodcastService, Depends(_domain("podcasts"))]
AnalysisDep = Annotated[AnalysisService, Depends(_domain("analysis"))]
SonicDep = Annotated[SonicSimilarity, Depends(_domain("sonic"))]
TransitionsDep = Annotated[TransitionService, Depends(_domain("transitions"))]
MashupsDep = Annotated[MashupService, Depends(_domain("mashups"))]


def public_base_url(request: Request, configured: str | None) -> str:
    """Where clients reach this server: TONEARM_PUBLIC_URL, else the request's own base
    (no trailing slash). The REST API, the share page and Subsonic all use this one."""
    base = configured or str(request.base_url)
    return base.rstrip("/")


def public_base(request: Request, settings: SettingsDep) -> str:
    """The public base URL, as a dependency."""
    return public_base_url(request, settings.public_url)


PublicBase = Annotated[str, Depends(public_base)]


class RateWindow(Protocol):
    """One count against a limit: allowed or not, and when the window frees up."""

    @property
    def allowed(self) -> bool:
        """Whether this request is within the limit."""
        ...

    @property
    def reset_after_seconds(self) -> float:
        """Seconds until the oldest counted request leaves the window."""
        ...


class RateCounter(Protocol):
    """Sliding-window counters shared by every worker (the cache, attached at start-up)."""

    async def hit_rate_limit(self, key: str, limit: int, window_seconds: int) -> RateWindow:
        """Count one request under `key`."""
        ...


def rate_counter(request: Request) -> RateCounter:
    """The counters the app's rate limits use."""
    counter: RateCounter = request.app.state.rate_counter
    return counter


RateCounterDep = Annotated[RateCounter, Depends(rate_counter)]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


# Methods that cannot change anything; every other one needs the CSRF token with a cookie.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_current_user(
    request: Request,
    auth: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The signed-in user: a bearer access token, else the browser's session cookie.

    A request authenticated by the cookie that changes state must carry X-CSRF-Token.
    The session's id is left in `request.state.web_session_id` (None for bearer tokens).
    """
    request.state.web_session_id = None
    if credentials is not None:
        return await auth.user_for_access_token(credentials.credentials)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user, session_id = await auth.user_for_web_session(
            cookie,
            request.headers.get(CSRF_HEADER),
            changes_state=request.method not in SAFE_METHODS,
        )
        request.state.web_session_id = session_id
        return user
    raise BadCredentials("sign in first: Authorization: Bearer <access token>, or a session")


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    """The signed-in user, who must be an admin; 403 otherwise."""
    if not user.is_admin:
        raise PermissionDenied("only an admin can do this")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def _is_trusted(address: str, proxies: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def client_ip(request: Request) -> str:
    """The client's address: the direct peer, or — only when that peer is a trusted proxy
    (TONEARM_TRUSTED_PROXIES) — the nearest untrusted address in X-Forwarded-For."""
    peer = request.client.host if request.client else "unknown"
    settings: Settings | None = getattr(request.app.state, "settings", None)
    proxies: list[str] = settings.trusted_proxies if settings is not None else []
    if not proxies or not _is_trusted(peer, proxies):
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    # Read from the right: each trusted proxy appended the address it saw.
    for hop in reversed(forwarded):
        if not _is_trusted(hop, proxies):
            return hop
    return forwarded[0] if forwarded else peer


ClientIp = Annotated[str, Depends(client_ip)]
