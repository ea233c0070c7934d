"""Render a transition with one ffmpeg run: A's tail and B's head, cut where the plan says,
mixed by an equal-power crossfade over the whole transition.

A beat-matched plan time-stretches B's head to A's tempo (without changing its pitch); the
plan has already put both cuts on beats, so the grids coincide. The stretch uses ffmpeg's
`rubberband` filter where the build has it (Debian's and the imageio-ffmpeg wheel do), else
`atempo`: measured on 8 ms clicks stretched by 0.952, Rubber Band keeps every click on its
beat within 1 ms, while atempo's overlap-add smears each one about 20 ms early. No gain is
applied: the transition starts at A's level where A stops and ends at B's level where B
carries on, so the player's joins do not jump (it ramps ReplayGain from A's to B's across
the transition), and an equal-power fade keeps the sum of two unrelated signals steady.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
from pathlib import Path

from tonearm.adapters.ffmpeg.locate import FFmpegTool, find_ffmpeg
from tonearm.adapters.ffmpeg.run import run_ffmpeg
from tonearm.analysis.transitions import TransitionPlan

SAMPLE_RATE = 44100
BITRATE = "192k"
# Extra seconds read from each input beyond what the mix needs (decoders' edges).
_MARGIN = 0.5


@functools.cache
def has_rubberband(ffmpeg: Path) -> bool:
    """Whether this ffmpeg build has the `rubberband` filter (asked once per binary)."""
    try:
        listed = subprocess.run(
            [str(ffmpeg), "-hide_banner", "-filters"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.split()[1:2] == ["rubberband"] for line in listed.splitlines())


def transition_args(
    from_input: str,
    to_input: str,
    plan: TransitionPlan,
    output: Path,
    *,
    rubberband: bool = True,
) -> list[str]:
    """ffmpeg's arguments for `plan` (inputs: paths or URLs; output: an MP3 file)."""
    seconds = plan.seconds
    fmt = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
    stretch = ""
    if plan.beat_matched:
        ratio = f"{plan.tempo_ratio:.5f}"
        stretch = f",rubberband=tempo={ratio}" if rubberband else f",atempo={ratio}"
    graph = (
        f"[0:a]{fmt},apad,atrim=end={seconds:.3f},asetpts=N/SR/TB[a];"
        f"[1:a]{fmt}{stretch},apad,atrim=end={seconds:.3f},asetpts=N/SR/TB[b];"
        f"[a][b]acrossfade=d={seconds:.3f}:c1=qsin:c2=qsin[out]"
    )
    to_read = seconds * (plan.tempo_ratio if plan.beat_matched else 1.0) + _MARGIN
    return [
        "-loglevel",
        "error",
        "-ss",
        f"{plan.from_start:.3f}",
        "-t",
        f"{seconds + _MARGIN:.3f}",
        "-i",
        from_input,
        "-ss",
        f"{plan.to_start:.3f}",
        "-t",
        f"{to_read:.3f}",
        "-i",
        to_input,
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-c:a",
        "libmp3lame",
        "-b:a",
        BITRATE,
        "-ar",
        str(SAMPLE_RATE),
        "-f",
        "mp3",
        "-y",
        str(output),
    ]


class FFmpegTransitionRenderer:
    """TransitionRenderer on ffmpeg (found on first use)."""

    def __init__(
        self, configured: Path | None, limit_seconds: float, memory_limit_bytes: int | None = None
    ) -> None:
        self._configured = configured
        self._tool: FFmpegTool | None = None
        self._limit_seconds = limit_seconds
        self._memory_limit_bytes = memory_limit_bytes

    async def render(
        self, from_input: str, to_input: str, plan: TransitionPlan, output: Path
    ) -> None:
        """Write the transition at `output`; raises FFmpegFailed / FFmpegTimeout."""
        if self._tool is None:
            self._tool = find_ffmpeg(self._configured)
        ffmpeg = self._tool.ffmpeg
        rubberband = await asyncio.to_thread(has_rubberband, ffmpeg)
        await run_ffmpeg(
            ffmpeg,
            transition_args(from_input, to_input, plan, output, rubberband=rubberband),
            self._limit_seconds,
            memory_limit_bytes=self._memory_limit_bytes,
        )
