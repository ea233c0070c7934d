"""FeatureRepository on SQLAlchemy: `song_features`.

Every feature is kept in the row's JSON (`features`); the scalars that queries filter and
sort on are columns too, and the embedding is packed float32 (what the similarity index
loads, without parsing JSON for 100,000 songs).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import SongFeatureRow, SongRow
from tonearm.analysis.models import (
    EMBEDDING_DIMS,
    AnalysisStatus,
    FeaturesNotFound,
    Mode,
    MusicalKey,
    SongFeatures,
    StoredFeatures,
)
from tonearm.analysis.repository import AnalysisCounts, SimilarityRow
from tonearm.analysis.similarity import SimilarityStamp

_ID_BATCH = 500  # bound parameters per IN (...) query
_STREAM_BATCH = 2000  # rows the similarity index reads between turns of the event loop


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def pack_embedding(values: Sequence[float]) -> bytes:
    """EMBEDDING_DIMS floats as little-endian float32 bytes."""
    if len(values) != EMBEDDING_DIMS or not all(math.isfinite(v) for v in values):
        raise ValueError(f"an embedding is {EMBEDDING_DIMS} finite values")
    return struct.pack(f"<{EMBEDDING_DIMS}f", *values)


def features_to_json(features: SongFeatures) -> dict[str, Any]:
    """The JSON kept in `song_features.features` (rounded: milliseconds, 4 digits)."""
    key = features.key
    return {
        "duration": round(features.duration, 3),
        "tempo_bpm": None if features.tempo_bpm is None else round(features.tempo_bpm, 3),
        "tempo_confidence": round(features.tempo_confidence, 4),
        "beats": [round(b, 3) for b in features.beats],
        "meter": features.meter,
        "key": None if key is None else {"pitch": key.pitch, "mode": key.mode.value},
        "key_confidence": round(features.key_confidence, 4),
        "loudness": [round(v, 2) for v in features.loudness],
        "energy": round(features.energy, 4),
        "danceability": round(features.danceability, 4),
        "valence": round(features.valence, 4),
        "intro_end": round(features.intro_end, 3),
        "outro_start": round(features.outro_start, 3),
        "leading_silence": round(features.leading_silence, 3),
        "trailing_silence": round(features.trailing_silence, 3),
        "embedding": [round(v, 6) for v in features.embedding],
    }


def features_from_json(data: dict[str, Any], analyzer_version: str) -> SongFeatures:
    """The SongFeatures a `features` JSON holds."""
    key = data.get("key")
    return SongFeatures(
        analyzer_version=analyzer_version,
        duration=float(data["duration"]),
        tempo_bpm=None if data.get("tempo_bpm") is None else float(data["tempo_bpm"]),
        tempo_confidence=float(data.get("tempo_confidence", 0.0)),
        beats=tuple(float(b) for b in data.get("beats", ())),
        meter=data.get("meter"),
        key=None if not key else MusicalKey(int(key["pitch"]), Mode(key["mode"])),
        key_confidence=float(data.get("key_confidence", 0.0)),
        loudness=tuple(float(v) for v in data.get("loudness", ())),
        energy=float(data.get("energy", 0.0)),
        danceability=float(data.get("danceability", 0.0)),
        valence=float(data.get("valence", 0.0)),
        intro_end=float(data.get("intro_end", 0.0)),
        outro_start=float(data.get("outro_start", 0.0)),
        leading_silence=float(data.get("leading_silence", 0.0)),
        trailing_silence=float(data.get("trailing_silence", 0.0)),
        embedding=tuple(float(v) for v in data.get("embedding", ())),
    )


def _to_stored(row: SongFeatureRow) -> StoredFeatures:
    status = AnalysisStatus(row.status)
    return StoredFeatures(
        song_id=row.song_id,
        status=status,
        features=(
            features_from_json(row.features, row.analyzer_version)
            if status is AnalysisStatus.DONE
            else None
        ),
        error=row.error,
        analyzed_at=_aware(row.analyzed_at),
    )


def _listed() -> Any:
    return SongRow.deleted_at.is_(None)


class SqlFeatureRepository:
    """One `song_features` row per analysed (or failed) song."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, song_id: UUID) -> StoredFeatures:
        """The song's row; raises FeaturesNotFound."""
        async with self._sessions() as session:
            row = await session.get(SongFeatureRow, song_id)
            if row is None:
                raise FeaturesNotFound(song_id)
            return _to_stored(row)

    async def get_many(self, song_ids: Collection[UUID]) -> dict[UUID, StoredFeatures]:
        """Rows of the songs that have one."""
        wanted = list(dict.fromkeys(song_ids))
        found: dict[UUID, StoredFeatures] = {}
        async with self._sessions() as session:
            for start in range(0, len(wanted), _ID_BATCH):
                batch = wanted[start : start + _ID_BATCH]
                rows = await session.scalars(
                    select(SongFeatureRow).where(SongFeatureRow.song_id.in_(batch))
                )
                found.update((row.song_id, _to_stored(row)) for row in rows)
        return found

    async def put(self, song_id: UUID, features: SongFeatures, now: datetime) -> None:
        """Upsert the song's features (status done)."""
        key = features.key
        values: dict[str, Any] = {
            "features": features_to_json(features),
            "analyzer_version": features.analyzer_version,
            "analyzed_at": now,
            "status": AnalysisStatus.DONE.value,
            "error": None,
            "tempo_bpm": features.tempo_bpm,
            "key_pitch": None if key is None else key.pitch,
            "key_mode": None if key is None else key.mode.value,
            "energy": features.energy,
            "danceability": features.danceability,
            "valence": features.valence,
            "embedding": pack_embedding(features.embedding),
        }
        await self._upsert(song_id, values)

    async def put_failure(
        self, song_id: UUID, analyzer_version: str, reason: str, now: datetime
    ) -> None:
        """Upsert a failed row: no features, the reason kept."""
        values: dict[str, Any] = {
            "features": {},
            "analyzer_version": analyzer_version,
            "analyzed_at": now,
            "status": AnalysisStatus.FAILED.value,
            "error": reason[:2000],
            "tempo_bpm": None,
            "key_pitch": None,
            "key_mode": None,
            "energy": None,
            "danceability": None,
            "valence": None,
            "embedding": None,
        }
        await self._upsert(song_id, values)

    async def _upsert(self, song_id: UUID, values: dict[str, Any]) -> None:
        async with self._sessions.begin() as session:
            exists = await session.scalar(select(SongRow.id).where(SongRow.id == song_id))
            if exists is None:
                return  # removed or merged away while it was analysed: nothing to keep
            statement = _insert(session)(SongFeatureRow).values(song_id=song_id, **values)
            await session.execute(
                statement.on_conflict_do_update(index_elements=["song_id"], set_=values)
            )

    async def pending(
        self, analyzer_version: str, limit: int, after: UUID | None = None
    ) -> Sequence[UUID]:
        """Listed songs with no row of `analyzer_version`, in id order after `after`."""
        query = (
            select(SongRow.id)
            .outerjoin(
                SongFeatureRow,
                and_(
                    SongFeatureRow.song_id == SongRow.id,
                    SongFeatureRow.analyzer_version == analyzer_version,
                ),
            )
            .where(_listed(), SongFeatureRow.song_id.is_(None))
            .order_by(SongRow.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(SongRow.id > after)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def counts(self, analyzer_version: str) -> AnalysisCounts:
        """Done / failed / pending for `analyzer_version` over listed songs."""
        query = (
            select(SongFeatureRow.status, func.count())
            .join(SongRow, SongRow.id == SongFeatureRow.song_id)
            .where(_listed(), SongFeatureRow.analyzer_version == analyzer_version)
            .group_by(SongFeatureRow.status)
        )
        async with self._sessions() as session:
            by_status = {status: int(n) for status, n in await session.execute(query)}
            listed = int(
                await session.scalar(select(func.count()).select_from(SongRow).where(_listed()))
                or 0
            )
        done = by_status.get(AnalysisStatus.DONE.value, 0)
        failed = by_status.get(AnalysisStatus.FAILED.value, 0)
        return AnalysisCounts(done=done, failed=failed, pending=max(0, listed - done - failed))

    async def similarity_rows(self) -> Sequence[SimilarityRow]:
        """Listed songs analysed with an embedding."""
        query = (
            select(
                SongFeatureRow.song_id,
                SongFeatureRow.embedding,
                SongFeatureRow.tempo_bpm,
                SongFeatureRow.key_pitch,
                SongFeatureRow.key_mode,
                SongFeatureRow.energy,
            )
            .join(SongRow, SongRow.id == SongFeatureRow.song_id)
            .where(
                _listed(),
                SongFeatureRow.status == AnalysisStatus.DONE.value,
                SongFeatureRow.embedding.is_not(None),
            )
            .order_by(SongFeatureRow.song_id)
        )
        rows: list[SimilarityRow] = []
        async with self._sessions() as session:
            # Streamed in batches: 100,000 rows turned into objects at once held the event
            # loop for seconds; between batches other requests run.
            result = await session.stream(query)
            async for batch in result.partitions(_STREAM_BATCH):
                rows.extend(
                    SimilarityRow(
                        song_id=song_id,
                        embedding=bytes(embedding or b""),
                        tempo_bpm=tempo,
                        key=None
                        if pitch is None or mode is None
                        else MusicalKey(int(pitch), Mode(mode)),
                        energy=float(energy or 0.0),
                    )
                    for song_id, embedding, tempo, pitch, mode, energy in batch
                )
        return rows

    async def forget(self, song_ids: Collection[UUID] | None = None) -> None:
        """Delete these songs' rows (None: all), so a run analyses them again."""
        async with self._sessions.begin() as session:
            if song_ids is None:
                await session.execute(delete(SongFeatureRow))
                return
            wanted = list(dict.fromkeys(song_ids))
            for start in range(0, len(wanted), _ID_BATCH):
                batch = wanted[start : start + _ID_BATCH]
                await session.execute(
                    delete(SongFeatureRow).where(SongFeatureRow.song_id.in_(batch))
                )

    async def similarity_stamp(self) -> SimilarityStamp:
        """Changes whenever `similarity_rows()` would: rows with an embedding and the newest
        analyzed_at among them (a new or repeated analysis), and how many songs are
        tombstoned (a song removed or restored). Two scans without a join: 60 ms at 100,000
        songs on SQLite where the joined count took 180 ms."""
        analysed = select(func.count(), func.max(SongFeatureRow.analyzed_at)).where(
            SongFeatureRow.status == AnalysisStatus.DONE.value,
            SongFeatureRow.embedding.is_not(None),
        )
        removed = select(func.count()).select_from(SongRow).where(SongRow.deleted_at.is_not(None))
        async with self._sessions() as session:
            songs, newest = (await session.execute(analysed)).one()
            deleted = int(await session.scalar(removed) or 0)
        return SimilarityStamp(
            songs=int(songs or 0),
            newest=None if newest is None else _aware(newest),
            deleted=deleted,
        )
