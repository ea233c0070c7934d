"""What ingest needs from media tooling, as a Protocol (ffmpeg, mutagen and Pillow live in
adapters/; app.py passes the implementation in)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Protocol

from tonearm.ingest.models import (
    AudioAnalysis,
    CoverImage,
    LyricsLine,
    RenditionFile,
    RenditionKind,
    SongTags,
)


class MediaTools(Protocol):
    """Decode, encode, read tags and make cover art. Errors about a file are IngestError."""

    async def analyse(self, path: Path, analysis_pcm: Path | None = None) -> AudioAnalysis:
        """One decode: identity hash, duration, loudness, waveform, fingerprint, preview;
        with `analysis_pcm`, also the audio analyser's PCM (mono float32 little-endian at
        ANALYSIS_SAMPLE_RATE) into that file."""
        ...

    async def render(
        self,
        source: Path,
        out_dir: Path,
        kinds: Collection[RenditionKind],
        *,
        preview_start_ms: int,
        duration_ms: int,
    ) -> dict[RenditionKind, RenditionFile]:
        """Every requested rendition from one decode, as files in `out_dir`."""
        ...

    async def read_tags(self, path: Path) -> SongTags:
        """The file's tags as written (no fallbacks); raises IngestError for tag bombs."""
        ...

    async def read_lrc(self, path: Path) -> tuple[LyricsLine, ...]:
        """Synced lyrics from an `.lrc` file; () when unreadable."""
        ...

    async def cover_images(self, embedded: bytes | None, folder: Path) -> list[CoverImage]:
        """Cover art from the embedded picture, else a cover file in `folder`, at the
        standard sizes; [] when there is none. Raises InvalidInput for unusable art."""
        ...
