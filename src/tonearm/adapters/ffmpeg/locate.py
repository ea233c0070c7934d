"""Which ffmpeg to use: the configured one, the system's, or the imageio-ffmpeg wheel's."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tonearm.errors import Unavailable


class FFmpegNotFound(Unavailable):
    """No usable ffmpeg binary."""


@dataclass(frozen=True, slots=True)
class FFmpegTool:
    """An ffmpeg binary and, when one sits beside it, ffprobe (the pip wheel has none)."""

    ffmpeg: Path
    ffprobe: Path | None
    origin: str  # "configured", "system" or "imageio-ffmpeg"


def find_ffmpeg(configured: Path | None = None) -> FFmpegTool:
    """Pick ffmpeg: `configured`, else ffmpeg on PATH, else imageio-ffmpeg's bundled binary.

    Raises FFmpegNotFound when none exists.
    """
    if configured is not None:
        if not configured.is_file():
            raise FFmpegNotFound(f"TONEARM_FFMPEG_PATH: no such file: {configured}")
        return FFmpegTool(configured, _sibling_ffprobe(configured), "configured")
    system = shutil.which("ffmpeg")
    if system is not None:
        probe = shutil.which("ffprobe")
        return FFmpegTool(Path(system), Path(probe) if probe else None, "system")
    try:
        import imageio_ffmpeg

        bundled = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as error:
        raise FFmpegNotFound(
            f"no ffmpeg on PATH and the imageio-ffmpeg wheel has none ({error}); "
            "install ffmpeg (apt-get install ffmpeg) or set TONEARM_FFMPEG_PATH"
        ) from None
    return FFmpegTool(bundled, None, "imageio-ffmpeg")


def _sibling_ffprobe(ffmpeg: Path) -> Path | None:
    candidate = ffmpeg.with_name(ffmpeg.name.replace("ffmpeg", "ffprobe"))
    return candidate if candidate != ffmpeg and candidate.is_file() else None
