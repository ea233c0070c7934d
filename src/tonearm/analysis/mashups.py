"""Mashups: a user's top songs of the last six months mixed two by two into stored MP3s.

A run reads the user's most played songs (counted plays over MASHUP_WINDOW), keeps those
analysed with a tempo, key and beat grid, chooses compatible pairs (mashup_pairs.py),
renders each (the renderer: stretch, align, EQ, mix, normalise, encode), stores it at
`mashups/{user_id}/{timestamp}.mp3` and records it with why the pair was chosen.

A mashup is not a song: it has no row in `songs`, so no library view, search, Subsonic
browse, sync feed or other user ever meets it. Its owner reads it through this service
(their "Mashups" list, and its audio), which asks for the owner on every call; anyone else
gets MashupNotFound, as for an id that does not exist.

Playing: a mashup's stream URL is a media token (streaming/tokens.py) of kind "mashup" for
its owner, as a podcast episode's is: an <audio> element or a Range request can send no
bearer header, and the token binds the mashup, its owner and an expiry. The owner's
"Mashups" playlist has a fixed id per owner (`playlist_id`), so Subsonic apps can list it
beside their playlists without it being one.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from uuid import UUID, uuid4, uuid5

import structlog

from tonearm.adapters.storage.base import ObjectStore
from tonearm.analysis.mashup_pairs import (
    MashupPair,
    PairReason,
    RenderPlan,
    TopSong,
    choose_pairs,
    mixable,
    plan_render,
)
from tonearm.analysis.models import AnalysisStatus
from tonearm.analysis.repository import FeatureRepository
from tonearm.errors import InvalidInput, NotFound
from tonearm.streaming.models import MediaSource
from tonearm.streaming.tokens import MediaGrant, MediaTokens

log = structlog.get_logger(__name__)

MASHUPS_PLAYLIST = "Mashups"
MASHUP_WINDOW = timedelta(days=183)  # "the last 6 months"
TOP_SONGS = 40  # the most played songs a run pairs from
DEFAULT_PAIRS = 3
MAX_PAIRS = 20
STORAGE_PREFIX = "mashups"
MEDIA_KIND = "mashup"  # a media token's kind: the mashup's MP3
MEDIA_PATH = "/api/mashups/media"
# The namespace of the owners' "Mashups" playlist ids (uuid5 of the owner's id): stable,
# distinct per owner, and never a real playlist's (those are uuid4).
_PLAYLIST_NAMESPACE = UUID("6d1f0c52-3b8e-4f57-9a55-6d6173687570")


@dataclass(frozen=True, slots=True)
class SongAudio:
    """Where a song's original is: a file read in place, or an object in the store."""

    song_id: UUID
    path: Path | None
    storage_key: str | None


@dataclass(frozen=True, slots=True)
class Mashup:
    """A stored mashup and why its pair was chosen."""

    id: UUID
    owner_id: UUID
    title: str
    lead_song_id: UUID
    under_song_id: UUID
    pair_key: str
    storage_key: str
    duration_ms: int
    size_bytes: int
    reason: PairReason
    created_at: datetime

    @property
    def why(self) -> str:
        """The reason as one line."""
        return self.reason.describe()


@dataclass(frozen=True, slots=True)
class MashupStream:
    """A signed URL (a path on the server) that plays the mashup until `expires_at`."""

    path: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RenderedAudio:
    """What the renderer wrote: an MP3 file and its length."""

    path: Path
    duration_ms: int


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """A run for one user: what it made, how many analysed top songs it paired from, and
    how many compatible pairs it left out because they were made before."""

    user_id: UUID
    made: list[Mashup] = field(default_factory=list)
    candidates: int = 0
    already_made: int = 0


class MashupNotFound(NotFound):
    """No such mashup for this user (another user's answers the same)."""


class MashupRepository(Protocol):
    """Mashup rows and the reads a run needs. Implemented in adapters/db/mashups.py."""

    async def top_songs(self, user_id: UUID, since: datetime, limit: int) -> Sequence[TopSong]:
        """The user's most played listed songs since `since` (counted plays), most first."""
        ...

    async def listeners(self, since: datetime) -> Sequence[UUID]:
        """Active users with counted plays since `since`."""
        ...

    async def song_audio(self, song_ids: Collection[UUID]) -> dict[UUID, SongAudio]:
        """Where each listed song's original is."""
        ...

    async def made_pairs(self, owner_id: UUID) -> set[str]:
        """The pair keys the user already has mashups of."""
        ...

    async def add(self, mashup: Mashup) -> bool:
        """Keep the mashup; False (nothing kept) when its pair is already there."""
        ...

    async def list(self, owner_id: UUID) -> list[Mashup]:
        """The owner's mashups, newest first."""
        ...

    async def get(self, owner_id: UUID, mashup_id: UUID) -> Mashup:
        """The owner's mashup; raises MashupNotFound (also for another user's)."""
        ...


class MashupRenderer(Protocol):
    """Mixes two audio files by a plan into a loudness-normalised MP3 (adapters/ffmpeg/mashups.py)."""

    @property
    def stretcher(self) -> str:
        """What time-stretches: 'rubberband' (the CLI) or 'atempo' (ffmpeg)."""
        ...

    async def render(self, lead: Path, under: Path, plan: RenderPlan, out: Path) -> RenderedAudio:
        """Write the mashup to `out`."""
        ...


class MashupService:
    """Generate a user's mashups, list them and read their audio, for their owner only."""

    def __init__(
        self,
        repository: MashupRepository,
        features: FeatureRepository,
        store: ObjectStore,
        make_renderer: Callable[[], MashupRenderer],
        temp_dir: Path,
        clock: Callable[[], datetime],
        tokens: MediaTokens,
        url_ttl: timedelta,
    ) -> None:
        self._repository = repository
        self._tokens = tokens
        self._url_ttl = url_ttl
        self._features = features
        self._store = store
        self._make_renderer = make_renderer
        self._renderer: MashupRenderer | None = None
        self._temp_dir = temp_dir
        self._clock = clock

    def _render_with(self) -> MashupRenderer:
        # Built on first use: a server without ffmpeg still lists and plays mashups.
        if self._renderer is None:
            self._renderer = self._make_renderer()
        return self._renderer

    async def listeners(self) -> Sequence[UUID]:
        """Users who played something in the window (whom the monthly run makes mashups for)."""
        return await self._repository.listeners(self._clock() - MASHUP_WINDOW)

    async def generate(self, user_id: UUID, pairs: int = DEFAULT_PAIRS) -> GenerationReport:
        """Make up to `pairs` new mashups from the user's top songs; a pair made before is
        not made again."""
        if not 1 <= pairs <= MAX_PAIRS:
            raise InvalidInput(f"pairs must be 1–{MAX_PAIRS}, got {pairs}")
        now = self._clock()
        top = await self._repository.top_songs(user_id, now - MASHUP_WINDOW, TOP_SONGS)
        stored = await self._features.get_many([song.song_id for song in top])
        candidates = []
        for song in top:
            row = stored.get(song.song_id)
            if row is None or row.status is not AnalysisStatus.DONE or row.features is None:
                continue
            if mixable(row.features):
                candidates.append((song, row.features))
        made = await self._repository.made_pairs(user_id)
        chosen, already = choose_pairs(candidates, pairs, made)
        report = GenerationReport(user_id, candidates=len(candidates), already_made=already)
        if not chosen:
            return report
        audio = await self._repository.song_audio(
            [s.song_id for pair in chosen for s in (pair.lead, pair.under)]
        )
        renderer = self._render_with()
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        for index, pair in enumerate(chosen):
            name = stamp if index == 0 else f"{stamp}-{index + 1}"
            key = f"{STORAGE_PREFIX}/{user_id}/{name}.mp3"
            mashup = await self._make(user_id, pair, audio, renderer, key, now)
            if mashup is not None:
                report.made.append(mashup)
        return report

    async def _make(
        self,
        user_id: UUID,
        pair: MashupPair,
        audio: dict[UUID, SongAudio],
        renderer: MashupRenderer,
        key: str,
        now: datetime,
    ) -> Mashup | None:
        lead, under = audio.get(pair.lead.song_id), audio.get(pair.under.song_id)
        if lead is None or under is None:
            return None  # removed since the plays were read
        plan = plan_render(pair)
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="mashup-", dir=self._temp_dir) as work:
            folder = Path(work)
            lead_file = await self._local(lead, folder / "lead")
            under_file = await self._local(under, folder / "under")
            rendered = await renderer.render(lead_file, under_file, plan, folder / "out.mp3")
            info = await self._store.put_file(key, rendered.path, "audio/mpeg")
        mashup = Mashup(
            id=uuid4(),
            owner_id=user_id,
            title=f"{pair.lead.label} × {pair.under.label}",
            lead_song_id=pair.lead.song_id,
            under_song_id=pair.under.song_id,
            pair_key=pair.key,
            storage_key=key,
            duration_ms=rendered.duration_ms,
            size_bytes=info.size_bytes,
            reason=pair.reason,
            created_at=now,
        )
        if not await self._repository.add(mashup):
            await self._store.delete(key)  # another run made this pair meanwhile
            return None
        log.info("mashups.made", user_id=str(user_id), key=key, stretcher=renderer.stretcher)
        return mashup

    async def _local(self, audio: SongAudio, target: Path) -> Path:
        """A file ffmpeg can read: the original in place, or a copy from the store."""
        if audio.path is not None:
            return audio.path
        assert audio.storage_key is not None
        with target.open("wb") as out:
            async for chunk in self._store.get_range(audio.storage_key):
                out.write(chunk)
        return target

    async def mashups(self, owner_id: UUID) -> list[Mashup]:
        """The owner's "Mashups" list, newest first."""
        return await self._repository.list(owner_id)

    async def get(self, owner_id: UUID, mashup_id: UUID) -> Mashup:
        """One of the owner's mashups; raises MashupNotFound."""
        return await self._repository.get(owner_id, mashup_id)

    async def audio(
        self, owner_id: UUID, mashup_id: UUID, start: int = 0, end: int | None = None
    ) -> tuple[Mashup, AsyncIterator[bytes]]:
        """The owner's mashup and its MP3 bytes `start`..`end` (inclusive); raises
        MashupNotFound for anyone else's."""
        mashup = await self._repository.get(owner_id, mashup_id)
        return mashup, self._store.get_range(mashup.storage_key, start, end)

    # Playing

    def stream(self, mashup: Mashup) -> MashupStream:
        """A signed URL that plays `mashup` for its owner (they alone are given one)."""
        expires_at = self._clock() + self._url_ttl
        grant = MediaGrant(
            song_id=mashup.id,
            kind=MEDIA_KIND,
            user_id=mashup.owner_id,
            expires_at=expires_at,
            edge_cacheable=False,
        )
        return MashupStream(f"{MEDIA_PATH}/{mashup.id}?t={self._tokens.sign(grant)}", expires_at)

    async def resolve_media(self, token: str, mashup_id: UUID) -> tuple[MediaSource, MediaGrant]:
        """Check a stream URL's token (BadCredentials) and find the mashup's MP3, still its
        owner's (MashupNotFound once deleted)."""
        grant = self._tokens.verify(token, mashup_id, MEDIA_KIND, self._clock())
        return await self.stream_source(grant.user_id, mashup_id), grant

    async def stream_source(self, owner_id: UUID, mashup_id: UUID) -> MediaSource:
        """The owner's mashup as a stored object (Subsonic stream/download); raises
        MashupNotFound for anyone else's."""
        mashup = await self._repository.get(owner_id, mashup_id)
        return MediaSource(
            song_id=mashup.id,
            kind=MEDIA_KIND,
            codec="mp3",
            bitrate_kbps=bitrate_kbps(mashup),
            size_bytes=mashup.size_bytes,
            modified_at=mashup.created_at,
            storage_key=mashup.storage_key,
            path=None,
        )

    def playlist_id(self, owner_id: UUID) -> UUID:
        """The id of the owner's "Mashups" playlist (Subsonic's getPlaylists)."""
        return uuid5(_PLAYLIST_NAMESPACE, str(owner_id))

    def now(self) -> datetime:
        """The service's clock (for cache headers)."""
        return self._clock()


def bitrate_kbps(mashup: Mashup) -> int | None:
    """The MP3's average bitrate, from its size and length."""
    if mashup.duration_ms <= 0:
        return None
    return max(1, round(mashup.size_bytes * 8 / mashup.duration_ms))
