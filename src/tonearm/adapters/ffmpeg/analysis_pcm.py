"""A small decode to the audio analyser's PCM, for songs enriched before analysis was on.

New songs get this PCM from the enrichment decode itself (analysis.py's fourth output); a
song enriched earlier, or one analysed again, is decoded here from its best source: the
original file in place, else the stored rendition the caller fetched. Mono float32
little-endian at ANALYSIS_SAMPLE_RATE, headerless, into a file (`-t` stops at the cap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.run import FFmpegFailed, FFmpegTimeout, stream_ffmpeg
from tonearm.analysis.models import ANALYSIS_SAMPLE_RATE
from tonearm.analysis.service import AudioUnavailable
from tonearm.errors import TonearmError
from tonearm.library.paths import text_to_path

if TYPE_CHECKING:
    from tonearm.adapters.storage.base import ObjectStore
    from tonearm.streaming.models import MediaCatalog, MediaSource


class PcmDecodeFailed(TonearmError):
    """ffmpeg could not decode the source to analysis PCM (the reason is in the message)."""


def analysis_pcm_args(source: Path, dest: Path, max_seconds: float) -> list[str]:
    """ffmpeg arguments: the first audio stream, at most `max_seconds`, to analysis PCM."""
    return [
        "-nostats", "-v", "error", "-i", str(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-map_metadata", "-1", "-t", f"{max_seconds:g}",
        "-af", f"aresample={ANALYSIS_SAMPLE_RATE},aformat=sample_fmts=flt:channel_layouts=mono",
        "-c:a", "pcm_f32le", "-f", "f32le", "-y", str(dest),
    ]  # fmt: skip


async def decode_analysis_pcm(
    tool: FFmpegTool,
    source: Path,
    dest: Path,
    *,
    max_seconds: float,
    limit_seconds: float,
    memory_limit_bytes: int | None,
    niceness: int = 0,
) -> None:
    """Decode `source` into `dest` as analysis PCM (the first `max_seconds` at most).

    Raises PcmDecodeFailed with a reason a person can act on.
    """
    try:
        await stream_ffmpeg(
            tool.ffmpeg,
            analysis_pcm_args(source, dest, max_seconds),
            limit_seconds,
            memory_limit_bytes=memory_limit_bytes,
            niceness=niceness,
        )
    except FFmpegTimeout:
        raise PcmDecodeFailed(f"decoding took longer than {limit_seconds:g} s") from None
    except FFmpegFailed as error:
        raise PcmDecodeFailed(f"ffmpeg could not decode the audio ({error})") from None


# The best stored rendition when the original is not at hand, in order (never the preview:
# it is 30 s of the middle).
_RENDITION_ORDER = ("high", "efficient", "medium", "low")


class SongPcmDecoder:
    """AnalysisService's SongAudio on ffmpeg: the original read in place (or fetched from
    storage), else the best full rendition, decoded to analysis PCM."""

    def __init__(
        self,
        tool: Callable[[], FFmpegTool],
        catalog: MediaCatalog,
        store: ObjectStore,
        *,
        limit_seconds: float,
        memory_limit_bytes: int | None,
        niceness: int = 0,
    ) -> None:
        self._tool = tool
        self._catalog = catalog
        self._store = store
        self._limit_seconds = limit_seconds
        self._memory_limit_bytes = memory_limit_bytes
        self._niceness = niceness

    async def decode(self, song_id: UUID, dest: Path, max_seconds: float) -> None:
        """Write the song's analysis PCM to `dest`. Raises AudioUnavailable."""
        media = await self._catalog.song_media(song_id)
        if media is None or media.deleted:
            raise AudioUnavailable("the song is gone (removed or merged)")
        sources = [media.original] if media.original is not None else []
        sources += [media.objects[kind] for kind in _RENDITION_ORDER if kind in media.objects]
        reasons: list[str] = []
        for source in sources:
            try:
                await self._decode_source(source, dest, max_seconds)
                return
            except (PcmDecodeFailed, OSError) as error:
                reasons.append(f"{source.kind}: {error}")
        if not sources:
            raise AudioUnavailable("no audio stored for the song (no original, no rendition)")
        raise AudioUnavailable("; ".join(reasons))

    async def _decode_source(self, source: MediaSource, dest: Path, max_seconds: float) -> None:
        tool = self._tool()
        kwargs: dict[str, Any] = {
            "max_seconds": max_seconds,
            "limit_seconds": self._limit_seconds,
            "memory_limit_bytes": self._memory_limit_bytes,
            "niceness": self._niceness,
        }
        if source.path is not None:
            path = text_to_path(source.path)
            if not await asyncio.to_thread(path.is_file):
                raise PcmDecodeFailed(f"file not found: {source.path}")
            await decode_analysis_pcm(tool, path, dest, **kwargs)
            return
        assert source.storage_key is not None
        copy = dest.with_suffix(".source")
        try:
            with copy.open("wb") as handle:
                async for chunk in self._store.get_range(source.storage_key):
                    await asyncio.to_thread(handle.write, chunk)
            await decode_analysis_pcm(tool, copy, dest, **kwargs)
        finally:
            copy.unlink(missing_ok=True)
