"""MediaTools on ffmpeg (analysis, renditions), mutagen (tags) and Pillow (cover art)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from pathlib import Path

from tonearm.adapters.ffmpeg.analysis import analyse_audio
from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.renditions import render_renditions
from tonearm.adapters.media.images import find_folder_cover, normalise_cover, read_cover_file
from tonearm.adapters.media.tag_sizes import check_tag_file
from tonearm.adapters.media.tags import read_lrc_file, read_tags
from tonearm.ingest.models import (
    AudioAnalysis,
    CoverImage,
    LyricsLine,
    RenditionFile,
    RenditionKind,
    SongTags,
)

COVER_SIZES_PX = (96, 300, 1200)
MAX_COVER_BYTES = 20 * 1024 * 1024


class FFmpegMediaTools:
    """The media tooling ingest runs, each ffmpeg run bounded in time and memory."""

    def __init__(
        self,
        ffmpeg: FFmpegTool,
        *,
        max_duration_seconds: float,
        timeout_seconds: float,
        memory_limit_bytes: int | None,
        threads: int | None = None,
        niceness: int = 0,
    ) -> None:
        self.ffmpeg = ffmpeg
        self._max_duration_seconds = max_duration_seconds
        self._timeout_seconds = timeout_seconds
        self._memory_limit_bytes = memory_limit_bytes
        self._threads = threads
        self._niceness = niceness  # > 0: ffmpeg at lower CPU priority (background enrichment)

    async def analyse(self, path: Path, analysis_pcm: Path | None = None) -> AudioAnalysis:
        """One analysis decode (see adapters/ffmpeg/analysis.py), after the cheap tag-bomb
        check: ffmpeg spends minutes on a file of 100,000 tiny tag frames. With
        `analysis_pcm`, the audio analyser's PCM is written there by the same decode."""
        await asyncio.to_thread(check_tag_file, path)
        return await analyse_audio(
            self.ffmpeg,
            path,
            max_duration_seconds=self._max_duration_seconds,
            limit_seconds=self._timeout_seconds,
            memory_limit_bytes=self._memory_limit_bytes,
            niceness=self._niceness,
            analysis_pcm=analysis_pcm,
        )

    async def render(
        self,
        source: Path,
        out_dir: Path,
        kinds: Collection[RenditionKind],
        *,
        preview_start_ms: int,
        duration_ms: int,
    ) -> dict[RenditionKind, RenditionFile]:
        """Every rendition from one ffmpeg process."""
        return await render_renditions(
            self.ffmpeg,
            source,
            out_dir,
            kinds,
            preview_start_ms=preview_start_ms,
            duration_ms=duration_ms,
            limit_seconds=self._timeout_seconds,
            memory_limit_bytes=self._memory_limit_bytes,
            threads=self._threads,
            niceness=self._niceness,
        )

    async def read_tags(self, path: Path) -> SongTags:
        """mutagen, off the event loop."""
        return await asyncio.to_thread(read_tags, path)

    async def read_lrc(self, path: Path) -> tuple[LyricsLine, ...]:
        """An .lrc file, off the event loop."""
        return await asyncio.to_thread(read_lrc_file, path)

    async def cover_images(self, embedded: bytes | None, folder: Path) -> list[CoverImage]:
        """Pillow, off the event loop; raises CoverArtError (InvalidInput) for bad art."""
        data = embedded
        if data is None:
            cover_file = await asyncio.to_thread(find_folder_cover, folder)
            if cover_file is None:
                return []
            data = await asyncio.to_thread(read_cover_file, cover_file, MAX_COVER_BYTES)
        return await asyncio.to_thread(normalise_cover, data, COVER_SIZES_PX)
