"""Find ffmpeg and run it as an asyncio subprocess with a time limit."""

from tonearm.adapters.ffmpeg.locate import FFmpegNotFound, FFmpegTool, find_ffmpeg
from tonearm.adapters.ffmpeg.run import FFmpegFailed, FFmpegTimeout, run_ffmpeg

__all__ = [
    "FFmpegFailed",
    "FFmpegNotFound",
    "FFmpegTimeout",
    "FFmpegTool",
    "find_ffmpeg",
    "run_ffmpeg",
]
