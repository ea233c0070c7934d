"""render_renditions on real files, checked with ffprobe and by decoding what it wrote."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.adapters.ffmpeg.conftest import (
    GENERATOR,
    decoded_seconds,
    ffprobe,
    make_audio,
    run_generator,
)
from tests.ingest.audio_factory import lavfi, make_image
from tonearm.adapters.ffmpeg import (
    FFmpegTool,
    render_renditions,
    render_renditions_separately,
)
from tonearm.ingest.models import IngestError, RenditionFile, RenditionKind

pytestmark = pytest.mark.anyio

ALL_KINDS = frozenset(RenditionKind)
SOURCE_SECONDS = 40
PREVIEW_START_MS = 6_000
TITLE = "A very identifiable title"
# kind: (ffprobe format name, codec, bitrate in kb/s, sample rate)
EXPECTED = {
    RenditionKind.HIGH: ("mp3", "mp3", 320, 44100),
    RenditionKind.MEDIUM: ("mp3", "mp3", 128, 44100),
    RenditionKind.LOW: ("mp3", "mp3", 64, 44100),
    RenditionKind.PREVIEW: ("mp3", "mp3", 128, 44100),
    RenditionKind.EFFICIENT: ("matroska,webm", "opus", 96, 48000),
}


async def render(
    tool: FFmpegTool,
    source: Path,
    out_dir: Path,
    kinds: frozenset[RenditionKind] = ALL_KINDS,
    **overrides: Any,
) -> dict[RenditionKind, RenditionFile]:
    options: dict[str, Any] = {
        "preview_start_ms": PREVIEW_START_MS,
        "duration_ms": SOURCE_SECONDS * 1000,
        "limit_seconds": 120.0,
        "memory_limit_bytes": None,
    }
    return await render_renditions(tool, source, out_dir, kinds, **(options | overrides))


@pytest.fixture(scope="session")
def tagged_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 s of 96 kHz stereo FLAC whose level rises with time, with tags and a cover."""
    folder = tmp_path_factory.mktemp("renditions")
    cover = folder / "cover.png"
    make_image(cover, pattern="testsrc", ffmpeg=GENERATOR)
    # Amplitude t/40: the level at any moment tells where in the song a clip comes from.
    signal = (
        f"aevalsrc='t/{SOURCE_SECONDS}*sin(2*PI*440*t)|t/{SOURCE_SECONDS}*sin(2*PI*660*t)':s=96000"
    )
    source = folder / "tagged.flac"
    lavfi(
        signal, "-f", "image2", "-i", str(cover),
        "-map", "0:a", "-map", "1:v", "-c:v", "copy", "-disposition:v", "attached_pic",
        "-metadata", f"title={TITLE}", "-metadata", "artist=Somebody",
        "-c:a", "flac", "-t", str(SOURCE_SECONDS), str(source), ffmpeg=GENERATOR,
    )  # fmt: skip
    return source


@pytest.fixture(scope="module")
def rendered(
    tool: FFmpegTool, tagged_source: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[RenditionKind, RenditionFile]:
    out_dir = tmp_path_factory.mktemp(f"rendered-{tool.origin}")
    # Under the settings' default memory limit, to show it leaves ffmpeg room enough.
    return asyncio.run(render(tool, tagged_source, out_dir, memory_limit_bytes=2048 << 20))


async def test_one_ffmpeg_process_makes_all_five(
    tool: FFmpegTool, tagged_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[Any, ...]] = []
    real_exec = asyncio.create_subprocess_exec

    async def counting_exec(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        started.append(args)
        return await real_exec(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", counting_exec)

    files = await render(tool, tagged_source, tmp_path)

    assert len(started) == 1
    assert set(files) == ALL_KINDS
    assert all(file.path.parent == tmp_path and file.path.is_file() for file in files.values())


@pytest.mark.parametrize("kind", sorted(RenditionKind))
def test_rendition_format(
    rendered: dict[RenditionKind, RenditionFile], kind: RenditionKind
) -> None:
    file = rendered[kind]
    probe = ffprobe(file.path)
    format_name, codec, bitrate_kbps, sample_rate = EXPECTED[kind]

    (stream,) = probe["streams"]  # one audio stream: no cover, no second track
    assert probe["format"]["format_name"] == format_name
    assert stream["codec_type"] == "audio"
    assert stream["codec_name"] == codec == file.codec
    assert int(stream["sample_rate"]) == sample_rate
    assert stream["channels"] == 2
    assert file.bitrate_kbps == bitrate_kbps
    assert file.container == ("webm" if codec == "opus" else "mp3")
    assert file.size_bytes == file.path.stat().st_size
    if codec == "mp3":
        # CBR: the stream states the exact rate, and the file's size follows from it.
        assert int(stream["bit_rate"]) == bitrate_kbps * 1000
        assert file.size_bytes == pytest.approx(
            bitrate_kbps * 125 * file.duration_ms / 1000, rel=0.02
        )
    else:
        # VBR spends by content (pure tones cost Opus more than noise): only the ballpark.
        average_kbps = file.size_bytes * 8 / file.duration_ms
        assert bitrate_kbps / 2 < average_kbps < bitrate_kbps * 2


@pytest.mark.parametrize("kind", sorted(RenditionKind))
def test_rendition_duration_matches_the_source(
    rendered: dict[RenditionKind, RenditionFile], kind: RenditionKind
) -> None:
    file = rendered[kind]
    expected_seconds = 30 if kind is RenditionKind.PREVIEW else SOURCE_SECONDS
    sample_rate = EXPECTED[kind][3]

    assert abs(file.duration_ms - expected_seconds * 1000) <= 50
    assert abs(decoded_seconds(file.path, sample_rate, 2) - expected_seconds) <= 0.05


@pytest.mark.parametrize("kind", sorted(RenditionKind))
def test_rendition_carries_no_tags_or_cover(
    rendered: dict[RenditionKind, RenditionFile], kind: RenditionKind
) -> None:
    file = rendered[kind]
    data = file.path.read_bytes()
    probe = ffprobe(file.path)

    assert TITLE.encode() not in data and b"Somebody" not in data
    assert b"ID3" not in data[:3] and data[-128:-125] != b"TAG"
    assert all(stream["codec_type"] == "audio" for stream in probe["streams"])
    # All that is left is the muxer's own name (an MP3's LAME frame, WebM's writing app).
    tags = {key.lower() for key in probe["format"].get("tags", {})}
    assert tags <= {"encoder"}


def test_preview_is_the_chosen_30_seconds_with_fades(
    rendered: dict[RenditionKind, RenditionFile],
) -> None:
    samples = _decode_left_channel(rendered[RenditionKind.PREVIEW].path)

    def level_at(second: float) -> float:
        window = samples[int(second * 44100) : int((second + 0.1) * 44100)]
        return float(np.sqrt(np.mean(window**2)))

    # The left channel's amplitude is t/40: 10 s into a clip from 6 s it is 16/40 (RMS / √2).
    assert level_at(10) == pytest.approx(16 / SOURCE_SECONDS / np.sqrt(2), rel=0.05)
    assert level_at(25) == pytest.approx(31 / SOURCE_SECONDS / np.sqrt(2), rel=0.05)
    assert level_at(0) < 0.1 * level_at(1.2)  # fading in over the first second
    assert level_at(29.9) < 0.1 * level_at(27.5)  # fading out over the last two


async def test_preview_of_a_short_song_is_the_whole_song(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "short.flac", seconds=12)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    files = await render(
        tool, source, out_dir, frozenset({RenditionKind.PREVIEW}), duration_ms=12_000
    )

    assert set(files) == {RenditionKind.PREVIEW}
    assert abs(files[RenditionKind.PREVIEW].duration_ms - 12_000) <= 50


async def test_mono_stays_mono_and_surround_becomes_stereo(
    tool: FFmpegTool, tmp_path: Path
) -> None:
    mono = make_audio(tmp_path / "mono.flac", seconds=3, channels=1)
    surround = make_audio(tmp_path / "surround.flac", seconds=3, channels=6)
    kinds = frozenset({RenditionKind.MEDIUM, RenditionKind.EFFICIENT})

    for source, channels in ((mono, 1), (surround, 2)):
        out_dir = tmp_path / source.stem
        out_dir.mkdir()
        files = await render(tool, source, out_dir, kinds, duration_ms=3000)
        for file in files.values():
            assert ffprobe(file.path)["streams"][0]["channels"] == channels


async def test_only_the_requested_kinds_are_made(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "song.wav", seconds=3)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    files = await render(
        tool, source, out_dir, frozenset({RenditionKind.LOW}), duration_ms=3000, threads=1
    )

    assert set(files) == {RenditionKind.LOW}
    assert [path.name for path in out_dir.iterdir()] == ["low.mp3"]


async def test_one_process_per_rendition_gives_the_same_files(
    tool: FFmpegTool, tmp_path: Path
) -> None:
    source = make_audio(tmp_path / "song.flac", "anoisesrc=a=0.2:seed=3:r=44100", seconds=35)
    together, apart = tmp_path / "together", tmp_path / "apart"
    together.mkdir()
    apart.mkdir()
    options: dict[str, Any] = {
        "preview_start_ms": 2000,
        "duration_ms": 35_000,
        "limit_seconds": 120.0,
        "memory_limit_bytes": None,
    }

    one = await render_renditions(tool, source, together, ALL_KINDS, **options)
    each = await render_renditions_separately(tool, source, apart, ALL_KINDS, **options)

    assert set(one) == set(each) == ALL_KINDS
    for kind in ALL_KINDS:
        assert one[kind].path.read_bytes() == each[kind].path.read_bytes(), kind
        assert one[kind].duration_ms == each[kind].duration_ms


async def test_timeout_leaves_nothing_behind(
    tool: FFmpegTool, tagged_source: Path, tmp_path: Path
) -> None:
    with pytest.raises(IngestError, match=r"ffmpeg took longer than 0\.001 s"):
        await render(tool, tagged_source, tmp_path, limit_seconds=0.001)

    assert list(tmp_path.iterdir()) == []


async def test_memory_limit_hit_leaves_nothing_behind(
    tool: FFmpegTool, tagged_source: Path, tmp_path: Path
) -> None:
    with pytest.raises(IngestError, match=r"ffmpeg ran out of memory \(limit 16 MiB\)"):
        await render(tool, tagged_source, tmp_path, memory_limit_bytes=16 << 20)

    assert list(tmp_path.iterdir()) == []


async def test_undecodable_source_fails_with_the_file_name(
    tool: FFmpegTool, tmp_path: Path
) -> None:
    source = tmp_path / "broken.flac"
    source.write_text("not a flac")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    with pytest.raises(IngestError, match=r"^broken\.flac: encoding failed \(ffmpeg exited"):
        await render(tool, source, out_dir)
    assert list(out_dir.iterdir()) == []


def _decode_left_channel(path: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    pcm = run_generator("-i", str(path), "-af", "pan=mono|c0=c0", "-f", "s16le", "-")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768
