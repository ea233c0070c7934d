"""`tonearm scan`, phase 1: bring the library in line with music folders read in place.

The walk of each folder and the library's rows for it are both in bytewise path order and
merged like two sorted lists, so a rescan holds one folder listing and one page of rows
in memory, whatever the library's size. A file whose size and mtime are unchanged costs
its stat (unless its song was read by an older tag reader, library/models.py TAGS_VERSION:
then its tags are read once more, its audio is not decoded again). A new or changed file costs its tags (mutagen) and a cheap identity of its audio
(adapters/media/identity.py), read in threads; songs are written in batches, one
transaction per SCAN_BATCH files, and are listed, searchable and playable (from their
original) as each batch commits. Everything that needs a decode (the PCM identity hash and
duplicate merge, loudness, waveform, fingerprint, preview, renditions, cover art) is queued
for phase 2 (ingest/enrichment.py) in the same transaction.

Identity in phase 1: a known path is the same song (a retag keeps its id); a new path whose
cheap identity belongs to a song whose file is gone (moved) or that was removed (it came
back) is that song again. A file mutagen cannot read falls back to the full pipeline, so
ffmpeg still decides what is audio.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog

from tonearm.ingest.drafts import draft_from_tags
from tonearm.ingest.enrichment_queue import (
    EnrichmentQueue,
    IdentityMatch,
    ScannedSong,
    pending_audio_hash,
)
from tonearm.ingest.files import FoundFile, walk_music
from tonearm.ingest.models import IngestError, SongTags
from tonearm.ingest.pipeline import IngestPipeline, IngestResult, Outcome
from tonearm.ingest.report import BatchSummary, IngestReporter, shown_path
from tonearm.library.models import TAGS_VERSION, ScannedFile, SongDraft
from tonearm.library.paths import path_to_text, text_to_path
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)

SCAN_BATCH = 200  # files per transaction: hundreds of files/s on SQLite, songs visible soon
WALK_CHUNK = 256  # found files handed over from the walking thread at a time
FOLDER_COVER_NAMES = ("cover", "folder", "front", "album", "albumart")
FOLDER_COVER_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")

FileIdentity = Callable[[Path], str]  # blocking; raises OSError


class MusicFolderMissing(Exception):
    """A configured music folder is not there (an unmounted disk?): nothing is removed."""


class LibraryScanner:
    """Incremental phase-1 scans of music folders."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        songs: SongRepository,
        queue: EnrichmentQueue,
        identify: FileIdentity,
        *,
        concurrency: int,
        batch_size: int = SCAN_BATCH,
    ) -> None:
        self._pipeline = pipeline
        self._songs = songs
        self._queue = queue
        self._identify = identify
        self._concurrency = max(1, concurrency)
        self._batch_size = max(1, batch_size)

    async def scan(self, roots: list[Path], reporter: IngestReporter) -> BatchSummary:
        """Scan every root; files gone from a root that exists are tombstoned.

        The files are counted first (one walk that keeps nothing), so progress has a total.
        """
        summary = BatchSummary()
        readable: list[Path] = []
        for root in roots:
            problem = await asyncio.to_thread(_unreadable, root)
            if problem is not None:
                # Never read "folder missing" as "every song deleted".
                summary.failures.append((root, f"{problem}; nothing removed"))
                log.error("scan.folder_missing", folder=shown_path(root), problem=problem)
            else:
                readable.append(await asyncio.to_thread(root.resolve))
        total = 0
        for root in readable:
            total += await asyncio.to_thread(_count, root)
        reporter.total_known(total)
        for root in readable:
            await _RootScan(self, root, reporter, summary).run()
        return summary

    async def rescan_file(self, path: Path, known: ScannedFile) -> IngestResult:
        """Phase 1 again for one known file (enrichment found it changed since queued)."""
        summary = BatchSummary()
        scan = _RootScan(self, path.parent, _NoReport(), summary)
        stat = await asyncio.to_thread(path.stat)
        result = await scan.read(FoundFile(path, stat.st_size, stat.st_mtime_ns), known)
        await scan.flush()
        return result


@dataclass(frozen=True, slots=True)
class _Read:
    """A file read by phase 1, waiting for its batch to be placed and written."""

    found: FoundFile
    known: ScannedFile | None
    tags: SongTags
    identity: str


class _NoReport:
    def file_started(self, path: Path) -> None:
        """Nothing."""

    def file_finished(self, result: IngestResult) -> None:
        """Nothing."""

    def total_known(self, total: int) -> None:
        """Nothing."""

    def file_skipped(self, path: Path) -> None:
        """Nothing."""


class _RootScan:
    """One root's walk: reads in flight, the batch waiting to be written, folders' covers."""

    def __init__(
        self, scanner: LibraryScanner, root: Path, reporter: IngestReporter, summary: BatchSummary
    ) -> None:
        self._s = scanner
        self._root = root
        self._reporter = reporter
        self._summary = summary
        self._batch: list[_Read] = []
        self._claimed: set[uuid.UUID] = set()  # songs a file of this scan already took
        self._failed_before: set[Path] = set()  # new files with a past failure to forget
        self._covers: list[tuple[str, str | None, int | None]] = []  # folder covers seen
        self._failures: dict[str, tuple[int | None, int | None]] | None = None
        self._seen_covers: dict[str, tuple[str | None, int | None]] | None = None
        self._running: set[asyncio.Task[IngestResult]] = set()
        self._slots = asyncio.Semaphore(scanner._concurrency)

    async def run(self) -> None:
        gone: list[ScannedFile] = []
        folder: Path | None = None
        rows = self._s._songs.scanned_files(path_to_text(self._root))
        async for found, known in _merge(_walk_in_thread(self._root), rows):
            if found is None:
                assert known is not None
                gone.append(known)
                continue
            if found.path.parent != folder:
                folder = found.path.parent
                await self._check_folder_cover(folder)
            if (
                known is not None
                and (found.size_bytes, found.mtime_ns) == (known.size_bytes, known.mtime_ns)
                and known.tags_version == TAGS_VERSION
            ):
                self._summary.unchanged += 1
                self._reporter.file_skipped(found.path)
            elif known is None and await self._failed_before_unchanged(found):
                self._summary.counts[Outcome.FAILED.value] += 1
                self._reporter.file_skipped(found.path)
            else:
                await self._submit(found, known)
        if self._running:
            await asyncio.gather(*self._running)
        await self.flush(force=True)
        for missing in gone:
            # A file that moved was re-pointed by its new path's write; only the rest went.
            song = await self._s._songs.get(missing.song_id)
            if song.deleted_at is None and song.original_path == missing.original_path:
                await self._s._songs.tombstone(missing.song_id, self._s._pipeline.now())
                self._summary.removed += 1

    async def _submit(self, found: FoundFile, known: ScannedFile | None) -> None:
        # Bounded look-ahead: do not queue the whole library as tasks.
        while len(self._running) >= self._s._concurrency * 2:
            done, _ = await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            self._running.difference_update(done)
        self._running.add(asyncio.create_task(self._read_reported(found, known)))
        if len(self._batch) >= self._s._batch_size:
            await self.flush()

    async def _read_reported(self, found: FoundFile, known: ScannedFile | None) -> IngestResult:
        async with self._slots:
            self._reporter.file_started(found.path)
            result = await self.read(found, known)
        return result

    async def read(self, found: FoundFile, known: ScannedFile | None) -> IngestResult:
        """Tags and identity of one file, added to the batch; or the full pipeline for a
        file mutagen does not know. Never raises for a bad file."""
        path = found.path
        try:
            tags = await self._s._pipeline.read_tags(path, root=self._root)
            identity = await asyncio.to_thread(self._s._identify, path)
        except IngestError as error:
            return await self._failed(found, error.reason)
        except OSError as error:
            return await self._failed(found, f"cannot read file ({error.strerror or error})")
        except Exception as error:  # no single file may end the scan
            log.exception("scan.file_crashed", path=shown_path(path))
            return await self._failed(found, f"internal error ({type(error).__name__})")
        if tags.duration_ms is None or found.size_bytes == 0:
            # Not a stream mutagen can measure: ffmpeg decides (and decodes) as before.
            result = await self._s._pipeline.ingest_file(
                path, in_place=True, known=known, source="scan", root=self._root
            )
            self._finished(result)
            return result
        result = IngestResult(path, Outcome.IMPORTED)  # placed when the batch is written
        self._batch.append(_Read(found, known, tags, identity))
        return result

    async def flush(self, *, force: bool = False) -> None:
        """Place and write the batch in one transaction; its songs are listed from here on.

        Placing needs the songs that had each new file's identity: one query per batch."""
        batch, self._batch = self._batch, []
        covers, self._covers = self._covers, []
        if not batch and not (force and covers):
            return
        matches = await self._s._queue.identity_matches(
            [read.identity for read in batch if read.known is None]
        )
        written: list[tuple[ScannedSong, IngestResult]] = []
        for read in batch:
            song_id, outcome, is_new, enrich = await self._place(read, matches)
            draft = _draft(read.found.path, read.found, read.tags, song_id)
            written.append(
                (
                    ScannedSong(song_id, draft, read.identity, is_new, enrich),
                    IngestResult(read.found.path, outcome, song_id),
                )
            )
        await self._s._queue.write_scanned(
            [song for song, _ in written], self._s._pipeline.now(), folder_covers=covers
        )
        for song, result in written:
            if song.enrich:
                self._summary.queued_for_enrichment += 1
            if result.path in self._failed_before:
                await self._s._songs.clear_failure(path_to_text(result.path))
            self._finished(result)

    async def _place(
        self, read: _Read, matches: dict[str, list[IdentityMatch]]
    ) -> tuple[uuid.UUID, Outcome, bool, bool]:
        """(song id, outcome, is new, needs enrichment) for a file about to be written."""
        if read.known is not None:
            changed = read.known.file_identity != read.identity
            return read.known.song_id, Outcome.UPDATED, False, changed
        for match in matches.get(read.identity, ()):
            if match.song_id in self._claimed:
                continue
            if match.deleted:
                self._claimed.add(match.song_id)
                return match.song_id, Outcome.IMPORTED, False, False  # it came back
            path = match.original_path
            if path and not await asyncio.to_thread(text_to_path(path).exists):
                self._claimed.add(match.song_id)
                return match.song_id, Outcome.MOVED, False, False
        return uuid.uuid4(), Outcome.IMPORTED, True, True

    def _finished(self, result: IngestResult) -> None:
        self._summary.add(result)
        self._reporter.file_finished(result)

    async def _failed(self, found: FoundFile, reason: str) -> IngestResult:
        # Reasons can quote names with lone surrogates: stored escaped (as the pipeline does).
        reason = reason.encode("utf-8", "backslashreplace").decode("utf-8")
        await self._s._songs.record_failure(
            path_to_text(found.path),
            reason,
            "scan",
            found.size_bytes,
            found.mtime_ns,
            self._s._pipeline.now(),
        )
        log.warning("scan.failed", path=shown_path(found.path), reason=reason)
        result = IngestResult(found.path, Outcome.FAILED, reason=reason)
        self._finished(result)
        return result

    async def _failed_before_unchanged(self, found: FoundFile) -> bool:
        # A bad file (or a merged duplicate) is not read again every hour unless it changed.
        if self._failures is None:  # read once per scan: one query, not one per new file
            self._failures = await self._s._queue.failed_files(path_to_text(self._root))
        previous = self._failures.get(path_to_text(found.path))
        if previous is not None:
            self._failed_before.add(found.path)
        return previous == (found.size_bytes, found.mtime_ns)

    async def _check_folder_cover(self, folder: Path) -> None:
        """Defect 6: art that appears, changes or goes is noticed by one listing per folder
        and queued for the folder's songs (their audio is not decoded again)."""
        cover = await asyncio.to_thread(_folder_cover_file, folder)
        if self._seen_covers is None:  # one query per scan, not one per folder
            self._seen_covers = await self._s._queue.folder_covers(path_to_text(self._root))
        seen = self._seen_covers.get(path_to_text(folder))
        if seen == cover:
            return
        if seen is not None:
            songs = await self._s._queue.songs_in_folder(path_to_text(folder))
            queued = await self._s._queue.queue_art(songs, self._s._pipeline.now())
            self._summary.queued_for_enrichment += queued
            log.info("scan.folder_cover_changed", folder=shown_path(folder), songs=queued)
        # Written with the next batch: a first scan meets thousands of folders.
        self._covers.append((path_to_text(folder), cover[0], cover[1]))


def _unreadable(root: Path) -> str | None:
    """Why `root` cannot be scanned, or None. An unreadable folder looks empty to a walk:
    it must not be taken for a folder whose songs all went."""
    if not root.exists():
        return "music folder not found"
    if not root.is_dir():
        return "not a folder"
    try:
        with os.scandir(root):
            pass
    except OSError as error:
        return f"music folder not readable ({error.strerror or error})"
    return None


def _count(root: Path) -> int:
    return sum(1 for _ in walk_music(root))


def _folder_cover_file(folder: Path) -> tuple[str | None, int | None]:
    """(path, mtime_ns) of the folder's best cover file (the names the art stage looks
    for), or (None, None)."""
    try:
        names = {entry.name.lower(): entry for entry in os.scandir(folder) if entry.is_file()}
    except OSError:
        return None, None
    for stem in FOLDER_COVER_NAMES:
        for extension in FOLDER_COVER_EXTENSIONS:
            entry = names.get(stem + extension)
            if entry is not None:
                try:
                    return path_to_text(entry.path), entry.stat().st_mtime_ns
                except OSError:
                    continue
    return None, None


def _draft(path: Path, found: FoundFile, tags: SongTags, song_id: uuid.UUID) -> SongDraft:
    """The song as phase 1 knows it: tags and file facts; no analysis yet."""
    return draft_from_tags(
        path,
        tags,
        in_place=True,
        size_bytes=found.size_bytes,
        mtime_ns=found.mtime_ns,
        duration_ms=tags.duration_ms or 0,
        audio_hash=pending_audio_hash(song_id),
    )


async def _walk_in_thread(root: Path) -> AsyncIterator[FoundFile]:
    """walk_music's files, listed and stat'ed in a thread a chunk at a time (the event loop
    of a server must not wait on a slow disk)."""
    files: Iterator[FoundFile] = walk_music(root)

    def next_chunk() -> list[FoundFile]:
        return [found for _, found in zip(range(WALK_CHUNK), files, strict=False)]

    while chunk := await asyncio.to_thread(next_chunk):
        for found in chunk:
            yield found


async def _merge(
    files: AsyncIterator[FoundFile], rows: AsyncIterator[ScannedFile]
) -> AsyncIterator[tuple[FoundFile | None, ScannedFile | None]]:
    """Pair files and rows with the same path; either side None when the other has no match.

    Both sides compare in the stored text form (`path_to_text`, as UTF-8 bytes): the order
    the walk yields and the database sorts in, and the form a row's path is equal in.
    """

    def key(path: str) -> bytes:
        # Stored paths are database text (library/paths.py); the walk's order is theirs too.
        return path.encode("utf-8")

    def found_key(found: FoundFile) -> bytes:
        return key(path_to_text(found.path))

    found = await anext(files, None)
    known = await anext(rows, None)
    while found is not None or known is not None:
        if known is None or (found is not None and found_key(found) < key(known.original_path)):
            yield found, None
            found = await anext(files, None)
        elif found is None or key(known.original_path) < found_key(found):
            yield None, known
            known = await anext(rows, None)
        else:
            yield found, known
            found = await anext(files, None)
            known = await anext(rows, None)
