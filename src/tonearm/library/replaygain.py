"""ReplayGain 2.0 values from EBU R128 loudness: per track, and per album once complete."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# ReplayGain 2.0 plays everything at -18 LUFS.
REFERENCE_LUFS = -18.0


@dataclass(frozen=True, slots=True)
class AlbumTrack:
    """What album gain needs of one track."""

    duration_ms: int
    loudness_lufs: float | None
    peak: float | None
    track_total: int | None


def track_gain_db(loudness_lufs: float) -> float:
    """Gain that brings a track to the reference loudness."""
    return round(REFERENCE_LUFS - loudness_lufs, 2)


def album_gain(tracks: Sequence[AlbumTrack]) -> tuple[float, float | None] | None:
    """(gain dB, peak) of a complete album, or None while tracks are missing or unmeasured.

    An album is complete when it holds as many tracks as its largest track total says. Its
    loudness is the duration-weighted energy mean of the tracks' integrated loudness: the
    loudness of playing them back to back, up to R128's gating.
    """
    expected = max((t.track_total or 0 for t in tracks), default=0)
    if not tracks or expected == 0 or len(tracks) < expected:
        return None
    if any(t.loudness_lufs is None or t.duration_ms <= 0 for t in tracks):
        return None
    total_ms = sum(t.duration_ms for t in tracks)
    energy = sum(t.duration_ms * 10 ** ((t.loudness_lufs or 0.0) / 10) for t in tracks) / total_ms
    loudness = 10 * math.log10(energy)
    peaks = [t.peak for t in tracks if t.peak is not None]
    return track_gain_db(loudness), (max(peaks) if peaks else None)
