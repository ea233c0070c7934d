"""The ingest pipeline: one file in, one song (with its renditions) out.

Stages, in order (each can be tested alone):
  1. analyse   — one ffmpeg decode: audio identity hash, duration, loudness, waveform,
                 fingerprint, the preview's place; refuses what is not usable audio
  2. read tags — mutagen, with fallbacks from folder and file name, `.lrc` beside the file
  3. place     — duplicate? moved? retagged? resumed after a crash? or new
  4. register  — scan: insert the song (visible from here on, renditions follow);
                 import/upload: record a pending import, then store the original
  5. render    — one ffmpeg process makes every missing rendition the source calls for
                 (no same-codec tier at or above its bitrate; a CBR MP3 original in
                 storage stands in for the lowest such tier: library/ladder.py); each row
                 is written only after its object is stored, so no client gets a URL to
                 nothing
  6. extras    — waveform JSON and cover art at three sizes, same rule
  7. list      — import/upload: the song AND its rendition rows in ONE transaction,
                 which also ends the pending import: it is listed complete or not at all

A crash of a scan leaves either nothing visible (before 4) or a visible song with fewer
renditions (after 4); scanning again finishes it. A crash of an import or upload leaves
nothing visible; once its original is stored, the pending import is finished at the next
start of `serve` or `worker` (ingest/pending.py), or by importing the file again.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import structlog

from tonearm.adapters.storage.base import ObjectStore
from tonearm.errors import InvalidInput
from tonearm.ingest import keys
from tonearm.ingest.drafts import draft_from_tags
from tonearm.ingest.media import MediaTools
from tonearm.ingest.models import (
    AudioAnalysis,
    IngestError,
    RenditionFile,
    RenditionKind,
    SongTags,
)
from tonearm.ingest.pending import PendingImport, PendingImports
from tonearm.ingest.tags import complete_tags
from tonearm.library.ladder import SourceAudio, estimated_kbps, needless_kinds, stand_in_kind
from tonearm.library.models import (
    DuplicateAudio,
    ScannedFile,
    Song,
    SongDraft,
    StoredRendition,
)
from tonearm.library.paths import display_path, path_to_text, text_to_path
from tonearm.library.replaygain import album_gain, track_gain_db
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)


class Outcome(enum.StrEnum):
    """What ingesting one file did."""

    IMPORTED = "imported"  # a new song
    UPDATED = "updated"  # same file, new tags or new audio
    MOVED = "moved"  # a known song's file at a new place
    RESUMED = "resumed"  # an interrupted import finished
    DUPLICATE = "duplicate"  # the same audio is already in the library
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome for one file."""

    path: Path
    outcome: Outcome
    song_id: uuid.UUID | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file as the stages learned it: where, how big, when changed, what it holds."""

    path: Path
    size_bytes: int
    mtime_ns: int
    analysis: AudioAnalysis
    tags: SongTags
    in_place: bool  # read where it lies (scan) rather than copied into storage
    origin: ImportOrigin | None = None  # import and upload: what the pending row records


@dataclass(frozen=True, slots=True)
class ImportOrigin:
    """Who brought an imported file in, for its pending import (see ingest/pending.py)."""

    source: str = "import"  # import or upload
    uploader_id: uuid.UUID | None = None
    upload_key: str | None = None  # the upload's object, deleted when its job finishes


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Which renditions ingest makes, and where it keeps scratch files."""

    renditions: frozenset[RenditionKind]
    temp_dir: Path | None = None


class RenditionHolder(Protocol):
    """Claims one rendition of a listed song for the duration of a block, so no on-demand
    encode of it runs meanwhile (the streaming domain's OnDemandRenditions)."""

    def hold(self, song_id: uuid.UUID, kind: str) -> AbstractAsyncContextManager[bool]:
        """Yields whether the claim is held."""
        ...


class NoHolder:
    """Nothing else makes renditions (a pipeline built alone, in tests and tools)."""

    @contextlib.asynccontextmanager
    async def hold(self, song_id: uuid.UUID, kind: str) -> AsyncIterator[bool]:
        """Always held."""
        yield True


@contextlib.asynccontextmanager
async def _hold_kinds(
    holder: RenditionHolder, song_id: uuid.UUID, kinds: Sequence[RenditionKind]
) -> AsyncIterator[set[RenditionKind]]:
    """Claims each kind; yields the kinds actually held (the rest are being made elsewhere)."""
    async with contextlib.AsyncExitStack() as stack:
        held = set()
        for kind in kinds:
            if await stack.enter_async_context(holder.hold(song_id, kind.value)):
                held.add(kind)
        yield held


class IngestPipeline:
    """Runs the stages for one file at a time (call it concurrently for several)."""

    def __init__(
        self,
        songs: SongRepository,
        store: ObjectStore,
        media: MediaTools,
        limits: IngestLimits,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pending: PendingImports | None = None,
        holder: RenditionHolder | None = None,
    ) -> None:
        self._songs = songs
        self._pending = pending
        self._holder = holder or NoHolder()
        self._store = store
        self._media = media
        self._limits = limits
        self._clock = clock

    def now(self) -> datetime:
        """The pipeline's clock."""
        return self._clock()

    async def ingest_file(
        self,
        path: Path,
        *,
        in_place: bool,
        known: ScannedFile | None = None,
        source: str = "import",
        root: Path | None = None,
        shown_as: str | None = None,
        origin: ImportOrigin | None = None,
    ) -> IngestResult:
        """Ingest `path`: read in place (scan) or copied into storage (import, upload).

        `known` is what the library remembers of this path (scan only). `root` is the
        music folder the file was found in: never taken for an artist or album. `shown_as`
        is the name a failure is recorded under when the path means nothing to the user
        (an upload's own name, not its temp file). Never raises (but
        for cancellation): a bad file, or any error while handling it, is this file's
        failure, with the reason in the result and in the import failures table.
        """
        try:
            stat = path.stat()
            if stat.st_size == 0:
                raise IngestError(path, "empty file (0 bytes)")
            analysis = await self.analyse(path)
            tags = await self.read_tags(path, root=root)
            source_file = SourceFile(
                path,
                stat.st_size,
                stat.st_mtime_ns,
                analysis,
                tags,
                in_place,
                None if in_place else origin or ImportOrigin(source),
            )
            result = await self._place(source_file, known)
            await self._songs.clear_failure(shown_as or path_to_text(path))
        except IngestError as error:
            return await self._failed(path, error.reason, source, shown_as)
        except Exception as error:
            # Whatever went wrong is this file's failure: the batch goes on to the next one.
            log.exception("ingest.crashed", path=display_path(path_to_text(path)))
            reason = f"internal error ({type(error).__name__}: {error})"
            return await self._failed(path, reason[:500], source, shown_as)
        return result

    async def _failed(
        self, path: Path, reason: str, source: str, shown_as: str | None
    ) -> IngestResult:
        """Record and report `path` as failed; never raises (a bad file ends only itself)."""
        # Reasons can quote file names or messages with lone surrogates: stored escaped.
        reason = reason.encode("utf-8", "backslashreplace").decode("utf-8")
        try:
            await self._songs.record_failure(
                shown_as or path_to_text(path),
                reason,
                source,
                _size_or_none(path),
                _mtime_or_none(path),
                self._clock(),
            )
        except Exception:
            log.exception("ingest.failure_not_recorded", path=display_path(path_to_text(path)))
        log.warning("ingest.failed", path=display_path(path_to_text(path)), reason=reason)
        return IngestResult(path, Outcome.FAILED, reason=reason)

    # Stage 1
    async def analyse(self, path: Path, analysis_pcm: Path | None = None) -> AudioAnalysis:
        """Decode once: identity, duration, loudness, waveform, fingerprint, preview place
        (and, with `analysis_pcm`, the audio analyser's PCM into that file)."""
        if analysis_pcm is None:
            return await self._media.analyse(path)
        return await self._media.analyse(path, analysis_pcm)

    # Stage 2
    async def read_tags(self, path: Path, root: Path | None = None) -> SongTags:
        """Tags, completed from the folder and file name and a `.lrc` beside the file
        (folders from `root` up are never an artist or album)."""
        raw = await self._media.read_tags(path)
        lrc_path = path.with_suffix(".lrc")
        has_lrc = await asyncio.to_thread(lrc_path.is_file)
        lrc = await self._media.read_lrc(lrc_path) if has_lrc else ()
        return complete_tags(raw, path, lrc, root=root)

    # Stage 3
    async def _place(self, file: SourceFile, known: ScannedFile | None) -> IngestResult:
        path = file.path
        if known is not None and known.audio_hash != file.analysis.audio_hash:
            # New audio in a known file: same song, fresh renditions.
            stale = await self._songs.drop_renditions(known.song_id)
            await self._delete_objects([r.storage_key for r in stale])
            return await self._refresh(known.song_id, Outcome.UPDATED, file)

        existing = await self._songs.find_by_audio_hash(file.analysis.audio_hash)
        if existing is None:
            pending = await self._pending_import(file)
            if pending is not None:
                # A killed import of this very audio: finish it under its song id.
                return await self._list_complete(
                    pending.song_id, file, Outcome.RESUMED, pending.original_key
                )
            return await self._register_new(file)
        if existing.deleted_at is not None:
            # A removed song comes back: same id, plays and playlist entries.
            return await self._refresh(existing.id, Outcome.IMPORTED, file)
        if file.in_place and existing.original_path == path_to_text(path):
            # Same file, same audio: the tags changed.
            return await self._refresh(existing.id, Outcome.UPDATED, file)
        if (
            file.in_place
            and existing.original_path
            and not text_to_path(existing.original_path).exists()
        ):
            return await self._refresh(existing.id, Outcome.MOVED, file)
        if await self._is_incomplete(existing.id, file):
            # An interrupted import of this very audio: finish it.
            await self.render(existing.id, file, original_key=existing.original_key)
            return IngestResult(path, Outcome.RESUMED, existing.id)
        return IngestResult(
            path, Outcome.DUPLICATE, existing.id, reason=f"same audio as {_describe(existing)}"
        )

    async def _refresh(
        self, song_id: uuid.UUID, outcome: Outcome, file: SourceFile
    ) -> IngestResult:
        """Rewrite a known song from this file (keeping its id), then complete it.

        An import revives a removed song only once it is complete: its objects are made
        while it is still tombstoned (unlisted), and the revival ends its pending import."""
        draft = self._draft(file, song_id)
        if draft.original_key is not None:
            await self._record_pending(song_id, draft.original_key, file)
            await self._store.put_file(draft.original_key, file.path)
            await self._render_missing(
                song_id, file, self._add_row(song_id), original_key=draft.original_key
            )
            await self._songs.replace_metadata(song_id, draft, self._clock())
            await self._refresh_album_gain(song_id)
            return IngestResult(file.path, outcome, song_id)
        await self._songs.replace_metadata(song_id, draft, self._clock())
        await self.render(song_id, file)
        return IngestResult(file.path, outcome, song_id)

    # Stage 4
    async def _register_new(self, file: SourceFile) -> IngestResult:
        song_id = uuid.uuid4()
        if not file.in_place:
            return await self._list_complete(song_id, file, Outcome.IMPORTED)
        draft = self._draft(file, song_id)
        await self._songs.add(song_id, draft, self._clock())
        log.info("ingest.song_added", song_id=str(song_id), path=path_to_text(file.path))
        await self.render(song_id, file)
        return IngestResult(file.path, Outcome.IMPORTED, song_id)

    async def _list_complete(
        self,
        song_id: uuid.UUID,
        file: SourceFile,
        outcome: Outcome,
        original_key: str | None = None,
    ) -> IngestResult:
        """Import stages 4 to 7: pending row, original, every object, then the song with
        its rendition rows in one transaction. `original_key` resumes a pending import."""
        draft = self._draft(file, song_id)
        if original_key is not None:
            draft = replace(draft, original_key=original_key)
        else:
            assert draft.original_key is not None
            await self._record_pending(song_id, draft.original_key, file)
        assert draft.original_key is not None
        await self._store.put_file(draft.original_key, file.path)
        made: list[StoredRendition] = []

        async def keep(rendition: StoredRendition) -> None:
            made.append(rendition)

        await self._render_missing(
            song_id, file, keep, present=set(), original_key=draft.original_key
        )
        try:
            await self._songs.add(song_id, draft, self._clock(), made)  # Stage 7
        except DuplicateAudio as duplicate:
            # The same audio was listed meanwhile (two copies imported at once).
            await self._delete_objects([draft.original_key, *(r.storage_key for r in made)])
            if self._pending is not None:
                await self._pending.remove(song_id)
            existing = await self._songs.get(duplicate.existing_id)
            return IngestResult(
                file.path,
                Outcome.DUPLICATE,
                existing.id,
                reason=f"same audio as {_describe(existing)}",
            )
        log.info("ingest.song_added", song_id=str(song_id), path=path_to_text(file.path))
        await self._refresh_album_gain(song_id)
        return IngestResult(file.path, outcome, song_id)

    async def _pending_import(self, file: SourceFile) -> PendingImport | None:
        if file.in_place or self._pending is None:
            return None
        return await self._pending.find_by_audio_hash(file.analysis.audio_hash)

    async def _record_pending(
        self, song_id: uuid.UUID, original_key: str, file: SourceFile
    ) -> None:
        """Before the original is stored: from here a crash is finished at the next start."""
        if self._pending is None:
            return
        origin = file.origin or ImportOrigin()
        await self._pending.add(
            PendingImport(
                song_id=song_id,
                audio_hash=file.analysis.audio_hash,
                original_key=original_key,
                source_name=path_to_text(file.path),
                source=origin.source,
                created_at=self._clock(),
                uploader_id=origin.uploader_id,
                upload_key=origin.upload_key,
            )
        )

    # Stages 5 and 6
    async def render(
        self, song_id: uuid.UUID, file: SourceFile, *, original_key: str | None = None
    ) -> None:
        """Make and store whatever the song is still missing, each row after its object;
        then refresh the album's ReplayGain if this song completed it. `original_key`: the
        song's original in storage (it may stand in for a rendition)."""
        await self._render_missing(
            song_id, file, self._add_row(song_id), claim=True, original_key=original_key
        )
        await self._refresh_album_gain(song_id)

    async def _refresh_album_gain(self, song_id: uuid.UUID) -> None:
        complete = album_gain(await self._songs.album_tracks(song_id))
        if complete is not None:
            await self._songs.set_album_gain(song_id, *complete)

    def _add_row(self, song_id: uuid.UUID) -> Callable[[StoredRendition], Awaitable[None]]:
        async def add(rendition: StoredRendition) -> None:
            await self._songs.add_rendition(song_id, rendition)

        return add

    async def _render_missing(
        self,
        song_id: uuid.UUID,
        file: SourceFile,
        record: Callable[[StoredRendition], Awaitable[None]],
        present: set[str] | None = None,
        *,
        claim: bool = False,
        original_key: str | None = None,
    ) -> None:
        """Store each missing object, then hand its row to `record` (written at once for a
        listed song, or kept for the transaction that lists a new import).

        With `claim` (a listed song), each missing rendition is claimed first, so no client's
        on-demand encode of it runs at the same time; one that cannot be claimed is being
        made on request right now and is left to that encode.
        """
        if present is None:
            present = {r.kind for r in await self._songs.renditions(song_id)}
        planned, stand_in = self.plan(file)
        missing = [k for k in planned if k.value not in present]
        holder = self._holder if claim and missing else NoHolder()
        claimed = _hold_kinds(holder, song_id, missing)
        async with claimed as held:
            if claim and missing:
                # Made on request between the first look and the claim: not again.
                present = {r.kind for r in await self._songs.renditions(song_id)}
            missing = [k for k in missing if k in held and k.value not in present]
            await self._render_objects(song_id, file, record, present, missing)
        if stand_in is not None and original_key is not None and stand_in.value not in present:
            await record(self._stand_in(stand_in, file, original_key))

    def plan(self, file: SourceFile) -> tuple[list[RenditionKind], RenditionKind | None]:
        """The renditions to make of `file` (of those this server makes), and the one its
        original stands in for, if any (library/ladder.py has the rule)."""
        analysis = file.analysis
        source = SourceAudio(
            analysis.codec,
            analysis.bitrate_kbps,
            cbr_mp3_kbps=analysis.cbr_mp3_kbps,
            in_storage=not file.in_place,
        )
        needless = needless_kinds(source)
        planned = [kind for kind in self._limits.renditions if kind.value not in needless]
        stand_in = stand_in_kind(source)
        if stand_in is None or RenditionKind(stand_in) not in self._limits.renditions:
            return planned, None
        return planned, RenditionKind(stand_in)

    def _stand_in(
        self, kind: RenditionKind, file: SourceFile, original_key: str
    ) -> StoredRendition:
        """The row that makes the stored original serve `kind`: no object of its own."""
        return StoredRendition(
            kind=kind.value,
            codec="mp3",
            bitrate_kbps=file.analysis.cbr_mp3_kbps,
            size_bytes=file.size_bytes,
            storage_key=original_key,
            created_at=self._clock(),
        )

    async def _render_objects(
        self,
        song_id: uuid.UUID,
        file: SourceFile,
        record: Callable[[StoredRendition], Awaitable[None]],
        present: set[str],
        missing: list[RenditionKind],
    ) -> None:
        source, analysis = file.path, file.analysis
        with tempfile.TemporaryDirectory(
            prefix="tonearm-ingest-", dir=self._limits.temp_dir
        ) as tmp:
            if missing:
                files = await self._media.render(
                    source,
                    Path(tmp),
                    missing,
                    preview_start_ms=analysis.preview_start_ms,
                    duration_ms=analysis.duration_ms,
                )
                for kind in missing:
                    await record(await self._store_rendition(song_id, kind, files[kind]))
            if keys.WAVEFORM_KIND not in present:
                await record(await self._store_waveform(song_id, analysis, Path(tmp)))
            if not any(kind.startswith("art-") for kind in present):
                for art in await self._store_cover(song_id, source, file.tags, Path(tmp)):
                    await record(art)

    async def store_cover(self, song_id: uuid.UUID, source: Path) -> None:
        """Cover art alone, from the file's picture or its folder's cover file (a scanned
        folder's art appeared or changed: the audio is not decoded again)."""
        tags = await self.read_tags(source)
        with tempfile.TemporaryDirectory(
            prefix="tonearm-ingest-", dir=self._limits.temp_dir
        ) as tmp:
            for art in await self._store_cover(song_id, source, tags, Path(tmp)):
                await self._songs.add_rendition(song_id, art)

    async def _rerender_objects(
        self, song_id: uuid.UUID, source: Path, duration_ms: int, missing: list[RenditionKind]
    ) -> None:
        # Only a preview needs the analysis (its start); tiering never drops previews.
        preview_start_ms = 0
        if RenditionKind.PREVIEW in missing:
            preview_start_ms = (await self.analyse(source)).preview_start_ms
        with tempfile.TemporaryDirectory(
            prefix="tonearm-ingest-", dir=self._limits.temp_dir
        ) as tmp:
            files = await self._media.render(
                source,
                Path(tmp),
                missing,
                preview_start_ms=preview_start_ms,
                duration_ms=duration_ms,
            )
            for kind in missing:
                rendition = await self._store_rendition(song_id, kind, files[kind])
                await self._songs.add_rendition(song_id, rendition)

    async def rerender(
        self, song_id: uuid.UUID, source: Path, kinds: Collection[RenditionKind]
    ) -> list[RenditionKind]:
        """Render again, from the original at `source`, the `kinds` the song lacks (storage
        tiering dropped them); each row after its object. Returns the kinds made."""
        song = await self._songs.get(song_id)
        present = {r.kind for r in await self._songs.renditions(song_id)}
        size = (await asyncio.to_thread(source.stat)).st_size
        needless = needless_kinds(
            SourceAudio(
                source.suffix.lstrip("."), estimated_kbps(size, song.duration_ms), estimated=True
            )
        )
        missing = [kind for kind in kinds if kind.value not in present | needless]
        if not missing:
            return []
        async with _hold_kinds(self._holder, song_id, missing) as held:
            # One made on request meanwhile (or being made now) is not made again.
            present = {r.kind for r in await self._songs.renditions(song_id)}
            missing = [kind for kind in missing if kind in held and kind.value not in present]
            if not missing:
                return []
            await self._rerender_objects(song_id, source, song.duration_ms, missing)
        log.info("ingest.rerendered", song_id=str(song_id), kinds=[k.value for k in missing])
        return missing

    async def _store_rendition(
        self, song_id: uuid.UUID, kind: RenditionKind, rendered: RenditionFile
    ) -> StoredRendition:
        """Store one rendition's object; returns its row (for the caller to write)."""
        key = keys.rendition_key(song_id, kind)
        info = await self._store.put_file(key, rendered.path, _content_type(kind))
        return StoredRendition(
            kind=kind.value,
            codec=rendered.codec,
            bitrate_kbps=rendered.bitrate_kbps,
            size_bytes=info.size_bytes,
            storage_key=key,
            created_at=self._clock(),
        )

    async def _store_waveform(
        self, song_id: uuid.UUID, analysis: AudioAnalysis, tmp: Path
    ) -> StoredRendition:
        waveform_file = tmp / "waveform.json"
        await asyncio.to_thread(
            waveform_file.write_text, json.dumps(analysis.waveform, separators=(",", ":"))
        )
        key = keys.waveform_key(song_id)
        info = await self._store.put_file(key, waveform_file, "application/json")
        return StoredRendition(
            keys.WAVEFORM_KIND, "json", None, info.size_bytes, key, self._clock()
        )

    async def _store_cover(
        self, song_id: uuid.UUID, source: Path, tags: SongTags, tmp: Path
    ) -> list[StoredRendition]:
        embedded = tags.picture.data if tags.picture else None
        try:
            images = await self._media.cover_images(embedded, source.parent)
        except InvalidInput as error:
            # A bad picture costs the song its art, not its place in the library.
            log.warning("ingest.cover_unusable", song_id=str(song_id), reason=str(error))
            return []
        stored: list[StoredRendition] = []
        for image in images:
            for image_format, payload, content_type in (
                ("jpg", image.jpeg, "image/jpeg"),
                ("webp", image.webp, "image/webp"),
            ):
                image_file = tmp / f"art-{image.size_px}.{image_format}"
                await asyncio.to_thread(image_file.write_bytes, payload)
                key = keys.art_key(song_id, image.size_px, image_format)
                info = await self._store.put_file(key, image_file, content_type)
                stored.append(
                    StoredRendition(
                        keys.art_kind(image.size_px, image_format),
                        image_format,
                        None,
                        info.size_bytes,
                        key,
                        self._clock(),
                    )
                )
        return stored

    async def _is_incomplete(self, song_id: uuid.UUID, file: SourceFile) -> bool:
        present = {r.kind for r in await self._songs.renditions(song_id)}
        wanted = {kind.value for kind in self.plan(file)[0]} | {keys.WAVEFORM_KIND}
        return bool(wanted - present)

    async def _delete_objects(self, storage_keys: Collection[str]) -> None:
        for key in storage_keys:
            await self._store.delete(key)

    def _draft(self, file: SourceFile, song_id: uuid.UUID) -> SongDraft:
        path, analysis, tags, in_place = file.path, file.analysis, file.tags, file.in_place
        size, mtime_ns = file.size_bytes, file.mtime_ns
        original_key = None
        if not in_place:
            # By what the file is, not what it is called: a FLAC named .mp3 is stored as .flac.
            extension = keys.extension_for(analysis.codec, path.suffix)
            original_key = keys.original_key(song_id, extension)
        gain = track_gain_db(analysis.loudness_lufs) if analysis.loudness_lufs is not None else None
        draft = draft_from_tags(
            path,
            tags,
            in_place=in_place,
            size_bytes=size,
            mtime_ns=mtime_ns,
            duration_ms=analysis.duration_ms,
            audio_hash=analysis.audio_hash,
            original_key=original_key,
        )
        return replace(
            draft,
            loudness_lufs=analysis.loudness_lufs,
            replaygain_track_gain_db=gain,
            replaygain_track_peak=analysis.sample_peak,
            fingerprint=analysis.fingerprint,
        )


def _content_type(kind: RenditionKind) -> str:
    return "audio/webm" if kind is RenditionKind.EFFICIENT else "audio/mpeg"


def _describe(song: Song) -> str:
    artist = ", ".join(song.artists) or "unknown artist"
    return f"“{song.title}” by {artist}"


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _mtime_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
