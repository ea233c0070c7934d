"""Tag bombs of many tiny items: refused by count, cheaply, before any decode (issue 15,
defect 9). Real files hold fewer than 200 items; the limit is 5,000."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mutagen.apev2
import mutagen.flac
import mutagen.mp4
import mutagen.oggopus
import mutagen.oggvorbis
import pytest

from tests.ingest.audio_factory import AudioFormat, make_audio_file
from tonearm.adapters.media.tag_sizes import MAX_TAG_ITEMS, check_tag_file
from tonearm.adapters.media.tags import read_tags
from tonearm.ingest.models import IngestError

ITEMS = MAX_TAG_ITEMS + 1


def id3_with_frames(audio: bytes, version: int, frames: int) -> bytes:
    """An ID3v2.`version` tag of `frames` tiny text frames, then `audio` (no tag)."""
    if version == 2:
        frame = b"TT2" + (2).to_bytes(3, "big") + b"\x00a"
    else:
        frame = b"TIT2" + (2).to_bytes(4, "big") + b"\x00\x00" + b"\x00a"  # 2 < 0x80: both
    body = frame * frames + bytes(64)  # and some padding
    size = len(body)
    synchsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3" + bytes((version, 0, 0)) + synchsafe + body + audio


def untagged_mp3(tmp_path: Path) -> bytes:
    return make_audio_file(tmp_path / "plain", "mp3", seconds=1.0).read_bytes()


@pytest.mark.parametrize("version", [2, 3, 4])
def test_an_id3_tag_of_100_000_frames_is_a_tag_bomb(tmp_path: Path, version: int) -> None:
    path = tmp_path / "frames.mp3"
    path.write_bytes(id3_with_frames(untagged_mp3(tmp_path), version, 100_000))
    assert path.stat().st_size < 1_300_000  # small: the count is the bomb, not the size

    with pytest.raises(IngestError) as raised:
        check_tag_file(path)

    assert raised.value.reason == "tag bomb: 100,000 ID3v2 frames, over the limit of 5,000"
    with pytest.raises(IngestError, match="100,000 ID3v2 frames"):
        read_tags(path)


@pytest.mark.parametrize("version", [2, 3, 4])
def test_an_id3_tag_of_many_but_not_too_many_frames_is_read(tmp_path: Path, version: int) -> None:
    path = tmp_path / "fine.mp3"
    path.write_bytes(id3_with_frames(untagged_mp3(tmp_path), version, 300))
    check_tag_file(path)
    assert read_tags(path).title == "a"


def _many_items(path: Path, fmt: AudioFormat, count: int) -> None:
    tags: Any
    if fmt == "flac":
        tags = mutagen.flac.FLAC(path)
    elif fmt == "ogg":
        tags = mutagen.oggvorbis.OggVorbis(path)
    elif fmt == "opus":
        tags = mutagen.oggopus.OggOpus(path)
    elif fmt == "m4a":
        tags = mutagen.mp4.MP4(path)
        for index in range(count):
            tags[f"----:com.example:n{index}"] = [b"x"]
        tags.save()
        return
    else:  # an MP3 with an APEv2 tag
        ape = mutagen.apev2.APEv2()
        for index in range(count):
            ape[f"Item{index}"] = "x"
        ape.save(path)
        return
    for index in range(count):
        tags[f"comment{index}"] = "x"
    tags.save()


@pytest.mark.parametrize(
    ("fmt", "what"),
    [
        ("flac", "Vorbis comments"),
        ("ogg", "Vorbis comments"),
        ("opus", "Vorbis comments"),
        ("m4a", "MP4 tag items"),
        ("mp3", "APEv2 items"),
    ],
)
def test_other_tags_of_too_many_items_are_tag_bombs(
    tmp_path: Path, fmt: AudioFormat, what: str
) -> None:
    path = make_audio_file(tmp_path, fmt, seconds=1.0)
    _many_items(path, fmt, ITEMS)

    with pytest.raises(IngestError) as raised:
        check_tag_file(path)

    # Vorbis comments keep the encoder's own as well.
    assert raised.value.reason.startswith("tag bomb: 5,00")
    assert raised.value.reason.endswith(f" {what}, over the limit of 5,000")


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus", "m4a", "mp3"])
def test_a_few_hundred_items_are_fine(tmp_path: Path, fmt: AudioFormat) -> None:
    path = make_audio_file(tmp_path, fmt, seconds=1.0)
    _many_items(path, fmt, 300)
    check_tag_file(path)
