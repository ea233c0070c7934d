"""Precomputed transitions: a few seconds of the end of one song mixed into the start of
the next, rendered once for the pairs people play one after the other most.

`plan_transition` decides where each song is cut and whether the pair is beat-matched
(tempos within ±8 % and keys compatible on the Camelot wheel: B's head is time-stretched to
A's tempo and its first beat laid on one of A's); the renderer (adapters/ffmpeg/
transitions.py) mixes it; `TransitionService.run` renders the top pairs from listening
history into the object store (`transitions/{from}/{to}.mp3`), skipping pairs already
rendered for the same analysis, so a stopped run resumes where it was.

The player plays A until `from_start`, then the transition, then B from `to_resume`.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from uuid import UUID

from tonearm.adapters.storage.base import ObjectNotFound, ObjectStore
from tonearm.analysis.models import AnalysisStatus, SongFeatures
from tonearm.analysis.repository import FeatureRepository
from tonearm.errors import NotFound, TonearmError

log = logging.getLogger(__name__)

TRANSITION_SECONDS = 5.0
# Beat-match only when B needs stretching by at most this much (further sounds wrong).
TEMPO_TOLERANCE = 0.08
TRANSITION_CONTENT_TYPE = "audio/mpeg"


@dataclass(frozen=True, slots=True)
class TransitionPlan:
    """Where a transition cuts its two songs (seconds of each song's own timeline).

    from_start: A plays until here, then the transition (which begins with A from here);
    to_start: where B's head begins inside the transition; to_resume: where B carries on
    after it (to_start + seconds × tempo_ratio); tempo_ratio: the `atempo` factor applied to
    B's head (A's tempo / B's tempo; 1.0 when not beat-matched).
    """

    from_start: float
    to_start: float
    to_resume: float
    seconds: float
    beat_matched: bool
    tempo_ratio: float


def beat_matchable(a: SongFeatures, b: SongFeatures) -> bool:
    """Tempos within ±8 % of each other, both with a beat grid, keys Camelot-compatible."""
    if not a.tempo_bpm or not b.tempo_bpm or not a.beats or not b.beats:
        return False
    if abs(a.tempo_bpm / b.tempo_bpm - 1.0) > TEMPO_TOLERANCE:
        return False
    return a.key is not None and b.key is not None and a.key.compatible_with(b.key)


def _music_end(features: SongFeatures) -> float:
    return max(0.0, features.duration - features.trailing_silence)


def plan_transition(
    a: SongFeatures, b: SongFeatures, seconds: float = TRANSITION_SECONDS
) -> TransitionPlan:
    """Cut points for a `seconds`-long transition from A into B.

    A's part starts where its outro starts, or earlier if the outro leaves less than
    `seconds` of music before the trailing silence; B's part starts where its music starts
    (leading silence skipped). Beat-matched pairs move both cut points onto beats: A's to
    the last beat at or before that point, B's to its first beat in the music, so the two
    grids coincide from the transition's first sample.
    """
    a_end = _music_end(a)
    from_start = max(0.0, min(a.outro_start, a_end - seconds))
    to_start = max(0.0, b.leading_silence)
    ratio = 1.0
    matched = beat_matchable(a, b)
    if matched:
        assert a.tempo_bpm and b.tempo_bpm  # beat_matchable checked them
        ratio = a.tempo_bpm / b.tempo_bpm
        # A's cut moves back at most one beat: a grid that stops earlier does not reach it.
        period = 60.0 / a.tempo_bpm
        a_beats = [t for t in a.beats if from_start - period * 1.01 <= t <= from_start + 1e-6]
        b_beats = [t for t in b.beats if t >= to_start - 1e-6]
        if a_beats and b_beats:
            from_start = a_beats[-1]
            to_start = b_beats[0]
        else:
            matched, ratio = False, 1.0
    to_resume = min(b.duration, to_start + seconds * ratio)
    return TransitionPlan(
        from_start=round(from_start, 3),
        to_start=round(to_start, 3),
        to_resume=round(to_resume, 3),
        seconds=seconds,
        beat_matched=matched,
        tempo_ratio=round(ratio, 5),
    )


def transition_key(from_song_id: UUID, to_song_id: UUID) -> str:
    """Where a transition's audio is kept in the object store."""
    return f"transitions/{from_song_id}/{to_song_id}.mp3"


@dataclass(frozen=True, slots=True)
class SongPair:
    """Two songs played one right after the other in a listening session, and how often."""

    from_song_id: UUID
    to_song_id: UUID
    plays: int


@dataclass(frozen=True, slots=True)
class Transition:
    """A rendered transition (a `transitions` row)."""

    from_song_id: UUID
    to_song_id: UUID
    storage_key: str
    duration_ms: int
    beat_matched: bool
    analyzer_version: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedTransition:
    """A rendered transition with its cut points (what the player needs)."""

    transition: Transition
    plan: TransitionPlan


class TransitionRepository(Protocol):
    """The `transitions` table and the listening history it is chosen from."""

    async def popular_pairs(self, limit: int) -> Sequence[SongPair]:
        """The `limit` pairs most often played consecutively (same user, same session,
        neither play rejected), most played first; both songs listed."""
        ...

    async def get(self, from_song_id: UUID, to_song_id: UUID) -> Transition | None:
        """The pair's transition, if rendered."""
        ...

    async def find(
        self, from_song_id: UUID | None, to_song_id: UUID | None, limit: int
    ) -> Sequence[Transition]:
        """Transitions out of `from_song_id` and/or into `to_song_id` (None: any)."""
        ...

    async def put(self, transition: Transition) -> None:
        """Insert or replace the pair's row."""
        ...


class TransitionRenderer(Protocol):
    """Mixes a transition. Implemented in adapters/ffmpeg/transitions.py."""

    async def render(
        self,
        from_input: str,
        to_input: str,
        plan: TransitionPlan,
        output: Path,
    ) -> None:
        """Write the transition as MP3 at `output`; inputs are paths or URLs ffmpeg reads."""
        ...


# Where ffmpeg reads a song: a local path or a (presigned) URL.
SongInput = Callable[[UUID], Awaitable[str]]


class TransitionUnavailable(TonearmError):
    """A pair cannot have a transition (a song is not analysed, or too short)."""


@dataclass(frozen=True, slots=True)
class TransitionRunReport:
    """What one run did: rendered now, already there, not possible (with reasons)."""

    rendered: int
    kept: int
    skipped: int


class TransitionService:
    """Renders transitions for popular pairs and lists them with their cut points."""

    def __init__(
        self,
        repository: TransitionRepository,
        features: FeatureRepository,
        store: ObjectStore,
        renderer: TransitionRenderer | None,
        song_input: SongInput | None,
        now: Callable[[], datetime],
        top_pairs: int = 200,
    ) -> None:
        self._top_pairs = top_pairs
        self._repository = repository
        self._features = features
        self._store = store
        self._renderer = renderer
        self._song_input = song_input
        self._now = now

    async def _plans(self, pairs: Collection[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], Plan]:
        ids = {song for pair in pairs for song in pair}
        stored = await self._features.get_many(ids)
        features = {
            song: row.features
            for song, row in stored.items()
            if row.status is AnalysisStatus.DONE and row.features is not None
        }
        plans: dict[tuple[UUID, UUID], Plan] = {}
        for a, b in pairs:
            fa, fb = features.get(a), features.get(b)
            if fa is None or fb is None:
                continue
            if _music_end(fa) < TRANSITION_SECONDS * 2 or _music_end(fb) < TRANSITION_SECONDS * 2:
                continue  # a song shorter than two transitions has no room for one
            plans[(a, b)] = Plan(plan_transition(fa, fb), _version(fa, fb))
        return plans

    async def run(self, limit: int | None = None) -> TransitionRunReport:
        """Render the top `limit` pairs (default: the configured number) that have no
        transition for their current analysis.

        Each pair is stored (object, then row) before the next starts: a run stopped
        half-way keeps what it rendered and the next one carries on.
        """
        if self._renderer is None or self._song_input is None:
            raise TransitionUnavailable("transitions need ffmpeg")
        pairs = await self._repository.popular_pairs(self._top_pairs if limit is None else limit)
        plans = await self._plans([(p.from_song_id, p.to_song_id) for p in pairs])
        rendered = kept = skipped = 0
        for pair in pairs:
            key = (pair.from_song_id, pair.to_song_id)
            planned = plans.get(key)
            if planned is None:
                skipped += 1
                continue
            existing = await self._repository.get(*key)
            if (
                existing is not None
                and existing.analyzer_version == planned.version
                and await self._exists(existing.storage_key)
            ):
                kept += 1
                continue
            try:
                await self._render(pair, planned)
            except TonearmError as error:
                log.warning("transition %s -> %s failed: %s", *key, error)
                skipped += 1
                continue
            rendered += 1
        return TransitionRunReport(rendered=rendered, kept=kept, skipped=skipped)

    async def _exists(self, storage_key: str) -> bool:
        try:
            await self._store.stat(storage_key)
        except ObjectNotFound:
            return False
        return True

    async def _render(self, pair: SongPair, planned: Plan) -> None:
        assert self._renderer is not None and self._song_input is not None
        from_input = await self._song_input(pair.from_song_id)
        to_input = await self._song_input(pair.to_song_id)
        storage_key = transition_key(pair.from_song_id, pair.to_song_id)
        with tempfile.TemporaryDirectory(prefix="tonearm-transition-") as directory:
            output = Path(directory) / "transition.mp3"
            await self._renderer.render(from_input, to_input, planned.plan, output)
            await self._store.put_file(storage_key, output, TRANSITION_CONTENT_TYPE)
        await self._repository.put(
            Transition(
                from_song_id=pair.from_song_id,
                to_song_id=pair.to_song_id,
                storage_key=storage_key,
                duration_ms=round(planned.plan.seconds * 1000),
                beat_matched=planned.plan.beat_matched,
                analyzer_version=planned.version,
                created_at=self._now(),
            )
        )

    async def listing(
        self, from_song_id: UUID | None, to_song_id: UUID | None, limit: int = 100
    ) -> list[PlannedTransition]:
        """Rendered transitions matching the filter whose songs' analysis is still the one
        they were rendered from (a re-analysed song's old transition no longer fits)."""
        found = await self._repository.find(from_song_id, to_song_id, limit)
        plans = await self._plans([(t.from_song_id, t.to_song_id) for t in found])
        listed = []
        for transition in found:
            planned = plans.get((transition.from_song_id, transition.to_song_id))
            if planned is not None and planned.version == transition.analyzer_version:
                listed.append(PlannedTransition(transition, planned.plan))
        return listed

    async def open_audio(self, from_song_id: UUID, to_song_id: UUID) -> ObjectInfoStream:
        """The stored audio of a listed transition; raises TransitionNotFound."""
        listed = await self.listing(from_song_id, to_song_id, limit=1)
        if not listed:
            raise TransitionNotFound(f"no transition from {from_song_id} to {to_song_id}")
        key = listed[0].transition.storage_key
        try:
            info = await self._store.stat(key)
        except ObjectNotFound:
            raise TransitionNotFound(f"no transition from {from_song_id} to {to_song_id}") from None
        return ObjectInfoStream(size=info.size_bytes, chunks=self._store.get_range(key))


@dataclass(frozen=True, slots=True)
class Plan:
    """A pair's plan and the analysis it was made from (both songs' analyser versions)."""

    plan: TransitionPlan
    version: str


@dataclass(frozen=True, slots=True)
class ObjectInfoStream:
    """A stored object's size and its bytes."""

    size: int
    chunks: AsyncIterator[bytes]


def _version(a: SongFeatures, b: SongFeatures) -> str:
    return a.analyzer_version if a.analyzer_version == b.analyzer_version else "mixed"


class TransitionNotFound(NotFound):
    """No rendered transition for that pair."""
