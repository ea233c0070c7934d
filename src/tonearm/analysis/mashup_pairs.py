"""Which of a user's top songs mix well, and how two of them are laid over each other.

Pure functions on analysed features (no I/O): `choose_pairs` keeps the pairs whose keys sit
together on the Camelot wheel and whose tempos meet within ±8% once one is counted at
half or double speed, the most played first; `plan_render` picks where each song starts
(on a downbeat of the lead after its intro, and in the under-layer's quietest stretch) and
how long the mashup runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tonearm.analysis.models import SongFeatures

# The under-layer is stretched to the lead's tempo; beyond ±8% stretching is audible.
TEMPO_TOLERANCE = 0.08
# A tempo counts at half or double speed too (a 70 BPM song sits under a 140 BPM one).
TEMPO_FACTORS = (1.0, 2.0, 0.5)
# At least this many beats, or the song has no grid to align on.
MIN_BEATS = 8
MASHUP_SECONDS = 90.0
# The under-layer: quieter and without its low end, so the two do not turn to mud.
UNDER_GAIN_DB = -5.0
UNDER_HIGHPASS_HZ = 250.0


@dataclass(frozen=True, slots=True)
class TopSong:
    """One of a user's most played songs over the window, with its play count."""

    song_id: UUID
    title: str
    artist: str | None
    plays: int

    @property
    def label(self) -> str:
        """'Artist – Title' (or the title alone)."""
        return f"{self.artist} – {self.title}" if self.artist else self.title


@dataclass(frozen=True, slots=True)
class PairReason:
    """Why a pair was chosen: its tempos (and the under-layer's stretch), keys and plays."""

    lead_bpm: float
    under_bpm: float
    tempo_factor: float  # the under-layer counted at this multiple of its tempo (1, 2, 0.5)
    stretch: float  # its speed change to reach the lead's tempo
    lead_key: str  # Camelot
    under_key: str
    lead_plays: int
    under_plays: int

    def describe(self) -> str:
        """One line a person reads."""
        counted = "" if self.tempo_factor == 1.0 else f" (counted ×{self.tempo_factor:g})"
        return (
            f"tempo {self.lead_bpm:.1f} BPM; the other at {self.under_bpm:.1f} BPM{counted} "
            f"stretched {100 * (self.stretch - 1):+.1f}%; keys {self.lead_key} and "
            f"{self.under_key} are Camelot-compatible; played {self.lead_plays} and "
            f"{self.under_plays} times in the last 6 months"
        )

    def to_json(self) -> dict[str, Any]:
        """What the mashup row keeps."""
        return {
            "lead_bpm": round(self.lead_bpm, 3),
            "under_bpm": round(self.under_bpm, 3),
            "tempo_factor": self.tempo_factor,
            "stretch": round(self.stretch, 5),
            "lead_key": self.lead_key,
            "under_key": self.under_key,
            "lead_plays": self.lead_plays,
            "under_plays": self.under_plays,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairReason:
        """Read back what `to_json` wrote."""
        return cls(
            lead_bpm=float(data["lead_bpm"]),
            under_bpm=float(data["under_bpm"]),
            tempo_factor=float(data["tempo_factor"]),
            stretch=float(data["stretch"]),
            lead_key=str(data["lead_key"]),
            under_key=str(data["under_key"]),
            lead_plays=int(data["lead_plays"]),
            under_plays=int(data["under_plays"]),
        )


@dataclass(frozen=True, slots=True)
class MashupPair:
    """Two songs to mix: the lead keeps its tempo, the under-layer is stretched to it."""

    lead: TopSong
    under: TopSong
    lead_features: SongFeatures
    under_features: SongFeatures
    reason: PairReason

    @property
    def key(self) -> str:
        """The pair whichever song leads: what keeps it from being made twice."""
        return pair_key(self.lead.song_id, self.under.song_id)


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """Where each song starts (seconds in its own audio), how long the mix runs, and what
    is done to the under-layer."""

    lead_start: float
    under_start: float
    duration: float  # of the mashup (the under-layer reads duration × stretch seconds)
    stretch: float
    under_gain_db: float = UNDER_GAIN_DB
    under_highpass_hz: float = UNDER_HIGHPASS_HZ


def pair_key(a: UUID, b: UUID) -> str:
    """The two ids sorted, joined by ':'."""
    first, second = sorted((str(a), str(b)))
    return f"{first}:{second}"


def tempo_match(lead_bpm: float, under_bpm: float) -> tuple[float, float] | None:
    """(factor, stretch) bringing `under_bpm` to `lead_bpm` within TEMPO_TOLERANCE, counting
    it at half or double speed if that is closer; None when no factor does."""
    best: tuple[float, float] | None = None
    for factor in TEMPO_FACTORS:
        stretch = lead_bpm / (under_bpm * factor)
        if abs(stretch - 1) <= TEMPO_TOLERANCE and (
            best is None or abs(stretch - 1) < abs(best[1] - 1)
        ):
            best = (factor, stretch)
    return best


def mixable(features: SongFeatures) -> bool:
    """A tempo, a key and a beat grid: what pairing and alignment need."""
    return (
        features.tempo_bpm is not None
        and features.key is not None
        and (len(features.beats) >= MIN_BEATS)
    )


def match(
    lead: TopSong, lead_features: SongFeatures, under: TopSong, under_features: SongFeatures
) -> MashupPair | None:
    """The pair when keys are Camelot-compatible and tempos meet; else None."""
    if not (mixable(lead_features) and mixable(under_features)):
        return None
    assert lead_features.key is not None and under_features.key is not None
    assert lead_features.tempo_bpm is not None and under_features.tempo_bpm is not None
    if not lead_features.key.compatible_with(under_features.key):
        return None
    tempo = tempo_match(lead_features.tempo_bpm, under_features.tempo_bpm)
    if tempo is None:
        return None
    factor, stretch = tempo
    reason = PairReason(
        lead_bpm=lead_features.tempo_bpm,
        under_bpm=under_features.tempo_bpm,
        tempo_factor=factor,
        stretch=stretch,
        lead_key=lead_features.key.camelot,
        under_key=under_features.key.camelot,
        lead_plays=lead.plays,
        under_plays=under.plays,
    )
    return MashupPair(lead, under, lead_features, under_features, reason)


def choose_pairs(
    candidates: Sequence[tuple[TopSong, SongFeatures]], count: int, made: set[str]
) -> tuple[list[MashupPair], int]:
    """Up to `count` compatible pairs, each song in one pair at most, the most played pairs
    first (then the smallest stretch); pairs in `made` are left out. Returns the pairs and
    how many compatible pairs were left out as already made.

    The more played song of a pair leads (keeps its tempo and sections).
    """
    ranked = sorted(candidates, key=lambda item: -item[0].plays)
    found: list[MashupPair] = []
    already = 0
    for i, (lead, lead_features) in enumerate(ranked):
        for under, under_features in ranked[i + 1 :]:
            pair = match(lead, lead_features, under, under_features)
            if pair is None:
                continue
            if pair.key in made:
                already += 1
                continue
            found.append(pair)
    found.sort(key=lambda p: (-(p.lead.plays + p.under.plays), abs(p.reason.stretch - 1), p.key))
    chosen: list[MashupPair] = []
    used: set[UUID] = set()
    for pair in found:
        if len(chosen) >= count:
            break
        if pair.lead.song_id in used or pair.under.song_id in used:
            continue
        chosen.append(pair)
        used.update((pair.lead.song_id, pair.under.song_id))
    return chosen, already


def _downbeats(features: SongFeatures, after: float) -> list[float]:
    """Beats from `after` on that start a bar (every beat when the metre is unknown; the
    grid's first beat is taken as a downbeat)."""
    meter = features.meter or 1
    return [b for i, b in enumerate(features.beats) if i % meter == 0 and b >= after - 1e-3]


def _body_end(features: SongFeatures) -> float:
    end = features.duration - features.trailing_silence
    if features.outro_start > features.intro_end:
        end = min(end, features.outro_start)
    return end


def _mean_loudness(features: SongFeatures, start: float, length: float) -> float:
    contour = features.loudness
    if not contour:
        return 0.0
    first = max(0, int(start))
    last = min(len(contour), max(first + 1, math.ceil(start + length)))
    window = contour[first:last] or contour[-1:]
    return sum(window) / len(window)


def plan_render(pair: MashupPair, max_seconds: float = MASHUP_SECONDS) -> RenderPlan:
    """Where the two songs meet: the lead from its first downbeat after the intro; the
    under-layer from the downbeat whose stretch of the mashup's length is quietest (its
    loudness contour), so it sits under the lead rather than fighting it."""
    lead, under, stretch = pair.lead_features, pair.under_features, pair.reason.stretch
    lead_starts = _downbeats(lead, lead.intro_end) or [lead.beats[0]]
    lead_start = lead_starts[0]
    lead_room = _body_end(lead) - lead_start
    if lead_room <= 0:
        lead_room = lead.duration - lead_start
    wanted = min(max_seconds, lead_room)
    under_end = _body_end(under)
    under_starts = _downbeats(under, under.intro_end) or [under.beats[0]]
    fitting = [s for s in under_starts if s + wanted * stretch <= under_end + 1e-3]
    if fitting:
        under_start = min(fitting, key=lambda s: (_mean_loudness(under, s, wanted * stretch), s))
    else:  # shorter than the lead: start where the most of it is left
        under_start = under_starts[0]
    duration = min(wanted, max(0.0, under_end - under_start) / stretch)
    if duration <= 0:
        duration = min(wanted, max(0.0, under.duration - under_start) / stretch)
    return RenderPlan(
        lead_start=lead_start, under_start=under_start, duration=duration, stretch=stretch
    )
