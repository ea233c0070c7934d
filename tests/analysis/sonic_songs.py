"""Features with chosen embeddings, for the sonic similarity tests (unit vectors in a plane:
the angle between two songs decides how alike they are)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from tests.api.accounts import add_song
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.analysis import EMBEDDING_DIMS, MusicalKey, SongFeatures
from tonearm.app import Runtime

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def unit(values: Sequence[float]) -> tuple[float, ...]:
    padded = list(values) + [0.0] * (EMBEDDING_DIMS - len(values))
    norm = math.sqrt(sum(v * v for v in padded))
    return tuple(v / norm for v in padded)


def angle(degrees: float) -> tuple[float, ...]:
    """A unit embedding in the plane of the first two axes."""
    r = math.radians(degrees)
    return unit([math.cos(r), math.sin(r)])


def features(
    embedding: tuple[float, ...],
    tempo: float | None = 120.0,
    key: MusicalKey | None = None,
    energy: float = 0.5,
) -> SongFeatures:
    return SongFeatures(
        analyzer_version="t1",
        duration=180.0,
        tempo_bpm=tempo,
        tempo_confidence=0.9,
        beats=(),
        meter=4,
        key=key,
        key_confidence=0.5,
        loudness=(),
        energy=energy,
        danceability=0.5,
        valence=0.5,
        intro_end=0.0,
        outro_start=180.0,
        leading_silence=0.0,
        trailing_silence=0.0,
        embedding=embedding,
    )


async def add_analysed(services: Runtime, degrees: float, **fields: object) -> uuid.UUID:
    """A song in the library, analysed with the embedding at `degrees`."""
    song_id = await add_song(services, **fields)
    await SqlFeatureRepository(services.database.sessions).put(
        song_id, features(angle(degrees)), NOW
    )
    return song_id
