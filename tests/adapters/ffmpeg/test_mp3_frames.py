"""Telling a CBR MP3 with a Xing/LAME Info frame (which may stand in for a rendition) from
every other MP3, on files real ffmpeg and LAME settings make."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mutagen.id3
import pytest

from tonearm.adapters.ffmpeg.mp3_frames import cbr_mp3_kbps, read_cbr_mp3_kbps

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


def encode(path: Path, *options: str) -> Path:
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:d=4",
         "-f", "lavfi", "-i", "anoisesrc=d=4:a=0.1",
         "-filter_complex", "amix=inputs=2,aformat=channel_layouts=stereo",
         "-c:a", "libmp3lame", *options, str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize("kbps", [64, 128, 320])
def test_a_cbr_mp3_with_an_info_frame_is_recognised(tmp_path: Path, kbps: int) -> None:
    path = encode(tmp_path / "cbr.mp3", "-b:a", f"{kbps}k")
    assert read_cbr_mp3_kbps(path) == kbps


def test_an_id3v2_tag_with_a_picture_in_front_is_skipped(tmp_path: Path) -> None:
    path = encode(tmp_path / "tagged.mp3", "-b:a", "128k")
    tags = mutagen.id3.ID3()
    tags.add(mutagen.id3.TIT2(encoding=3, text="Song"))
    tags.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, data=b"\xff" * 200_000))
    tags.save(path)
    assert path.read_bytes()[:3] == b"ID3"
    assert read_cbr_mp3_kbps(path) == 128


def test_vbr_and_headerless_mp3s_and_other_files_are_not(tmp_path: Path) -> None:
    assert read_cbr_mp3_kbps(encode(tmp_path / "vbr.mp3", "-q:a", "2")) is None
    assert read_cbr_mp3_kbps(encode(tmp_path / "abr.mp3", "-b:a", "128k", "-abr", "1")) is None
    bare = encode(tmp_path / "bare.mp3", "-b:a", "128k", "-write_xing", "0")
    assert read_cbr_mp3_kbps(bare) is None
    assert read_cbr_mp3_kbps(tmp_path / "missing.mp3") is None
    assert cbr_mp3_kbps(b"fLaC" + bytes(4000)) is None
    assert cbr_mp3_kbps(b"") is None
