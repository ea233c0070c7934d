"""MashupRenderer on ffmpeg: stretch, align, EQ, mix, normalise loudness, encode MP3.

Two ffmpeg runs per mashup. The first cuts both songs at their planned beats, stretches the
under-layer to the lead's tempo (Rubber Band's CLI when it is installed, which keeps
transients and pitch better, else ffmpeg's `atempo`), high-passes and lowers it, mixes the
two, fades the ends, writes the mix as WAV and measures it with `loudnorm`. The second
applies the measured gain linearly (two-pass `loudnorm`, which hits the target within a
fraction of a LU where one pass drifts on short clips) and encodes MP3.

The target is ReplayGain's reference loudness (-18 LUFS), the level tonearm plays every
song at, so a mashup sits at the same volume as the songs around it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

from tonearm.adapters.ffmpeg.run import FFmpegFailed, stream_ffmpeg
from tonearm.analysis.mashup_pairs import RenderPlan
from tonearm.analysis.mashups import RenderedAudio
from tonearm.library.replaygain import REFERENCE_LUFS

SAMPLE_RATE = 44100
TRUE_PEAK_DB = -1.5
LOUDNESS_RANGE = 20.0  # loose: the second pass stays linear (a plain gain), not a compressor
FADE_SECONDS = 1.5
MP3_BITRATE = "192k"
RUBBERBAND_LIMIT_SECONDS = 300.0

_FORMAT = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"


def find_rubberband() -> Path | None:
    """The Rubber Band CLI (Debian's `rubberband-cli`), when installed."""
    found = shutil.which("rubberband")
    return Path(found) if found else None


def _loudnorm(target_lufs: float) -> str:
    return f"loudnorm=I={target_lufs:g}:TP={TRUE_PEAK_DB:g}:LRA={LOUDNESS_RANGE:g}"


def mix_graph(plan: RenderPlan, target_lufs: float, stretched: bool) -> str:
    """The first pass's filter graph: input 0 the lead, input 1 the under-layer (already
    cut and stretched when `stretched`); outputs [mix] and [measured] (loudnorm's report)."""
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
            f"[tomeasure]{_loudnorm(target_lufs)}:print_format=json[measured]",
        )
    )


def read_loudnorm_report(stderr_lines: list[str]) -> dict[str, str]:
    """The JSON object loudnorm prints last on stderr."""
    text = "\n".join(stderr_lines)
    start, end = text.rfind("{"), text.rfind("}")
    if start < 0 or end < start:
        raise FFmpegFailed(0, text, "loudnorm printed no measurement")
    report: dict[str, str] = json.loads(text[start : end + 1])
    return report


def normalise_filter(report: dict[str, str], target_lufs: float) -> str:
    """The second pass: loudnorm with the first pass's measurement (linear when it can)."""
    return (
        f"{_loudnorm(target_lufs)}:measured_I={report['input_i']}"
        f":measured_TP={report['input_tp']}:measured_LRA={report['input_lra']}"
        f":measured_thresh={report['input_thresh']}:offset={report['target_offset']}"
        f":linear=true,aresample={SAMPLE_RATE}"
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
                "-filter_complex", mix_graph(plan, self._target, stretched),
                "-map", "[mix]", "-c:a", "pcm_s16le", "-y", str(mix),
                "-map", "[measured]", "-f", "null", "-",
            ],
            lines,
        )  # fmt: skip
        report = read_loudnorm_report(lines)
        await self._ffmpeg_run(
            [
                "-i", str(mix),
                "-af", normalise_filter(report, self._target),
                "-c:a", "libmp3lame", "-b:a", MP3_BITRATE, "-id3v2_version", "3",
                "-y", str(out),
            ],
            [],
        )  # fmt: skip
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
