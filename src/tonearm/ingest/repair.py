"""Finishing the imports a killed process left pending (see ingest/pending.py).

Run at every start of `serve` and `worker` as a job. Each pending import is finished from
its stored original by the same pipeline an import runs, as if the file were imported
again from where it was: the copy is placed under the same two folder names and file
name (the fallbacks for missing tags read them), with the `.lrc` and folder cover beside
it when the source folder still exists. What the pipeline then finds decides:

- the song is listed under the pending id: finished (or another process finished it);
- the same audio is listed under another id: a duplicate, so the pending import's
  objects and row go;
- the file no longer ingests: the failure is recorded and the pending import dropped;
- the original never reached storage (killed while storing it): the row is dropped and
  the file is simply not imported;
- an upload whose `uploads/` object still exists is left to its upload job, which the
  job ledger runs again after a crash and which reports the outcome to the uploader.

Songs that versions before pending imports listed half-done (listed first, renditions
after; a crash left them without their last object, the waveform) are completed from
their stored original too.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from uuid import UUID

import structlog

from tonearm.adapters.storage.base import ObjectNotFound, ObjectStore
from tonearm.ingest.keys import STORAGE_PREFIXES
from tonearm.ingest.pending import PendingImport, PendingImports, RepairSummary
from tonearm.ingest.pipeline import ImportOrigin, IngestPipeline, Outcome
from tonearm.library.models import SongNotFound
from tonearm.library.paths import path_to_text, text_to_path
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)

# Files worth carrying beside the copy: a `.lrc` of the same name, and folder covers
# (their names as the cover lookup in adapters/media/images.py tries them).
_COVER_STEMS = ("cover", "folder", "front", "album", "albumart")
_COVER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_MAX_SIDE_FILE_BYTES = 50 * 1024 * 1024


async def finish_pending_imports(
    pipeline: IngestPipeline,
    pending_imports: PendingImports,
    songs: SongRepository,
    store: ObjectStore,
    temp_dir: Path,
) -> RepairSummary:
    """Finish or drop every pending import, oldest first; returns what was done."""
    counts: Counter[str] = Counter()
    for pending in await pending_imports.all():
        what = await _finish_one(pipeline, pending_imports, songs, store, temp_dir, pending)
        counts[what] += 1
        log.info("ingest.pending_import", song_id=str(pending.song_id), result=what)
    for song_id in await songs.unfinished_imports():
        what = await _complete_listed(pipeline, songs, store, temp_dir, song_id)
        counts[what] += 1
        log.info("ingest.unfinished_import", song_id=str(song_id), result=what)
    return RepairSummary(**counts)


async def _complete_listed(
    pipeline: IngestPipeline,
    songs: SongRepository,
    store: ObjectStore,
    temp_dir: Path,
    song_id: UUID,
) -> str:
    """Render what a listed imported song lacks, from its stored original (the pipeline
    finds the song by its audio and resumes it)."""
    song = await songs.get(song_id)
    if song.original_key is None or not await _exists(store, song.original_key):
        return "unrecoverable"
    temp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tonearm-ingest-", dir=temp_dir) as tmp:
        copy = Path(tmp) / Path(song.original_key).name
        with copy.open("wb") as file:
            async for chunk in store.get_range(song.original_key):
                await asyncio.to_thread(file.write, chunk)
        result = await pipeline.ingest_file(copy, in_place=False)
    return "completed_listed" if result.song_id == song_id else "unrecoverable"


async def _finish_one(
    pipeline: IngestPipeline,
    pending_imports: PendingImports,
    songs: SongRepository,
    store: ObjectStore,
    temp_dir: Path,
    pending: PendingImport,
) -> str:
    if not await _exists(store, pending.original_key):
        await pending_imports.remove(pending.song_id)
        return "dropped"
    if pending.upload_key is not None and await _exists(store, pending.upload_key):
        return "left_to_upload_job"
    temp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tonearm-ingest-", dir=temp_dir) as tmp:
        copy = await _copy_original(store, pending, Path(tmp))
        origin = ImportOrigin(pending.source, pending.uploader_id, pending.upload_key)
        result = await pipeline.ingest_file(
            copy, in_place=False, source=pending.source, origin=origin, root=Path(tmp)
        )
    if result.song_id == pending.song_id and result.outcome is not Outcome.FAILED:
        return "finished"
    # Another song has this audio, or the file no longer ingests: nothing of this pending
    # import will be listed, so its objects go (unless a song with its id exists after all).
    await _drop(pending, pending_imports, songs, store)
    return "failed" if result.outcome is Outcome.FAILED else "duplicates"


async def _exists(store: ObjectStore, key: str) -> bool:
    try:
        await store.stat(key)
    except ObjectNotFound:
        return False
    return True


async def _copy_original(store: ObjectStore, pending: PendingImport, tmp: Path) -> Path:
    """The stored original at `<tmp>/<grandparent>/<parent>/<file name>` of the source."""
    source = text_to_path(pending.source_name)
    folder = tmp
    for part in (source.parent.parent.name, source.parent.name):
        if part:
            folder = folder / part
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    copy = folder / (source.name or Path(pending.original_key).name)
    with copy.open("wb") as file:
        async for chunk in store.get_range(pending.original_key):
            await asyncio.to_thread(file.write, chunk)
    await asyncio.to_thread(_copy_side_files, source, copy)
    return copy


def _copy_side_files(source: Path, copy: Path) -> None:
    """The `.lrc` and folder covers beside `source`, when its folder still exists."""
    try:
        names = [source.with_suffix(".lrc").name]
        if source.parent.is_dir():
            names += [
                entry.name
                for entry in source.parent.iterdir()
                if entry.suffix.lower() in _COVER_SUFFIXES and entry.stem.lower() in _COVER_STEMS
            ]
        for name in names:
            side = source.parent / name
            if side.is_file() and side.stat().st_size <= _MAX_SIDE_FILE_BYTES:
                shutil.copyfile(side, copy.parent / name)
    except OSError as error:
        # Only fallbacks are lost (lyrics, folder art); the song is still finished.
        log.warning("ingest.pending_side_files", path=path_to_text(source), error=str(error))


async def _drop(
    pending: PendingImport,
    pending_imports: PendingImports,
    songs: SongRepository,
    store: ObjectStore,
) -> None:
    try:
        await songs.get(pending.song_id)
    except SongNotFound:
        for prefix in STORAGE_PREFIXES:
            async for info in store.list(f"{prefix}/{pending.song_id}"):
                await store.delete(info.key)
    await pending_imports.remove(pending.song_id)
