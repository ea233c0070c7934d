"""`tonearm scan`: bring the library in line with music folders read in place.

The walk of each folder and the library's rows for it are both in bytewise path order and
merged like two sorted lists, so a rescan holds one folder listing and one page of rows
in memory, whatever the library's size. Only new or changed files (by size and mtime) are
decoded; their audio hash then tells a retag or a move (same song, same id) from new music.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import structlog

from tonearm.ingest.files import FoundFile, walk_music
from tonearm.ingest.pipeline import IngestPipeline, IngestResult, Outcome
from tonearm.ingest.report import BatchSummary, IngestReporter, shown_path
from tonearm.library.models import ScannedFile
from tonearm.library.paths import path_to_text
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)


class MusicFolderMissing(Exception):
    """A configured music folder is not there (an unmounted disk?): nothing is removed."""


class LibraryScanner:
    """Incremental scans of music folders."""

    def __init__(
        self, pipeline: IngestPipeline, songs: SongRepository, *, concurrency: int
    ) -> None:
        self._pipeline = pipeline
        self._songs = songs
        self._concurrency = max(1, concurrency)

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
                readable.append(root.resolve())
        total = 0
        for root in readable:
            total += await asyncio.to_thread(_count, root)
        reporter.total_known(total)
        for root in readable:
            await self._scan_root(root, reporter, summary)
        return summary

    async def _scan_root(self, root: Path, reporter: IngestReporter, summary: BatchSummary) -> None:
        gone: list[ScannedFile] = []
        running: set[asyncio.Task[IngestResult]] = set()
        slots = asyncio.Semaphore(self._concurrency)

        async def ingest(found: FoundFile, known: ScannedFile | None) -> IngestResult:
            async with slots:
                reporter.file_started(found.path)
                try:  # ingest_file reports its errors; no single file may end the scan
                    result = await self._pipeline.ingest_file(
                        found.path, in_place=True, known=known, source="scan", root=root
                    )
                except Exception as error:
                    log.exception("scan.file_crashed", path=shown_path(found.path))
                    reason = f"internal error ({type(error).__name__})"
                    result = IngestResult(found.path, Outcome.FAILED, reason=reason)
            reporter.file_finished(result)
            summary.add(result)
            return result

        async def submit(found: FoundFile, known: ScannedFile | None) -> None:
            # Bounded look-ahead: do not queue the whole library as tasks.
            while len(running) >= self._concurrency * 2:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                running.difference_update(done)
            task = asyncio.create_task(ingest(found, known))
            running.add(task)

        async for found, known in _merge(
            walk_music(root), self._songs.scanned_files(path_to_text(root))
        ):
            if found is None:
                assert known is not None
                gone.append(known)
            elif known is not None and (found.size_bytes, found.mtime_ns) == (
                known.size_bytes,
                known.mtime_ns,
            ):
                summary.unchanged += 1
                reporter.file_skipped(found.path)
            elif known is None and await self._failed_before_unchanged(found):
                summary.counts[Outcome.FAILED.value] += 1
                reporter.file_skipped(found.path)
            else:
                await submit(found, known)
        if running:
            await asyncio.gather(*running)
        for missing in gone:
            # A file that moved was re-pointed by its new path's ingest; only the rest went.
            song = await self._songs.get(missing.song_id)
            if song.deleted_at is None and song.original_path == missing.original_path:
                await self._songs.tombstone(missing.song_id, self._pipeline.now())
                summary.removed += 1

    async def _failed_before_unchanged(self, found: FoundFile) -> bool:
        # A bad file is not decoded again every hour unless it changed.
        previous = await self._songs.failure_for(path_to_text(found.path))
        return previous == (found.size_bytes, found.mtime_ns)


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


async def _merge(
    files: Iterator[FoundFile], rows: AsyncIterator[ScannedFile]
) -> AsyncIterator[tuple[FoundFile | None, ScannedFile | None]]:
    """Pair files and rows with the same path; either side None when the other has no match.

    Both sides compare in the stored text form (`path_to_text`, as UTF-8 bytes): the order
    the walk yields and the database sorts in, and the form a row's path is equal in.
    """

    def key(path: str) -> bytes:
        return path.encode("utf-8")

    found = next(files, None)
    known = await anext(rows, None)
    while found is not None or known is not None:
        found_key = b"" if found is None else key(path_to_text(found.path))
        if known is None or (found is not None and found_key < key(known.original_path)):
            yield found, None
            found = next(files, None)
        elif found is None or key(known.original_path) < found_key:
            yield None, known
            known = await anext(rows, None)
        else:
            yield found, known
            found = next(files, None)
            known = await anext(rows, None)
