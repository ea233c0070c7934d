"""A small generated demo library, so a newcomer has something to play at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.run import run_ffmpeg


@dataclass(frozen=True, slots=True)
class DemoTrack:
    """One generated track: a chord of sines over soft noise, with a louder middle."""

    title: str
    artist: str
    album: str
    track: int
    year: int
    genre: str
    frequencies_hz: tuple[int, ...]
    seconds: int


DEMO_TRACKS = (
    DemoTrack(
        "Morning Sine", "The Oscillators", "Waveforms", 1, 2024, "Ambient", (220, 277, 330), 75
    ),
    DemoTrack(
        "Square Dance", "The Oscillators", "Waveforms", 2, 2024, "Electronic", (196, 247, 294), 60
    ),
    DemoTrack("Low Hum", "The Oscillators", "Waveforms", 3, 2024, "Ambient", (110, 165), 90),
    DemoTrack(
        "Bright Fifth", "Test Tone Trio", "Calibration", 1, 2025, "Electronic", (440, 660), 45
    ),
    DemoTrack(
        "A Quiet Room", "Test Tone Trio", "Calibration", 2, 2025, "Ambient", (262, 330, 392), 70
    ),
)


def _inputs(track: DemoTrack) -> list[str]:
    args: list[str] = []
    for frequency in track.frequencies_hz:
        args += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={track.seconds}"]
    return args


def _filter(track: DemoTrack) -> str:
    # A chord of sines, louder in the middle third so the preview has a place to pick.
    # (Built-in sources and a per-frame volume: cheap, unlike per-sample expressions.)
    third = track.seconds / 3
    inputs = "".join(f"[{i}:a]" for i in range(len(track.frequencies_hz)))
    return (
        f"{inputs}amix=inputs={len(track.frequencies_hz)},"
        f"volume='0.5+0.5*between(t,{third:.1f},{2 * third:.1f})':eval=frame,"
        "aformat=channel_layouts=stereo"
    )


async def write_demo_library(ffmpeg: FFmpegTool, folder: Path) -> list[Path]:
    """Generate the demo tracks (FLAC, tagged) and a cover per album under `folder`."""
    written: list[Path] = []
    for track in DEMO_TRACKS:
        album_dir = folder / track.artist / track.album
        album_dir.mkdir(parents=True, exist_ok=True)
        cover = album_dir / "cover.jpg"
        if not cover.exists():
            await run_ffmpeg(
                ffmpeg.ffmpeg,
                [
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=600x600:rate=1",
                    "-frames:v",
                    "1",
                    str(cover),
                ],
                limit_seconds=60,
            )
        target = album_dir / f"{track.track:02d} {track.title}.flac"
        if not target.exists():
            await run_ffmpeg(
                ffmpeg.ffmpeg,
                [
                    "-y",
                    *_inputs(track),
                    "-filter_complex",
                    _filter(track),
                    "-metadata",
                    f"title={track.title}",
                    "-metadata",
                    f"artist={track.artist}",
                    "-metadata",
                    f"album_artist={track.artist}",
                    "-metadata",
                    f"album={track.album}",
                    "-metadata",
                    f"track={track.track}/{sum(t.album == track.album for t in DEMO_TRACKS)}",
                    "-metadata",
                    f"date={track.year}",
                    "-metadata",
                    f"genre={track.genre}",
                    "-c:a",
                    "flac",
                    str(target),
                ],
                limit_seconds=120,
            )
        written.append(target)
    return written
