"""Where analysis results are kept (`song_features`). Implemented in
adapters/db/song_features.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.analysis.models import MusicalKey, SongFeatures, StoredFeatures


@dataclass(frozen=True, slots=True)
class SimilarityRow:
    """What the similarity index loads per analysed song: the embedding as EMBEDDING_DIMS
    little-endian float32 bytes, plus the scalar features it blends in."""

    song_id: UUID
    embedding: bytes
    tempo_bpm: float | None
    key: MusicalKey | None
    energy: float


@dataclass(frozen=True, slots=True)
class AnalysisCounts:
    """How far the library's analysis is: analysed, failed, and still to do."""

    done: int
    failed: int
    pending: int


class FeatureRepository(Protocol):
    """One row per song: its features (status done) or why the analysis failed."""

    async def get(self, song_id: UUID) -> StoredFeatures:
        """The song's row; raises FeaturesNotFound when it was never analysed."""
        ...

    async def get_many(self, song_ids: Collection[UUID]) -> dict[UUID, StoredFeatures]:
        """Rows of the songs that have one (others are absent from the result)."""
        ...

    async def put(self, song_id: UUID, features: SongFeatures, now: datetime) -> None:
        """Insert or replace the song's features (status done)."""
        ...

    async def put_failure(
        self, song_id: UUID, analyzer_version: str, reason: str, now: datetime
    ) -> None:
        """Record that this analyser version could not analyse the song, and why."""
        ...

    async def pending(
        self, analyzer_version: str, limit: int, after: UUID | None = None
    ) -> Sequence[UUID]:
        """Listed (not deleted) songs with no row for `analyzer_version`, in id order
        after `after`: what a (resumed) analysis run still has to do."""
        ...

    async def counts(self, analyzer_version: str) -> AnalysisCounts:
        """Done / failed / pending for `analyzer_version` over listed songs."""
        ...

    async def similarity_rows(self) -> Sequence[SimilarityRow]:
        """Every listed song analysed with an embedding (what the index is built from)."""
        ...

    async def forget(self, song_ids: Collection[UUID] | None = None) -> None:
        """Delete the rows of these songs (None: every row), so they are pending again."""
        ...
