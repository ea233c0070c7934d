"""Audio analysis over REST: a song's full analysis (`GET /api/songs/{id}/analysis`), the
summary song details carry (`analysis` in `GET /api/songs/{id}`), and the admin's counts
(`GET /api/admin/analysis`).

Tempo: `bpm` on a song is its file's BPM tag, kept as tagged; the analysed tempo is
`analysis.tempo_bpm`, separate (what similarity and transitions use).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tonearm.analysis.models import AnalysisStatus, FeaturesNotFound, StoredFeatures
from tonearm.analysis.service import AnalysisService
from tonearm.api.deps import AdminUser, AnalysisDep, CurrentUser
from tonearm.api.rest.errors import ErrorOut

router = APIRouter(tags=["analysis"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])

# Bounds of the lists (TONEARM_ANALYSIS_MAX_MINUTES is at most hours, and beats at 300 BPM
# for 6 h are 108,000): the document states them so clients can size buffers.
MAX_BEATS = 120_000
MAX_LOUDNESS_SECONDS = 6 * 3600 + 1

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(ge=0.0)]


class SongKeyOut(BaseModel):
    """A musical key: name, pitch class (C = 0), mode and Camelot notation."""

    name: str = Field(max_length=12, examples=["A minor"])
    pitch: int = Field(ge=0, le=11)
    mode: Literal["major", "minor"]
    camelot: str = Field(max_length=3, examples=["8A"])


class SongAnalysisOut(BaseModel):
    """A song's analysis at a glance (song details). `status` failed: `error` says why and
    every feature is null."""

    status: Literal["done", "failed"]
    error: str | None = Field(default=None, max_length=2000)
    analyzed_at: datetime
    tempo_bpm: float | None = Field(
        default=None, description="Analysed tempo (the file's BPM tag is the song's `bpm`)."
    )
    tempo_confidence: Unit | None = None
    key: SongKeyOut | None = None
    key_confidence: Unit | None = None
    energy: Unit | None = None
    danceability: Unit | None = None
    valence: Unit | None = Field(default=None, description="Higher: brighter, major-leaning.")
    intro_end: Seconds | None = Field(default=None, description="Where the music's body starts.")
    outro_start: Seconds | None = Field(default=None, description="Where it starts to end.")
    leading_silence: Seconds | None = None
    trailing_silence: Seconds | None = None

    @classmethod
    def from_domain(cls, stored: StoredFeatures) -> SongAnalysisOut:
        """From a song_features row."""
        features = stored.features
        if stored.status is not AnalysisStatus.DONE or features is None:
            return cls(status="failed", error=stored.error, analyzed_at=stored.analyzed_at)
        key = features.key
        return cls(
            status="done",
            analyzed_at=stored.analyzed_at,
            tempo_bpm=None if features.tempo_bpm is None else round(features.tempo_bpm, 2),
            tempo_confidence=_unit(features.tempo_confidence),
            key=None
            if key is None
            else SongKeyOut(
                name=key.name, pitch=key.pitch, mode=key.mode.value, camelot=key.camelot
            ),
            key_confidence=_unit(features.key_confidence),
            energy=_unit(features.energy),
            danceability=_unit(features.danceability),
            valence=_unit(features.valence),
            intro_end=max(0.0, round(features.intro_end, 3)),
            outro_start=max(0.0, round(features.outro_start, 3)),
            leading_silence=max(0.0, round(features.leading_silence, 3)),
            trailing_silence=max(0.0, round(features.trailing_silence, 3)),
        )


class SongAnalysisDetailOut(SongAnalysisOut):
    """A song's whole analysis but the similarity embedding: the summary plus the beat
    grid (seconds), metre, length analysed and the loudness contour (dB, one a second)."""

    analyzer_version: str = Field(max_length=100)
    duration: Seconds
    meter: int | None = Field(default=None, ge=1, le=16)
    beats: list[float] = Field(max_length=MAX_BEATS)
    loudness: list[float] = Field(max_length=MAX_LOUDNESS_SECONDS)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, round(value, 4)))


@router.get(
    "/songs/{song_id}/analysis",
    response_model=SongAnalysisDetailOut,
    responses={404: {"model": ErrorOut, "description": "Not analysed (yet), or it failed"}},
)
async def song_analysis(
    song_id: UUID, analysis: AnalysisDep, user: CurrentUser
) -> SongAnalysisDetailOut:
    """The song's analysis: tempo and beat grid, key, energy, intro/outro, loudness contour
    (not the embedding). 404 when the song was not analysed (yet) or its analysis failed."""
    try:
        stored = await analysis.get(song_id)
    except FeaturesNotFound:
        raise FeaturesNotFound(
            f"song {song_id} has not been analysed (yet): the server analyses songs in the "
            "background (`tonearm analyse` does it now)"
        ) from None
    features = stored.features
    if stored.status is not AnalysisStatus.DONE or features is None:
        raise FeaturesNotFound(f"the analysis of song {song_id} failed: {stored.error}")
    summary = SongAnalysisOut.from_domain(stored)
    return SongAnalysisDetailOut(
        **summary.model_dump(),
        analyzer_version=features.analyzer_version,
        duration=max(0.0, round(features.duration, 3)),
        meter=features.meter,
        beats=[round(b, 3) for b in features.beats[:MAX_BEATS]],
        loudness=[round(v, 2) for v in features.loudness[:MAX_LOUDNESS_SECONDS]],
    )


class AnalysisOverviewOut(BaseModel):
    """Whether analysis runs here (else why not) and how far the library is."""

    available: bool
    reason: str | None = Field(default=None, max_length=2000)
    analyzer_version: str | None = Field(default=None, max_length=100)
    done: int = Field(ge=0)
    failed: int = Field(ge=0)
    pending: int = Field(ge=0)


@admin_router.get("/analysis")
async def analysis_overview(analysis: AnalysisDep, admin: AdminUser) -> AnalysisOverviewOut:
    """Analysed, failed and pending songs for the current analyser (zeros when analysis is
    not installed or turned off: `reason` says which)."""
    overview = await analysis.status()
    counts = overview.counts
    return AnalysisOverviewOut(
        available=overview.available,
        reason=overview.reason,
        analyzer_version=overview.analyzer_version,
        done=counts.done if counts else 0,
        failed=counts.failed if counts else 0,
        pending=counts.pending if counts else 0,
    )


async def song_analysis_summary(analysis: AnalysisService, song_id: UUID) -> SongAnalysisOut | None:
    """The `analysis` object of song details (None when not analysed)."""
    try:
        return SongAnalysisOut.from_domain(await analysis.get(song_id))
    except FeaturesNotFound:
        return None
