"""Whether an MP3 is constant-bitrate with a Xing/LAME "Info" frame: the kind of MP3 that may
stand in for a rendition (library/ladder.py).

Read from the file's first frames: an ID3v2 tag is skipped; the first frame must carry an
"Info" tag (what LAME and FFmpeg write for CBR; VBR files say "Xing") with a LAME extension
(encoder string, then the gapless delay and padding), and every frame read after it must
have the same bitrate.
"""

from __future__ import annotations

from pathlib import Path

_HEAD_BYTES = 64 * 1024
_FRAMES_CHECKED = 40
_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 Layer III
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 Layer III
    0: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2.5 Layer III
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _frame(head: bytes, position: int) -> tuple[int, int] | None:
    """(bitrate kbps, frame length) of the Layer III frame header at `position`."""
    if position + 4 > len(head) or head[position] != 0xFF or head[position + 1] & 0xE0 != 0xE0:
        return None
    version = (head[position + 1] >> 3) & 3
    layer = (head[position + 1] >> 1) & 3
    bitrate_index = head[position + 2] >> 4
    rate_index = (head[position + 2] >> 2) & 3
    if version not in _BITRATES or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps = _BITRATES[version][bitrate_index]
    padding = (head[position + 2] >> 1) & 1
    factor = 144 if version == 3 else 72
    return kbps, factor * kbps * 1000 // _RATES[version][rate_index] + padding


def _id3v2_length(head: bytes) -> int:
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _has_info_and_lame(head: bytes, position: int) -> bool:
    version = (head[position + 1] >> 3) & 3
    mono = (head[position + 3] >> 6) & 3 == 3
    side_info = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    tag = position + 4 + side_info
    if head[tag : tag + 4] != b"Info":
        return False
    flags = int.from_bytes(head[tag + 4 : tag + 8], "big")
    lame = tag + 8 + (4 if flags & 1 else 0) + (4 if flags & 2 else 0)
    lame += (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
    encoder = head[lame : lame + 9]
    return len(encoder) == 9 and encoder[:4] in (b"LAME", b"Lavc", b"Lavf", b"L3.9", b"GOGO")


def cbr_mp3_kbps(head: bytes) -> int | None:
    """The bitrate of a CBR MP3 with an Info + LAME frame, from the start of its file (after
    any ID3v2 tag); None for anything else (VBR, no Info frame, not MP3)."""
    position = _id3v2_length(head)
    first = _frame(head, position)
    if first is None or not _has_info_and_lame(head, position):
        return None
    position += first[1]
    bitrates = set()
    for _ in range(_FRAMES_CHECKED):
        frame = _frame(head, position)
        if frame is None:
            break
        bitrates.add(frame[0])
        position += frame[1]
    return bitrates.pop() if len(bitrates) == 1 else None


def read_cbr_mp3_kbps(path: Path) -> int | None:
    """cbr_mp3_kbps of the file at `path` (blocking: call it in a thread)."""
    try:
        with path.open("rb") as file:
            start = file.read(10)
            file.seek(_id3v2_length(start))
            head = file.read(_HEAD_BYTES)
    except OSError:
        return None
    return cbr_mp3_kbps(head)
