"""The numbered-beeps signal tells where a stream cut from it begins, within 0.25 s."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.api.subsonic.signals import detect_start_second, write_numbered_beeps
from tests.ingest.audio_factory import make_signal
from tonearm.adapters.ffmpeg import find_ffmpeg

TOLERANCE_SECONDS = 0.25


@pytest.fixture(scope="module")
def beeps_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_numbered_beeps(tmp_path_factory.mktemp("signal") / "beeps.mp3", seconds=20)


def cut(source: Path, offset_seconds: float, *codec: str) -> bytes:
    """What a server does for timeOffset: seek the input, re-encode, stream the result."""
    command = [str(find_ffmpeg().ffmpeg), "-nostdin", "-loglevel", "error"]
    command += ["-ss", str(offset_seconds), "-i", str(source), "-t", "3", *codec, "-"]
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def test_uncut_signal_begins_at_zero(beeps_mp3: Path) -> None:
    assert detect_start_second(beeps_mp3) == pytest.approx(0.0, abs=TOLERANCE_SECONDS)


@pytest.mark.parametrize("offset", [1.0, 3.3, 7.4, 9.5, 12.75, 16.05, 16.98])
def test_mp3_cut_at_an_offset_is_detected_within_a_quarter_second(
    beeps_mp3: Path, offset: float
) -> None:
    stream = cut(beeps_mp3, offset, "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3")

    assert detect_start_second(stream) == pytest.approx(offset, abs=TOLERANCE_SECONDS)


@pytest.mark.parametrize("offset", [2.6, 11.2])
def test_opus_cut_at_an_offset_is_detected_within_a_quarter_second(
    beeps_mp3: Path, offset: float
) -> None:
    stream = cut(beeps_mp3, offset, "-c:a", "libopus", "-b:a", "96k", "-f", "ogg")

    assert detect_start_second(stream) == pytest.approx(offset, abs=TOLERANCE_SECONDS)


def test_offsets_half_a_second_apart_are_told_apart(beeps_mp3: Path) -> None:
    mp3 = ("-c:a", "libmp3lame", "-f", "mp3")
    early = detect_start_second(cut(beeps_mp3, 5.0, *mp3))
    late = detect_start_second(cut(beeps_mp3, 5.5, *mp3))

    assert late - early == pytest.approx(0.5, abs=0.1)


def test_silence_is_refused(tmp_path: Path) -> None:
    silence = tmp_path / "silence.mp3"
    make_signal(silence, "anullsrc=r=44100:cl=mono", seconds=3, ffmpeg=find_ffmpeg().ffmpeg)

    with pytest.raises(ValueError, match=r"no step between numbered beeps.*no tone"):
        detect_start_second(silence)


def test_a_steady_tone_is_refused(tmp_path: Path) -> None:
    steady = tmp_path / "steady.wav"
    make_signal(steady, "sine=frequency=450:duration=3", ffmpeg=find_ffmpeg().ffmpeg)

    with pytest.raises(ValueError, match="heard: second 3 at"):
        detect_start_second(steady)


def test_more_seconds_than_tones_fit_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must fit between"):
        write_numbered_beeps(tmp_path / "long.flac", seconds=1000)
