"""The domain services one process runs, each typed by its class: what REST routers
(through `api/deps.py`), Subsonic handlers (by parameter name) and jobs (`JobContext.domains`)
receive. No repository, cache, store or database is here: those stay behind the services.

Built once per event loop by `tonearm.app.open_runtime` (the composition root).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tonearm.analysis.mashups import MashupService
from tonearm.analysis.service import AnalysisService
from tonearm.analysis.similarity import SonicSimilarity
from tonearm.analysis.transitions import TransitionService
from tonearm.health import SystemHealth
from tonearm.ingest.scans import ScanService
from tonearm.ingest.service import LibraryIngest
from tonearm.ingest.uploads import UploadService
from tonearm.jobs import JobService
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.info import MusicInfo
from tonearm.library.lyrics import LyricsService
from tonearm.library.popularity import PopularityRefresh
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
from tonearm.sharing import ShareService
from tonearm.streaming import StreamService
from tonearm.streaming.covers import CoverArtService
from tonearm.streaming.on_demand import OnDemandRenditions
from tonearm.streaming.transcoding import TranscodeService
from tonearm.upkeep import StorageTiering
from tonearm.upkeep.cleanup import Cleanup
from tonearm.upkeep.overview import ServerStatus
from tonearm.users import AuthService, UserService
from tonearm.users.api_keys import ApiKeyService
from tonearm.users.avatars import AvatarService
from tonearm.users.subsonic import SubsonicAuth


@dataclass(kw_only=True)
class Domains:
    """One field per domain service; a handler names the ones it needs."""

    # users/
    users: UserService
    auth: AuthService
    api_keys: ApiKeyService
    subsonic_auth: SubsonicAuth
    avatars: AvatarService
    # library/
    catalog: CatalogService
    folders: MusicFolderService
    search: LibrarySearch
    related: RelatedMusic
    info: MusicInfo
    lyrics: LyricsService
    stats: LibraryStats
    trending: TrendingSongs
    popularity: PopularityRefresh
    # ingest/
    uploads: UploadService
    scans: ScanService
    # streaming/
    streaming: StreamService
    transcoding: TranscodeService
    covers: CoverArtService
    on_demand: OnDemandRenditions
    # listening/, playlists/, sharing/, resume/
    listening: ListeningService
    stars: StarService
    annotations: AnnotationService
    playlists: PlaylistService
    sharing: ShareService
    resume: ResumeService
    # jobs/, upkeep/, health
    jobs: JobService
    tiering: StorageTiering
    cleanup: Cleanup
    health: SystemHealth
    status: ServerStatus
    # playlists/files/
    playlist_files: PlaylistFileService
    # scrobbling/
    scrobbling: ScrobbleService
    # radio/
    radio: RadioService
    # podcasts/
    podcasts: PodcastService
    # analysis/
    analysis: AnalysisService
    # analysis/similarity: nearest songs and sonic paths (a per-process index)
    sonic: SonicSimilarity
    # analysis/transitions.py
    transitions: TransitionService
    # analysis/ (mashups)
    mashups: MashupService
    # playlists/smart/
    smart_playlists: SmartPlaylistService
    # ingest needs ffmpeg: built on first use (FFmpegNotFound when there is none).
    make_ingest: Callable[[], LibraryIngest] = field(repr=False)
    _ingest: LibraryIngest | None = field(default=None, init=False, repr=False)

    @property
    def ingest(self) -> LibraryIngest:
        """The ingest entry points; raises FFmpegNotFound when no ffmpeg can be found."""
        if self._ingest is None:
            self._ingest = self.make_ingest()
        return self._ingest


# The names a Subsonic handler or a dependency may ask for.
DOMAIN_NAMES = frozenset(
    name for name in Domains.__dataclass_fields__ if not name.startswith(("_", "make_"))
) | {"ingest"}

__all__ = ["DOMAIN_NAMES", "Domains"]
