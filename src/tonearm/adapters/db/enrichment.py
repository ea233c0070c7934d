"""EnrichmentQueue on SQLAlchemy: phase 1's batched song writes and phase 2's queue.

Claims are a conditional UPDATE (the row is still pending, or its lease ran out, and its
generation is the one read), so two workers on SQLite or PostgreSQL never both hold a song.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.changes import ChangeEntity, ChangeOp, append_change
from tonearm.adapters.db.scan_writes import insert_new_songs
from tonearm.adapters.db.song_merge import merge_songs, older_first
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.adapters.db.song_search.index import index_song
from tonearm.adapters.db.tables import (
    FolderCoverRow,
    ImportFailureRow,
    RenditionRow,
    SongArtistRow,
    SongContributorRow,
    SongEnrichmentRow,
    SongGenreRow,
    SongRow,
    UserInteractionRow,
)
from tonearm.ingest.enrichment_queue import (
    AudioOutcome,
    AudioRecord,
    EnrichmentCounts,
    EnrichmentTask,
    IdentityMatch,
    ScannedSong,
)
from tonearm.ingest.models import AudioAnalysis
from tonearm.library.models import SongNotFound
from tonearm.library.replaygain import track_gain_db

# What enrichment learned: kept when phase 1 rewrites a retagged or moved song's tags.
_ANALYSIS_COLUMNS = (
    "audio_hash",
    "duration_ms",
    "loudness_lufs",
    "replaygain_track_gain_db",
    "replaygain_track_peak",
    "replaygain_album_gain_db",
    "replaygain_album_peak",
    "fingerprint",
)
_MERGE_RETRIES = 3


class SqlEnrichmentQueue:
    """The `song_enrichment`, `song_aliases` and `folder_covers` tables, and phase-1 writes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._songs = SqlSongRepository(sessions)  # its row filling and linking helpers

    # --- phase 1 ------------------------------------------------------------------------

    async def write_scanned(
        self,
        songs: Sequence[ScannedSong],
        now: datetime,
        *,
        folder_covers: Sequence[tuple[str, str | None, int | None]] = (),
    ) -> None:
        """Insert or update `songs`, queueing those with `enrich`, and remember folders'
        cover files, in one transaction."""
        if not songs and not folder_covers:
            return
        async with self._sessions.begin() as session:
            for folder, cover_path, mtime_ns in folder_covers:
                await session.merge(
                    FolderCoverRow(
                        folder_path=folder,
                        cover_path=cover_path,
                        cover_mtime_ns=mtime_ns,
                        checked_at=now,
                    )
                )
            await insert_new_songs(session, [song for song in songs if song.is_new], now)
            for song in songs:
                if song.is_new:
                    continue
                row = await self._write_song(session, song, now)
                if row is None:
                    continue
                await append_change(session, ChangeEntity.SONG, row.id, ChangeOp.UPSERT, now)
                await index_song(session, await self._songs._to_song(session, row))
                await self._write_queue_row(session, song, now)

    async def _write_song(
        self, session: AsyncSession, song: ScannedSong, now: datetime
    ) -> SongRow | None:
        draft = song.draft
        if song.is_new:
            row = SongRow(id=song.song_id, added_at=now, play_count=0, popularity_score=0.0)
            await self._songs._fill(session, row, draft, now)
            session.add(row)
            await session.flush()
            await self._songs._link(session, song.song_id, draft, now)
            return row
        # Locked (PostgreSQL): enrichment must not record its results between our read of
        # them below and our write, or the write would put the stale ones back.
        found = await session.get(SongRow, song.song_id, with_for_update=True)
        if found is None:
            return None
        kept = {column: getattr(found, column) for column in _ANALYSIS_COLUMNS}
        await self._songs._fill(session, found, draft, now)
        found.deleted_at = None
        if not song.enrich:
            for column, value in kept.items():
                setattr(found, column, value)
        else:
            # New audio: old renditions no longer match it (their objects are overwritten
            # by enrichment or removed by the orphan cleanup).
            await session.execute(delete(RenditionRow).where(RenditionRow.song_id == found.id))
        await session.execute(delete(SongArtistRow).where(SongArtistRow.song_id == found.id))
        await session.execute(delete(SongGenreRow).where(SongGenreRow.song_id == found.id))
        await session.execute(
            delete(SongContributorRow).where(SongContributorRow.song_id == found.id)
        )
        await session.flush()
        await self._songs._link(session, found.id, draft, now)
        return found

    async def _write_queue_row(
        self, session: AsyncSession, song: ScannedSong, now: datetime
    ) -> None:
        draft = song.draft
        queued = await session.get(SongEnrichmentRow, song.song_id)
        if queued is None:
            queued = SongEnrichmentRow(
                song_id=song.song_id,
                state="pending" if song.enrich else "done",
                art_only=False,
                generation=0,
                attempts=0,
                queued_at=now,
                finished_at=None if song.enrich else now,
            )
            session.add(queued)
        elif song.enrich or queued.state == "failed":  # a failed song that came back: retry
            queued.state = "pending"
            queued.art_only = False
            queued.generation += 1
            queued.attempts = 0
            queued.error = None
            queued.queued_at = now
            queued.lease_expires_at = None
        queued.file_identity = song.file_identity
        queued.size_bytes = draft.original_size_bytes
        queued.mtime_ns = draft.original_mtime_ns

    async def identity_matches(
        self, file_identities: Collection[str]
    ) -> dict[str, list[IdentityMatch]]:
        """Songs whose file had one of these identities (live or tombstoned), oldest first."""
        found: dict[str, list[IdentityMatch]] = {}
        wanted = sorted(set(file_identities))
        async with self._sessions() as session:
            for start in range(0, len(wanted), 500):
                rows = await session.execute(
                    select(
                        SongEnrichmentRow.file_identity,
                        SongRow.id,
                        SongRow.original_path,
                        SongRow.deleted_at,
                    )
                    .join(SongEnrichmentRow, SongEnrichmentRow.song_id == SongRow.id)
                    .where(SongEnrichmentRow.file_identity.in_(wanted[start : start + 500]))
                    .order_by(SongRow.added_at, SongRow.id)
                )
                for identity, song_id, path, deleted in rows:
                    found.setdefault(identity or "", []).append(
                        IdentityMatch(song_id, path, deleted is not None)
                    )
        return found

    # --- phase 2 ------------------------------------------------------------------------

    async def claim(self, worker_id: str, now: datetime, lease: timedelta) -> EnrichmentTask | None:
        """The next song to enrich, marked running under a lease; None when none is left."""
        claimable = or_(
            SongEnrichmentRow.state == "pending",
            and_(SongEnrichmentRow.state == "running", SongEnrichmentRow.lease_expires_at < now),
        )
        last_played = (
            select(func.max(UserInteractionRow.occurred_at))
            .where(UserInteractionRow.song_id == SongEnrichmentRow.song_id)
            .correlate(SongEnrichmentRow)
            .scalar_subquery()
        )
        for _ in range(20):  # another worker may take the one we picked: pick again
            async with self._sessions.begin() as session:
                picked = (
                    await session.execute(
                        select(SongEnrichmentRow)
                        .join(SongRow, SongRow.id == SongEnrichmentRow.song_id)
                        .where(claimable)
                        .order_by(
                            last_played.desc().nulls_last(),
                            SongRow.added_at.desc(),
                            SongRow.id,
                        )
                        .limit(1)
                    )
                ).scalar_one_or_none()
                if picked is None:
                    return None
                task = EnrichmentTask(
                    picked.song_id,
                    picked.generation,
                    picked.art_only,
                    picked.size_bytes,
                    picked.mtime_ns,
                )
                taken = await session.execute(
                    update(SongEnrichmentRow)
                    .where(
                        SongEnrichmentRow.song_id == task.song_id,
                        SongEnrichmentRow.generation == task.generation,
                        claimable,
                    )
                    .values(
                        state="running",
                        worker_id=worker_id,
                        lease_expires_at=now + lease,
                        attempts=SongEnrichmentRow.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    return task
        return None

    async def renew(self, task: EnrichmentTask, now: datetime, lease: timedelta) -> None:
        """Extend a running task's lease."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SongEnrichmentRow)
                .where(
                    SongEnrichmentRow.song_id == task.song_id,
                    SongEnrichmentRow.state == "running",
                )
                .values(lease_expires_at=now + lease)
            )

    async def record_audio(
        self, song_id: UUID, analysis: AudioAnalysis, now: datetime
    ) -> AudioRecord:
        """Store the decoded identity and analysis, merging a song with the same audio."""
        for attempt in range(_MERGE_RETRIES):
            try:
                return await self._record_audio_once(song_id, analysis, now)
            except IntegrityError:
                # Another worker gave the same audio to a duplicate at the same moment
                # (PostgreSQL): read again, and the merge below finds it.
                if attempt == _MERGE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _record_audio_once(
        self, song_id: UUID, analysis: AudioAnalysis, now: datetime
    ) -> AudioRecord:
        async with self._sessions.begin() as session:
            row = await session.get(SongRow, song_id, with_for_update=True)
            if row is None:
                raise SongNotFound(song_id)
            other = await session.scalar(
                select(SongRow).where(
                    SongRow.audio_hash == analysis.audio_hash, SongRow.id != song_id
                )
            )
            if other is not None:
                kept, dropped = older_first(row, other)
                await merge_songs(session, kept, dropped, now)
                # The kept song may have taken the other's file and tags (and come back).
                await index_song(session, await self._songs._to_song(session, kept))
                if kept is not row:
                    return AudioRecord(AudioOutcome.MERGED_AWAY, kept.id, dropped_id=song_id)
            row.audio_hash = analysis.audio_hash
            row.duration_ms = analysis.duration_ms
            row.loudness_lufs = analysis.loudness_lufs
            row.replaygain_track_gain_db = (
                track_gain_db(analysis.loudness_lufs)
                if analysis.loudness_lufs is not None
                else None
            )
            row.replaygain_track_peak = analysis.sample_peak
            row.fingerprint = analysis.fingerprint
            row.last_updated = now
            await append_change(session, ChangeEntity.SONG, song_id, ChangeOp.UPSERT, now)
            return AudioRecord(
                AudioOutcome.RECORDED, song_id, dropped_id=other.id if other else None
            )

    async def finish(self, task: EnrichmentTask, now: datetime) -> bool:
        """Done, unless queued again since the claim (then it stays pending)."""
        async with self._sessions.begin() as session:
            done = await session.execute(
                update(SongEnrichmentRow)
                .where(
                    SongEnrichmentRow.song_id == task.song_id,
                    SongEnrichmentRow.generation == task.generation,
                )
                .values(
                    state="done",
                    art_only=False,
                    error=None,
                    lease_expires_at=None,
                    worker_id=None,
                    finished_at=now,
                )
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    async def fail(self, task: EnrichmentTask, reason: str, now: datetime) -> None:
        """Failed, with the reason; a rescan of the changed file queues it again."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SongEnrichmentRow)
                .where(
                    SongEnrichmentRow.song_id == task.song_id,
                    SongEnrichmentRow.generation == task.generation,
                )
                .values(state="failed", error=reason[:2000], lease_expires_at=None, finished_at=now)
            )

    async def release(self, task: EnrichmentTask) -> None:
        """Back to pending, no result kept."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SongEnrichmentRow)
                .where(
                    SongEnrichmentRow.song_id == task.song_id,
                    SongEnrichmentRow.state == "running",
                )
                .values(state="pending", lease_expires_at=None, worker_id=None)
            )

    async def queue_art(self, song_ids: Sequence[UUID], now: datetime) -> int:
        """Queue the cover art of `song_ids` again; songs already pending stay as they are."""
        if not song_ids:
            return 0
        async with self._sessions.begin() as session:
            await session.execute(
                delete(RenditionRow).where(
                    RenditionRow.song_id.in_(song_ids), RenditionRow.kind.startswith("art-")
                )
            )
            queued = 0
            for song_id in song_ids:
                row = await session.get(SongEnrichmentRow, song_id)
                if row is None:
                    row = SongEnrichmentRow(
                        song_id=song_id, state="done", generation=0, attempts=0, queued_at=now
                    )
                    session.add(row)
                if row.state in ("pending", "running"):
                    continue  # a full enrichment is coming; it makes the art too
                row.state, row.art_only, row.generation = "pending", True, (row.generation or 0) + 1
                row.queued_at, row.error, row.lease_expires_at = now, None, None
                queued += 1
            return queued

    async def counts(self, now: datetime) -> EnrichmentCounts:
        """The queue's states, and songs finished in the last ten minutes (per minute)."""
        async with self._sessions() as session:
            by_state = dict(
                (
                    await session.execute(
                        select(SongEnrichmentRow.state, func.count()).group_by(
                            SongEnrichmentRow.state
                        )
                    )
                ).all()
            )
            recent = await session.scalar(
                select(func.count())
                .select_from(SongEnrichmentRow)
                .where(
                    SongEnrichmentRow.state == "done",
                    SongEnrichmentRow.finished_at >= now - timedelta(minutes=10),
                )
            )
        return EnrichmentCounts(
            pending=int(by_state.get("pending", 0)),
            running=int(by_state.get("running", 0)),
            failed=int(by_state.get("failed", 0)),
            done=int(by_state.get("done", 0)),
            recent_per_minute=int(recent or 0) / 10.0,
        )

    # --- folder covers ------------------------------------------------------------------

    async def failed_files(self, under: str) -> dict[str, tuple[int | None, int | None]]:
        """(size, mtime) of each recorded failure under the folder `under`, by path."""
        prefix = under.rstrip("/") + "/"
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    ImportFailureRow.path, ImportFailureRow.size_bytes, ImportFailureRow.mtime_ns
                ).where(ImportFailureRow.path.startswith(prefix, autoescape=True))
            )
            return {path: (size, mtime) for path, size, mtime in rows}

    async def songs_in_folder(self, folder: str) -> list[UUID]:
        """Live songs read in place from exactly `folder`."""
        async with self._sessions() as session:
            return list(
                await session.scalars(
                    select(SongRow.id).where(
                        SongRow.folder_path == folder, SongRow.deleted_at.is_(None)
                    )
                )
            )

    async def folder_covers(self, under: str) -> dict[str, tuple[str | None, int | None]]:
        """(cover path, mtime) of each folder at or under `under` from the last scan."""
        root = under.rstrip("/")
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    FolderCoverRow.folder_path,
                    FolderCoverRow.cover_path,
                    FolderCoverRow.cover_mtime_ns,
                ).where(
                    or_(
                        FolderCoverRow.folder_path == root,
                        FolderCoverRow.folder_path.startswith(root + "/", autoescape=True),
                    )
                )
            )
            return {folder: (path, mtime) for folder, path, mtime in rows}
