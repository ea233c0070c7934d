"""What audio analysis learns about a song, and the musical helpers around it (Camelot).

The analyser (`analysis/analyser.py`) turns decoded PCM into `SongFeatures`; the repository
(`analysis/repository.py`) keeps them in `song_features`; similarity, transitions and mashups
read them. Times are seconds from the start of the decoded audio.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import NotFound

# The similarity embedding's length: every analysed song has exactly this many floats,
# L2-normalised, so a dot product is the cosine similarity.
EMBEDDING_DIMS = 32

# Mono PCM the analyser works on (what the enrichment decode's extra output delivers).
ANALYSIS_SAMPLE_RATE = 22050

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


class Mode(enum.StrEnum):
    """Major or minor (the key's mode)."""

    MAJOR = "major"
    MINOR = "minor"


class AnalysisStatus(enum.StrEnum):
    """A song_features row: analysed, or failed with a reason (not retried until the
    analyser's version changes or someone asks again)."""

    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class MusicalKey:
    """A key: pitch class 0–11 (C = 0) and mode."""

    pitch: int
    mode: Mode

    @property
    def name(self) -> str:
        """'C major', 'F# minor'."""
        return f"{PITCH_CLASSES[self.pitch]} {self.mode.value}"

    @property
    def camelot(self) -> str:
        """Camelot wheel notation: '8B' is C major, '8A' A minor."""
        return camelot(self)

    def compatible_with(self, other: MusicalKey) -> bool:
        """Same key, a neighbour on the wheel (±1, same letter), or relative major/minor."""
        return camelot_compatible(self, other)


# Camelot number for each major key's pitch class (C major = 8B); a minor key shares the
# number of its relative major (A minor = 8A, relative of C major).
_MAJOR_NUMBER = {0: 8, 7: 9, 2: 10, 9: 11, 4: 12, 11: 1, 6: 2, 1: 3, 8: 4, 3: 5, 10: 6, 5: 7}


def camelot(key: MusicalKey) -> str:
    """The key in Camelot notation ('1A'–'12B')."""
    if key.mode is Mode.MAJOR:
        return f"{_MAJOR_NUMBER[key.pitch]}B"
    return f"{_MAJOR_NUMBER[(key.pitch + 3) % 12]}A"


def _wheel(key: MusicalKey) -> tuple[int, str]:
    code = camelot(key)
    return int(code[:-1]), code[-1]


def camelot_compatible(a: MusicalKey, b: MusicalKey) -> bool:
    """Harmonic mixing's rule: same number and letter, ±1 number with the same letter, or
    the same number with the other letter (relative major/minor)."""
    number_a, letter_a = _wheel(a)
    number_b, letter_b = _wheel(b)
    if letter_a == letter_b:
        return (number_a - number_b) % 12 in (0, 1, 11)
    return number_a == number_b


@dataclass(frozen=True, slots=True)
class SongFeatures:
    """One song's analysis.

    - tempo_bpm: the analysed tempo of the notated beat (None when no steady beat: speech,
      ambient), tempo_confidence 0–1; beats: the beat grid (seconds); meter: beats per bar
      (3 or 4) when known.
    - key: the estimated key (None when no tonal centre), key_confidence 0–1.
    - loudness: short-term loudness in dB, one value per second (the contour).
    - energy, danceability, valence: descriptors 0–1 (valence: brighter/major-leaning
      music is higher).
    - intro_end / outro_start: where the music really starts (reaches its body) and where
      it starts to fade or end; leading_silence / trailing_silence: silent seconds at the
      ends (intro_end >= leading_silence; outro_start <= duration - trailing_silence).
    - embedding: EMBEDDING_DIMS floats, L2-normalised (cosine similarity = dot product).
    """

    analyzer_version: str
    duration: float
    tempo_bpm: float | None
    tempo_confidence: float
    beats: tuple[float, ...]
    meter: int | None
    key: MusicalKey | None
    key_confidence: float
    loudness: tuple[float, ...]
    energy: float
    danceability: float
    valence: float
    intro_end: float
    outro_start: float
    leading_silence: float
    trailing_silence: float
    embedding: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class StoredFeatures:
    """A song_features row: the features (None when the analysis failed) and its state."""

    song_id: UUID
    status: AnalysisStatus
    features: SongFeatures | None
    error: str | None
    analyzed_at: datetime


class FeaturesNotFound(NotFound):
    """The song has not been analysed (yet)."""
