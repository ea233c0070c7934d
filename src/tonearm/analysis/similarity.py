"""Sonic similarity: the nearest songs to a song, and a sonic path from one song to another.

An in-memory index per process, built lazily from `similarity_rows()` (every listed, analysed
song): a float32 matrix of the L2-normalised embeddings (100,000 x 32 floats = 12.8 MB) with
tempo, Camelot key and energy arrays beside it, and the song ids as 16-byte keys sorted for
a binary search (1.6 MB; no dict of UUID objects). A query is one matrix-vector product over
the whole library plus a few vector operations: about a millisecond per 10,000 songs, so no
approximate-neighbour structure is needed at 100,000 (bench/bench_similarity.py measures it).

Freshness: the index remembers the repository's `similarity_stamp()` (how many analysed
songs have an embedding, the newest `analyzed_at` among them, and how many songs are
tombstoned) and asks for it again when it is
older than STAMP_CHECK_SECONDS; a new analysis, a re-analysis or a deleted song changes the
stamp, and the index is rebuilt. Only the first build makes a query wait: later checks and
rebuilds run in the background while queries use the index they have, so a change is seen
within STAMP_CHECK_SECONDS plus one rebuild. A deleted song can still be picked meanwhile;
the catalogue lookup (live songs only) drops it from the answer.

numpy is imported only when the index is built: without it `available` is False and every
query raises SimilarityUnavailable (REST 503, Subsonic code 30 with the message).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from tonearm.analysis.models import EMBEDDING_DIMS, FeaturesNotFound, Mode
from tonearm.analysis.repository import SimilarityRow
from tonearm.errors import InvalidInput, Unavailable
from tonearm.library.catalog import CatalogSong

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float32]

# The blend: how much each resemblance counts in a score (they add up to 1). The embedding
# (timbre, rhythm and harmony summarised by the analyser) decides most; tempo, key and energy
# break ties the way a DJ would: a song at the same (or double/half) tempo, in a key that
# mixes, at the same energy, follows better. Tuned on analysis_corpus seed 2101 with the
# analyser's standardised, style-weighted embedding: 84.3% of the 10 nearest share the
# query's style (seed 2102: 77.4%); 0.70/0.12/0.10/0.08 gave 77.9% (74.2%).
WEIGHT_EMBEDDING = 0.85
WEIGHT_TEMPO = 0.05
WEIGHT_KEY = 0.05
WEIGHT_ENERGY = 0.05
# Tempo closeness falls linearly to 0 at this distance in octaves (log2 of the ratio, after
# folding double and half tempo onto the same one): log2(1.08), i.e. 8% apart.
TEMPO_TOLERANCE_OCTAVES = math.log2(1.08)
# Key: the same key counts 1, a Camelot neighbour or the relative major/minor this much.
KEY_COMPATIBLE = 0.75
# Unknown tempo or key on either side: neither a match nor a clash.
UNKNOWN = 0.5

MAX_COUNT = 500  # songs per answer (similar or path)
DEFAULT_SIMILAR = 10
DEFAULT_PATH = 25
STAMP_CHECK_SECONDS = 10.0
# Extra candidates asked of the index, so songs deleted since the last rebuild can be dropped.
_SLACK = 8


class SimilarityUnavailable(Unavailable):
    """The process cannot build the index (numpy is missing)."""


def similarity_available() -> bool:
    """True when numpy can be imported (the index's only dependency)."""
    return importlib.util.find_spec("numpy") is not None


@dataclass(frozen=True, slots=True)
class SimilarityStamp:
    """What changes whenever the index's rows would: how many analysed rows have an
    embedding, the newest analyzed_at among them, and how many songs are tombstoned."""

    songs: int
    newest: datetime | None
    deleted: int = 0


class SimilaritySource(Protocol):
    """Where the index reads its rows (SqlFeatureRepository)."""

    async def similarity_rows(self) -> Sequence[SimilarityRow]:
        """Every listed song analysed with an embedding."""
        ...

    async def similarity_stamp(self) -> SimilarityStamp:
        """A cheap summary that changes whenever `similarity_rows()` would."""
        ...


class SongLookup(Protocol):
    """The catalogue's live songs (CatalogService)."""

    async def songs_in_order(
        self, song_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """The live ones of `song_ids`, in the order given."""
        ...


@dataclass(frozen=True, slots=True)
class SonicMatch:
    """A song and its similarity 0–1 (1: the same song) to the query (or the path's start)."""

    song: CatalogSong
    similarity: float


def _camelot_arrays(rows: Sequence[SimilarityRow]) -> tuple[list[int], list[int]]:
    """Camelot number 1–12 (0 unknown) and letter (0 = A minor, 1 = B major) per row."""
    numbers: list[int] = []
    letters: list[int] = []
    for row in rows:
        if row.key is None:
            numbers.append(0)
            letters.append(0)
            continue
        code = row.key.camelot
        numbers.append(int(code[:-1]))
        letters.append(1 if row.key.mode is Mode.MAJOR else 0)
    return numbers, letters


class SimilarityIndex:
    """The analysed songs as arrays; every method is pure CPU (call it in a worker thread)."""

    def __init__(self, rows: Sequence[SimilarityRow]) -> None:
        import numpy as np

        ordered = sorted(rows, key=lambda row: row.song_id.bytes)
        size = len(ordered)
        self.keys = np.array([row.song_id.bytes for row in ordered], dtype="S16")
        matrix = np.frombuffer(b"".join(row.embedding for row in ordered), dtype="<f4")
        matrix = matrix.reshape(size, EMBEDDING_DIMS).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.embeddings: Floats = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        tempo = [
            row.tempo_bpm if row.tempo_bpm and row.tempo_bpm > 0 else math.nan for row in ordered
        ]
        self.log_tempo: Floats = np.log2(np.asarray(tempo, dtype=np.float32))
        numbers, letters = _camelot_arrays(ordered)
        self.camelot_number = np.asarray(numbers, dtype=np.int8)
        self.camelot_letter = np.asarray(letters, dtype=np.int8)
        self.energy: Floats = np.asarray([row.energy for row in ordered], dtype=np.float32)

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    @property
    def nbytes(self) -> int:
        """The arrays' memory."""
        arrays = (self.keys, self.embeddings, self.log_tempo, self.energy)
        return sum(int(a.nbytes) for a in arrays) + 2 * len(self)

    def position(self, song_id: UUID) -> int:
        """The song's row; raises FeaturesNotFound when it is not in the index."""
        import numpy as np

        key = np.array(song_id.bytes, dtype="S16")
        at = int(np.searchsorted(self.keys, key))
        if at >= len(self) or self.keys[at] != key:
            raise FeaturesNotFound(f"song {song_id} has not been analysed yet")
        return at

    def song_id(self, position: int) -> UUID:
        """The song at a row."""
        # numpy drops an S16 value's trailing NUL bytes when it hands it out: put them back.
        return UUID(bytes=bytes(self.keys[position]).ljust(16, b"\0"))

    def scores(self, at: int) -> Floats:
        """Every song's blended similarity 0–1 to the song at row `at`."""
        import numpy as np

        # Cosine -1..1 onto 0..1 (not clipped at 0: opposite songs still rank among themselves).
        cosine = (1.0 + np.clip(self.embeddings @ self.embeddings[at], -1.0, 1.0)) / 2.0
        # Octave-aware: 70 and 140 BPM are the same pulse; fold the log2 ratio onto [0, 0.5].
        ratio = self.log_tempo - self.log_tempo[at]
        folded = np.abs(ratio - np.round(ratio))
        tempo = np.clip(1.0 - folded / TEMPO_TOLERANCE_OCTAVES, 0.0, 1.0)
        tempo = np.where(np.isnan(ratio), UNKNOWN, tempo)
        key = self._key_scores(at)
        energy = 1.0 - np.abs(self.energy - self.energy[at])
        blended = (
            WEIGHT_EMBEDDING * cosine
            + WEIGHT_TEMPO * tempo
            + WEIGHT_KEY * key
            + WEIGHT_ENERGY * energy
        )
        clipped: Floats = np.clip(blended, 0.0, 1.0).astype(np.float32)
        return clipped

    def _key_scores(self, at: int) -> Floats:
        import numpy as np

        number, letter = int(self.camelot_number[at]), int(self.camelot_letter[at])
        if number == 0:
            return np.full(len(self), UNKNOWN, dtype=np.float32)
        numbers = self.camelot_number.astype(np.int16)
        same_letter = self.camelot_letter == letter
        step = (numbers - number) % 12
        same = same_letter & (step == 0)
        neighbour = (same_letter & ((step == 1) | (step == 11))) | (~same_letter & (step == 0))
        scores = np.where(same, 1.0, np.where(neighbour, KEY_COMPATIBLE, 0.0))
        known: Floats = np.where(numbers == 0, UNKNOWN, scores).astype(np.float32)
        return known

    def nearest(self, at: int, count: int) -> list[tuple[int, float]]:
        """The `count` best-scoring other rows, best first, with their scores."""
        import numpy as np

        if count <= 0 or len(self) <= 1:
            return []
        scores = self.scores(at)
        scores[at] = -1.0  # never the song itself
        count = min(count, len(self) - 1)
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]

    def path(self, start: int, end: int, count: int) -> list[int]:
        """`count` rows from `start` to `end` (both included when count >= 2): between them,
        the nearest unused song to each of count - 2 evenly spaced waypoints on the way from
        one embedding to the other (normalised linear interpolation)."""
        import numpy as np

        if count <= 0:
            return []
        if count == 1 or start == end:
            return [start]
        a, b = self.embeddings[start], self.embeddings[end]
        used = np.zeros(len(self), dtype=bool)
        used[[start, end]] = True
        chosen = [start]
        steps = min(count - 2, len(self) - 2)
        tempo_a, tempo_b = self.log_tempo[start], self.log_tempo[end]
        for step in range(1, steps + 1):
            t = step / (steps + 1)
            waypoint = (1 - t) * a + t * b
            norm = float(np.linalg.norm(waypoint))
            if norm < 1e-6:  # opposite songs: the midpoint has no direction; lean to b
                waypoint = (1 - t) * a + (t + 1e-3) * b
                norm = float(np.linalg.norm(waypoint)) or 1.0
            closeness = self.embeddings @ (waypoint / norm)
            if not (math.isnan(tempo_a) or math.isnan(tempo_b)):
                # Tempo follows the path too, so a path does not jump 80 -> 170 -> 90 BPM.
                target = (1 - t) * tempo_a + t * tempo_b
                closeness = closeness - 0.5 * np.nan_to_num(
                    np.abs(self.log_tempo - target), nan=0.5
                )
            closeness[used] = -np.inf
            pick = int(np.argmax(closeness))
            used[pick] = True
            chosen.append(pick)
        chosen.append(end)
        return chosen


class SonicSimilarity:
    """Nearest songs and sonic paths for the API, over a per-process index rebuilt when the
    analysed songs change (see the module's docstring)."""

    def __init__(
        self,
        source: SimilaritySource,
        songs: SongLookup,
        *,
        clock: Callable[[], float] = time.monotonic,
        available: bool | None = None,
    ) -> None:
        self._source = source
        self._songs = songs
        self._clock = clock
        self.available = similarity_available() if available is None else available
        self._index: SimilarityIndex | None = None
        self._stamp: SimilarityStamp | None = None
        self._checked_at = -math.inf
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None
        self.builds = 0  # how many times the index was built (tests and the bench read it)

    def invalidate(self) -> None:
        """Check the stamp on the next query (after a write this process made)."""
        self._checked_at = -math.inf

    async def index(self) -> SimilarityIndex:
        """The current index: built on first use (the caller waits); afterwards, once
        STAMP_CHECK_SECONDS have passed, checked and rebuilt in the background while
        queries are answered from the index they have."""
        if not self.available:
            raise SimilarityUnavailable(
                "sonic similarity is not available: numpy could not be imported"
            )
        if self._index is None:
            async with self._lock:
                if self._index is None:
                    await self._refresh_locked()
        elif self._clock() - self._checked_at >= STAMP_CHECK_SECONDS and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh())
        assert self._index is not None
        return self._index

    async def settle(self) -> None:
        """Wait for a background check/rebuild under way (tests and benches)."""
        if self._refreshing is not None:
            await self._refreshing

    async def _refresh(self) -> None:
        try:
            async with self._lock:
                await self._refresh_locked()
        except Exception:
            log.exception("sonic.index_refresh_failed")
            self._checked_at = self._clock()  # tried: again after the interval
        finally:
            self._refreshing = None

    async def _refresh_locked(self) -> None:
        stamp = await self._source.similarity_stamp()
        if self._index is None or stamp != self._stamp:
            rows = await self._source.similarity_rows()
            self._index = await asyncio.to_thread(SimilarityIndex, rows)
            self.builds += 1
            self._stamp = stamp
        self._checked_at = self._clock()

    async def similar(
        self, song_id: UUID, count: int = DEFAULT_SIMILAR, *, viewer: UUID | None = None
    ) -> list[SonicMatch]:
        """Up to `count` songs most like `song_id`, best first (never the song itself, never a
        deleted one). Raises FeaturesNotFound when it is not analysed, InvalidInput for a
        count outside 0..MAX_COUNT, SimilarityUnavailable without numpy."""
        _check_count(count)
        index = await self.index()
        at = index.position(song_id)
        found = await asyncio.to_thread(index.nearest, at, count + _SLACK if count else 0)
        scores = {index.song_id(i): score for i, score in found}
        songs = await self._songs.songs_in_order(list(scores), viewer=viewer)
        return [SonicMatch(song, round(scores[song.id], 4)) for song in songs[:count]]

    async def path(
        self, start: UUID, end: UUID, count: int = DEFAULT_PATH, *, viewer: UUID | None = None
    ) -> list[SonicMatch]:
        """Up to `count` songs from `start` to `end` in small steps, `start` first and `end`
        last, each with its similarity to `start`. Raises as `similar` does (count 2..MAX)."""
        if not 2 <= count <= MAX_COUNT:
            raise InvalidInput(f"count must be from 2 to {MAX_COUNT}, got {count}")
        index = await self.index()
        first, last = index.position(start), index.position(end)

        def walk() -> tuple[list[int], Floats]:
            return index.path(first, last, count), index.scores(first)

        rows, scores = await asyncio.to_thread(walk)
        ids = [index.song_id(i) for i in rows]
        by_id = {index.song_id(i): 1.0 if i == first else float(scores[i]) for i in rows}
        songs = await self._songs.songs_in_order(ids, viewer=viewer)
        return [SonicMatch(song, round(by_id[song.id], 4)) for song in songs]


def _check_count(count: int) -> None:
    if not 0 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be from 0 to {MAX_COUNT}, got {count}")


__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_SIMILAR",
    "MAX_COUNT",
    "SimilarityIndex",
    "SimilaritySource",
    "SimilarityStamp",
    "SimilarityUnavailable",
    "SonicMatch",
    "SonicSimilarity",
    "similarity_available",
]
