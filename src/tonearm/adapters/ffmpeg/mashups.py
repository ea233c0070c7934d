"""MashupRenderer on ffmpeg: stretch, align, EQ, mix, normalise loudness, encode MP3.

Two ffmpeg runs per mashup. The first cuts both songs at their planned beats, stretches the
under-layer to the lead's tempo (Rubber Band's CLI when it is installed, which keeps
transients and pitch better, else ffmpeg's `atempo`), high-passes and lowers it, mixes the
two, fades the ends, writes the mix as WAV and measures its integrated loudness (`ebur128`).
The second applies the gain to the target with a peak limiter after it and encodes MP3,
measuring again; when limiting cost more than half a LU (spiky material), the gain is
raised by what was lost and the encode repeated (at most twice more). One-pass `loudnorm`
was tried first: on short clips it undershot by over 1 LU, and its two-pass linear mode
falls back to that same dynamic mode whenever the gain would push a peak over the limit.

The target is ReplayGain's reference loudness (-18 LUFS), the level tonearm plays every
song at, so a mashup sits at the same volume as the songs around it.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

from tonearm.adapters.ffmpeg.run import FFmpegFailed, stream_ffmpeg
from tonearm.analysis.mashup_pairs import RenderPlan
from tonearm.analysis.mashups import RenderedAudio
from tonearm.library.replaygain import REFERENCE_LUFS

SAMPLE_RATE = 44100
PEAK_LIMIT = 0.84  # -1.5 dBFS: what the limiter lets through
LOUDNESS_TOLERANCE = 0.5  # LU off the target that makes the encode run again
MAX_ENCODES = 3
FADE_SECONDS = 1.5
MP3_BITRATE = "192k"
RUBBERBAND_LIMIT_SECONDS = 300.0

_INTEGRATED = re.compile(r"\bI:\s+(-?[\d.]+) LUFS")
_FORMAT = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"


def find_rubberband() -> Path | None:
    """The Rubber Band CLI (Debian's `rubberband-cli`), when installed."""
    found = shutil.which("rubberband")
    return Path(found) if found else None


def mix_graph(plan: RenderPlan, stretched: bool) -> str:
    """The first pass's filter graph: input 0 the lead, input 1 the under-layer (already
    cut and stretched when `stretched`); outputs [mix] and [measured] (ebur128's)."""
    duration = plan.duration
    if stretched:
        under = f"[1:a]asetpts=PTS-STARTPTS,{_FORMAT}"
    else:
        under = (
            f"[1:a]atrim=start={plan.under_start:.4f}:duration={duration * plan.stretch:.4f},"
            f"asetpts=PTS-STARTPTS,{_FORMAT},atempo={plan.stretch:.6f}"
        )
    fade_out = max(0.0, duration - FADE_SECONDS)
    return ";".join(
        (
            f"[0:a]atrim=start={plan.lead_start:.4f}:duration={duration:.4f},"
            f"asetpts=PTS-STARTPTS,{_FORMAT}[lead]",
            f"{under},highpass=f={plan.under_highpass_hz:g}:poles=2,"
            f"volume={plan.under_gain_db:g}dB[under]",
            "[lead][under]amix=inputs=2:duration=first:dropout_transition=0:normalize=0,"
            f"afade=t=in:d={min(FADE_SECONDS, duration / 4):.3f},"
            f"afade=t=out:st={fade_out:.3f}:d={min(FADE_SECONDS, duration):.3f},"
            "asplit[mix][tomeasure]",
            "[tomeasure]ebur128[measured]",
        )
    )


def read_integrated_loudness(stderr_lines: list[str]) -> float:
    """The integrated loudness (LUFS) of ebur128's summary, printed last on stderr."""
    found = _INTEGRATED.findall("\n".join(stderr_lines))
    if not found:
        raise FFmpegFailed(0, "\n".join(stderr_lines[-20:]), "ebur128 printed no loudness")
    return float(found[-1])


def encode_graph(gain_db: float) -> str:
    """The second pass: the gain, a peak limiter, and [measured] for ebur128."""
    return (
        f"[0:a]volume={gain_db:.2f}dB,"
        f"alimiter=limit={PEAK_LIMIT}:level=0:attack=2:release=30:asc=1,"
        f"aresample={SAMPLE_RATE},asplit[encode][tomeasure];[tomeasure]ebur128[measured]"
    )


def rubberband_args(binary: Path, tempo: float, source: Path, target: Path) -> list[str]:
    """Rubber Band CLI: change the tempo by `tempo` (>1 faster), keeping the pitch."""
    return [str(binary), "--tempo", f"{tempo:.6f}", "--quiet", str(source), str(target)]


class FFmpegMashupRenderer:
    """Renders mashups with ffmpeg (and Rubber Band's CLI where installed)."""

    def __init__(
        self,
        ffmpeg: Path,
        *,
        rubberband: Path | None = None,
        target_lufs: float = REFERENCE_LUFS,
        limit_seconds: float = 300.0,
        niceness: int = 0,
    ) -> None:
        self._ffmpeg = ffmpeg
        self._rubberband = rubberband
        self._target = target_lufs
        self._limit = limit_seconds
        self._nice = niceness

    @property
    def stretcher(self) -> str:
        """'rubberband' when its CLI is used, else 'atempo'."""
        return "rubberband" if self._rubberband is not None else "atempo"

    async def render(self, lead: Path, under: Path, plan: RenderPlan, out: Path) -> RenderedAudio:
        """Mix by `plan` into `out` (MP3 at the target loudness)."""
        work = out.parent
        stretched = False
        if self._rubberband is not None:
            under = await self._stretch_with_rubberband(under, plan, work)
            stretched = True
        mix = work / "mix.wav"
        lines: list[str] = []
        await self._ffmpeg_run(
            [
                "-i", str(lead),
                "-i", str(under),
                "-filter_complex", mix_graph(plan, stretched),
                "-map", "[mix]", "-c:a", "pcm_s16le", "-y", str(mix),
                "-map", "[measured]", "-f", "null", "-",
            ],
            lines,
        )  # fmt: skip
        measured = read_integrated_loudness(lines)
        gain = self._target - measured
        for _ in range(MAX_ENCODES):
            lines = []
            await self._ffmpeg_run(
                [
                    "-i", str(mix),
                    "-filter_complex", encode_graph(gain),
                    "-map", "[encode]", "-c:a", "libmp3lame", "-b:a", MP3_BITRATE,
                    "-id3v2_version", "3", "-y", str(out),
                    "-map", "[measured]", "-f", "null", "-",
                ],
                lines,
            )  # fmt: skip
            missed = self._target - read_integrated_loudness(lines)
            if abs(missed) <= LOUDNESS_TOLERANCE:
                break
            gain += missed
        return RenderedAudio(out, round(plan.duration * 1000))

    async def _ffmpeg_run(self, args: list[str], lines: list[str]) -> None:
        await stream_ffmpeg(
            self._ffmpeg, args, self._limit, on_stderr_line=lines.append, niceness=self._nice
        )

    async def _stretch_with_rubberband(self, under: Path, plan: RenderPlan, work: Path) -> Path:
        cut = work / "under-cut.wav"
        await self._ffmpeg_run(
            [
                "-ss", f"{plan.under_start:.4f}", "-t", f"{plan.duration * plan.stretch:.4f}",
                "-i", str(under), "-c:a", "pcm_s16le", "-y", str(cut),
            ],
            [],
        )  # fmt: skip
        stretched = work / "under-stretched.wav"
        assert self._rubberband is not None
        args = rubberband_args(self._rubberband, plan.stretch, cut, stretched)
        result = await asyncio.to_thread(
            subprocess.run, args, capture_output=True, text=True, timeout=RUBBERBAND_LIMIT_SECONDS
        )
        if result.returncode != 0:
            raise FFmpegFailed(result.returncode, result.stderr, "rubberband failed")
        return stretched
