"""AnalysisService: analyse songs' audio and keep the results (`song_features`).

Two ways in. Enrichment decodes a new song once and hands the analysis PCM it wrote on the
side to `analyse_decoded` (no second decode). Everything else (songs enriched before
analysis was on, imports, `tonearm analyse`, the `analysis.run` job) goes through `run`,
which decodes each pending song's best source (SongAudio) and analyses it.

`run` is resumable by construction: it walks `pending(ANALYZER_VERSION)` (songs with no row
for this analyser version) in id order, and every song ends with a row (features, or the
reason it failed), so a process killed half-way leaves the songs it finished done and the
next run starts at the first one it did not.

The analyser (`analysis/analyser.py`, numpy only: part of the base install) is imported on
first use. Each analysis runs on one dedicated worker thread (one at a time per
process: CPU and memory stay bounded; the PCM of a song is capped at `max_seconds`), and a
song whose analysis runs past `timeout_seconds` is recorded as failed (the thread finishes
its work in the background, and the next song waits for it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import structlog

from tonearm.analysis.models import ANALYSIS_SAMPLE_RATE, SongFeatures, StoredFeatures
from tonearm.analysis.repository import AnalysisCounts, FeatureRepository
from tonearm.errors import TonearmError, Unavailable

if TYPE_CHECKING:
    import numpy

log = structlog.get_logger(__name__)

NOT_INSTALLED = "analysis is not available: its analyser (numpy) could not be imported"
TURNED_OFF = "analysis is turned off (TONEARM_ANALYSIS=false)"
_BYTES_PER_SAMPLE = 4  # float32


class AnalysisUnavailable(Unavailable):
    """Analysis cannot run here: the extra is not installed, or it is turned off."""


class AudioUnavailable(TonearmError):
    """A song's audio could not be decoded for analysis (the message says why)."""


class SongAudio(Protocol):
    """Decodes a song's best source (original in place, else a stored rendition) to
    analysis PCM: mono float32 little-endian at ANALYSIS_SAMPLE_RATE, headerless."""

    async def decode(self, song_id: UUID, dest: Path, max_seconds: float) -> None:
        """Write at most `max_seconds` of the song's PCM to `dest`; raises AudioUnavailable."""
        ...


class Analyser(Protocol):
    """`analyse_pcm` (analysis/analyser.py) and its version."""

    @property
    def version(self) -> str:
        """ANALYZER_VERSION: results of another version are analysed again."""
        ...

    def __call__(self, samples: numpy.ndarray, sample_rate: int) -> SongFeatures: ...


@dataclass(frozen=True, slots=True)
class _LoadedAnalyser:
    version: str
    analyse: Callable[[Any, int], SongFeatures]

    def __call__(self, samples: numpy.ndarray, sample_rate: int) -> SongFeatures:
        return self.analyse(samples, sample_rate)


def load_analyser() -> Analyser:
    """Import the analyser (the `analysis` extra); raises AnalysisUnavailable when missing."""
    try:
        from tonearm.analysis.analyser import ANALYZER_VERSION, analyse_pcm
    except ImportError as error:
        raise AnalysisUnavailable(f"{NOT_INSTALLED}: {error}") from None
    return _LoadedAnalyser(ANALYZER_VERSION, analyse_pcm)


@dataclass(frozen=True, slots=True)
class AnalysisPolicy:
    """TONEARM_ANALYSIS and the bounds of one song's analysis."""

    enabled: bool = True
    max_seconds: float = 30 * 60  # longer (a DJ mix, an audiobook): failed with the reason
    timeout_seconds: float = 300.0
    decode_timeout_seconds: float = 600.0
    batch: int = 50


@dataclass(frozen=True, slots=True)
class AnalysisOverview:
    """What the admin screen and `tonearm analyse` show."""

    available: bool
    reason: str | None  # why not, when not available
    analyzer_version: str | None
    counts: AnalysisCounts | None  # None when the analyser (hence its version) is missing


class AnalysisReporter(Protocol):
    """Told about each song as a run goes (the CLI draws a bar from it)."""

    def song_finished(self, song_id: UUID, outcome: str, reason: str | None) -> None:
        """One song: 'done' or 'failed' (with the reason)."""
        ...


@dataclass
class AnalysisSummary:
    """What a run did."""

    done: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """A JSON-able form (job results)."""
        return {
            "done": self.done,
            "failed": self.failed,
            "failures": [{"song": s, "reason": r} for s, r in self.failures[:50]],
        }


class AnalysisService:
    """Analyse songs (one at a time per process), store the features, say how far it is."""

    def __init__(
        self,
        features: FeatureRepository,
        audio: SongAudio,
        clock: Callable[[], datetime],
        *,
        policy: AnalysisPolicy | None = None,
        temp_dir: Path | None = None,
        analyser: Callable[[], Analyser] = load_analyser,
    ) -> None:
        self._features = features
        self._audio = audio
        self._clock = clock
        self.policy = policy or AnalysisPolicy()
        self._temp_dir = temp_dir
        self._load = analyser
        self._analyser: Analyser | None = None
        self._unavailable: str | None = None if self.policy.enabled else TURNED_OFF
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None

    # Availability -------------------------------------------------------------------

    def analyser(self) -> Analyser:
        """The analyser, imported on first use (blocking: async callers use `ready`); raises AnalysisUnavailable."""
        if self._analyser is not None:
            return self._analyser
        if self._unavailable is not None:
            raise AnalysisUnavailable(self._unavailable)
        try:
            self._analyser = self._load()
        except AnalysisUnavailable as error:
            self._unavailable = str(error)
            raise
        return self._analyser

    async def ready(self) -> Analyser:
        """The analyser, imported off the event loop the first time; raises
        AnalysisUnavailable."""
        if self._analyser is not None:
            return self._analyser
        if self._unavailable is not None:
            raise AnalysisUnavailable(self._unavailable)
        return await asyncio.to_thread(self.analyser)

    async def wants_pcm(self) -> bool:
        """Whether enrichment should decode the analysis PCM on the side: turned on and
        installed (asked once, then remembered)."""
        try:
            await self.ready()
        except AnalysisUnavailable:
            return False
        return True

    async def status(self) -> AnalysisOverview:
        """Available or why not; done / failed / pending for the current analyser."""
        try:
            version = (await self.ready()).version
        except AnalysisUnavailable as error:
            return AnalysisOverview(False, str(error), None, None)
        return AnalysisOverview(True, None, version, await self._features.counts(version))

    # Reading ------------------------------------------------------------------------

    async def get(self, song_id: UUID) -> StoredFeatures:
        """The song's analysis row; raises FeaturesNotFound."""
        return await self._features.get(song_id)

    async def get_many(self, song_ids: Collection[UUID]) -> dict[UUID, StoredFeatures]:
        """Rows of the songs that have one."""
        return await self._features.get_many(song_ids)

    # Analysing ----------------------------------------------------------------------

    async def analyse_decoded(self, song_id: UUID, pcm: Path) -> str:
        """Analyse PCM the enrichment decode wrote; 'done' or 'failed' (recorded either
        way). Never raises for the song's sake: enrichment goes on."""
        try:
            outcome, _ = await self._analyse_file(song_id, pcm)
        except AnalysisUnavailable:
            return "unavailable"
        return outcome

    async def analyse_song(self, song_id: UUID) -> tuple[str, str | None]:
        """Decode the song's best source and analyse it: ('done', None) or ('failed',
        reason). Raises AnalysisUnavailable."""
        await self.ready()
        with self._scratch() as pcm:
            try:
                await self._audio.decode(song_id, pcm, self.policy.max_seconds)
            except AudioUnavailable as error:
                return await self._fail(song_id, f"could not decode the audio: {error}")
            return await self._analyse_file(song_id, pcm)

    async def run(
        self, *, again: bool = False, reporter: AnalysisReporter | None = None
    ) -> AnalysisSummary:
        """Analyse every pending song (with `again`: forget every result first, so all are
        analysed anew). Raises AnalysisUnavailable."""
        version = (await self.ready()).version
        if again:
            await self._features.forget()
        summary = AnalysisSummary()
        after: UUID | None = None
        while batch := await self._features.pending(version, self.policy.batch, after):
            for song_id in batch:
                outcome, reason = await self.analyse_song(song_id)
                if outcome == "done":
                    summary.done += 1
                else:
                    summary.failed += 1
                    summary.failures.append((str(song_id), reason or ""))
                if reporter is not None:
                    reporter.song_finished(song_id, outcome, reason)
            after = batch[-1]
        return summary

    async def forget(self, song_ids: Collection[UUID] | None = None) -> None:
        """Drop results (of these songs, or all) so the next run analyses them again."""
        await self._features.forget(song_ids)

    async def close(self) -> None:
        """Let the worker thread go (a running analysis finishes on its own)."""
        if self._thread is not None:
            self._thread.shutdown(wait=False, cancel_futures=True)
            self._thread = None

    # Inside -------------------------------------------------------------------------

    async def _analyse_file(self, song_id: UUID, pcm: Path) -> tuple[str, str | None]:
        analyser = await self.ready()
        policy = self.policy
        size = await asyncio.to_thread(lambda: pcm.stat().st_size if pcm.exists() else 0)
        if size < _BYTES_PER_SAMPLE * ANALYSIS_SAMPLE_RATE // 10:
            return await self._fail(song_id, "no audio decoded (shorter than 0.1 s)")
        limit_bytes = int(policy.max_seconds * ANALYSIS_SAMPLE_RATE) * _BYTES_PER_SAMPLE
        if size >= limit_bytes:
            minutes = policy.max_seconds / 60
            return await self._fail(
                song_id,
                f"longer than the {minutes:g} min analysis limit "
                "(TONEARM_ANALYSIS_MAX_MINUTES): not analysed",
            )
        if self._thread is None:
            self._thread = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="tonearm-analysis"
            )
        future = asyncio.get_running_loop().run_in_executor(
            self._thread, _analyse_pcm_file, analyser, pcm
        )
        try:
            features = await asyncio.wait_for(future, policy.timeout_seconds)
        except TimeoutError:
            return await self._fail(
                song_id,
                f"analysis took longer than {policy.timeout_seconds:g} s "
                "(TONEARM_ANALYSIS_TIMEOUT_SECONDS) and was abandoned",
            )
        except MemoryError:
            return await self._fail(song_id, "analysis ran out of memory")
        except Exception as error:  # the analyser's bug must not stop the run
            log.exception("analysis.crashed", song_id=str(song_id))
            return await self._fail(song_id, f"analyser error ({type(error).__name__}: {error})")
        await self._features.put(song_id, features, self._clock())
        return "done", None

    async def _fail(self, song_id: UUID, reason: str) -> tuple[str, str | None]:
        version = (await self.ready()).version
        await self._features.put_failure(song_id, version, reason, self._clock())
        log.warning("analysis.failed", song_id=str(song_id), reason=reason)
        return "failed", reason

    @contextlib.contextmanager
    def _scratch(self) -> Any:
        directory = self._temp_dir
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="tonearm-analysis-", suffix=".f32", dir=directory)
        os.close(handle)
        try:
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


def _analyse_pcm_file(analyser: Analyser, pcm: Path) -> SongFeatures:
    import numpy

    samples = numpy.fromfile(pcm, dtype="<f4")
    return analyser(samples, ANALYSIS_SAMPLE_RATE)
