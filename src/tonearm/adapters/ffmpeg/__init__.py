"""Find ffmpeg, run it as an asyncio subprocess with limits, analyse and encode audio with it.

The analysis side (numpy) is loaded on first use: a server process that never imports a
song does not pay for it.
"""

from typing import TYPE_CHECKING, Any

from tonearm.adapters.ffmpeg.locate import FFmpegNotFound, FFmpegTool, find_ffmpeg
from tonearm.adapters.ffmpeg.renditions import (
    render_renditions,
    render_renditions_separately,
)
from tonearm.adapters.ffmpeg.run import (
    FFmpegFailed,
    FFmpegOutOfMemory,
    FFmpegTimeout,
    run_ffmpeg,
    stream_ffmpeg,
)

if TYPE_CHECKING:
    from tonearm.adapters.ffmpeg.analysis import analyse_audio
    from tonearm.adapters.ffmpeg.pcm import choose_preview_start_seconds


def __getattr__(name: str) -> Any:
    if name == "analyse_audio":
        from tonearm.adapters.ffmpeg.analysis import analyse_audio

        return analyse_audio
    if name == "choose_preview_start_seconds":
        from tonearm.adapters.ffmpeg.pcm import choose_preview_start_seconds

        return choose_preview_start_seconds
    raise AttributeError(name)


__all__ = [
    "FFmpegFailed",
    "FFmpegNotFound",
    "FFmpegOutOfMemory",
    "FFmpegTimeout",
    "FFmpegTool",
    "analyse_audio",
    "choose_preview_start_seconds",
    "find_ffmpeg",
    "render_renditions",
    "render_renditions_separately",
    "run_ffmpeg",
    "stream_ffmpeg",
]
