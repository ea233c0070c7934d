"""Tag-bomb checks: the sizes and counts tag headers claim, read before anything trusts them.

A tag that claims more than the file (or its container) holds, or more than the block
limit, is refused without being read, so a 50 KB file cannot make us allocate 200 MB.
A tag of a great many tiny items is refused too: 100,000 ID3v2 frames in a 1.6 MB file
cost ffmpeg about two minutes per decode and mutagen as long. ID3v2 frame headers (2.2,
2.3, 2.4) and MP4 `ilst` items are walked without reading their contents; APEv2 tags and
Vorbis comments (FLAC, and Ogg when the count lies in the comment packet's first page)
state their item count in a header. Real files hold fewer than 200 items; the limit,
MAX_TAG_ITEMS, is far above that. Cheap enough to run before the first decode.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tonearm.ingest.models import IngestError

MAX_TAG_BLOCK_BYTES = 64 * 1024 * 1024  # a whole ID3/APE tag, Ogg comment packet, MP4 ilst
MAX_TAG_ITEMS = 5_000  # ID3v2 frames, APE items, Vorbis comments or MP4 tag atoms in one tag
_COUNT_UP_TO = 1_000_000  # frames are counted this far, for the reason; then "over"


def check_tag_file(path: Path) -> None:
    """`check_tag_sizes` on the file at `path` (blocking): run it before any decode."""
    try:
        with path.open("rb") as file:
            check_tag_sizes(path, file, file.seek(0, 2))
    except OSError as error:
        raise IngestError(path, f"cannot read file ({error.strerror or error})") from None


def check_tag_sizes(path: Path, file: BinaryIO, size: int) -> None:
    """Raise IngestError for a tag header that claims more than the file holds or the limit."""
    start = 0
    head = read_at(file, 0, 12)
    if head[:3] == b"ID3":
        start = _check_id3v2(path, file, 0, size, size)
        head = read_at(file, start, 12)
    if head[:4] == b"fLaC":
        _check_flac(path, file, start + 4, size)
    elif head[:4] == b"OggS":
        _check_ogg(path, file, start, size)
    elif head[4:8] == b"ftyp":
        _check_mp4(path, file, start, size)
    elif head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        _check_iff_chunks(path, file, size, "<I", "WAV")
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        _check_iff_chunks(path, file, size, ">I", "AIFF")
    _check_apev2(path, file, size)


def read_at(file: BinaryIO, offset: int, count: int) -> bytes:
    file.seek(offset)
    return file.read(count)


def _claim(path: Path, what: str, start: int, claimed: int, end: int, file_size: int) -> int:
    """The end of a block of `claimed` bytes at `start`; raises if it passes `end` or the limit."""
    if start + claimed > end:
        room = "the file" if end == file_size else "its container"
        raise IngestError(
            path,
            f"tag bomb: {what} claims {describe_size(claimed)}, past the end of {room} "
            f"(file size {describe_size(file_size)})",
        )
    if claimed > MAX_TAG_BLOCK_BYTES:
        raise IngestError(
            path,
            f"tag bomb: {what} of {describe_size(claimed)} is over the "
            f"{describe_size(MAX_TAG_BLOCK_BYTES)} limit",
        )
    return start + claimed


def _check_id3v2(path: Path, file: BinaryIO, start: int, end: int, file_size: int) -> int:
    """Check the ID3v2 header at `start`; the offset just after the tag."""
    header = read_at(file, start, 10)
    if len(header) < 10 or header[:3] != b"ID3" or any(byte >= 0x80 for byte in header[6:10]):
        return start  # not a well-formed header: mutagen decides, no size to trust
    body = 0
    for byte in header[6:10]:  # "synchsafe": 7 bits per byte
        body = body << 7 | byte
    footer = 10 if header[3] == 4 and header[5] & 0x10 else 0
    tag_end = _claim(path, "ID3v2 tag", start, 10 + body + footer, end, file_size)
    _check_id3v2_frames(path, file, start, header, start + 10 + body)
    return tag_end


def _check_id3v2_frames(path: Path, file: BinaryIO, start: int, header: bytes, end: int) -> None:
    """Count the frames by their headers alone (ids and sizes; contents are never read)."""
    version, flags = header[3], header[5]
    if version not in (2, 3, 4):
        return  # a version mutagen does not read either
    id_length, header_length = (3, 6) if version == 2 else (4, 10)
    offset = start + 10
    if flags & 0x40 and version in (3, 4):  # an extended header before the first frame
        raw = read_at(file, offset, 4)
        if len(raw) < 4:
            return
        extended = _synchsafe(raw) if version == 4 else int.from_bytes(raw, "big") + 4
        offset += extended
    frames = 0
    while offset + header_length <= end and frames < _COUNT_UP_TO:
        frame = read_at(file, offset, header_length)
        frame_id = frame[:id_length]
        if len(frame) < header_length or not frame_id.isalnum() or not frame_id.isupper():
            break  # padding (zero bytes), or the end of what a reader would take as frames
        size_bytes = frame[id_length:header_length] if version == 2 else frame[4:8]
        size = _synchsafe(size_bytes) if version == 4 else int.from_bytes(size_bytes, "big")
        frames += 1
        offset += header_length + size
    _check_count(path, "ID3v2 frames", frames)


def _synchsafe(raw: bytes) -> int:
    value = 0
    for byte in raw:
        value = value << 7 | (byte & 0x7F)
    return value


def _check_count(path: Path, what: str, count: int) -> None:
    if count > MAX_TAG_ITEMS:
        shown = f"over {_COUNT_UP_TO:,}" if count >= _COUNT_UP_TO else f"{count:,}"
        raise IngestError(path, f"tag bomb: {shown} {what}, over the limit of {MAX_TAG_ITEMS:,}")


_FLAC_PADDING = 1
_FLAC_VORBIS_COMMENT = 4
_FLAC_RESERVED = 7  # block types from here on are not defined: the walk has gone astray


def _check_flac(path: Path, file: BinaryIO, start: int, size: int) -> None:
    offset, total = start, 0
    for _ in range(10_000):
        header = read_at(file, offset, 4)
        if len(header) < 4 or header[0] & 0x7F >= _FLAC_RESERVED:
            return
        length = int.from_bytes(header[1:], "big")
        offset = _claim(path, "FLAC metadata block", offset + 4, length, size, size)
        # Padding is skipped, not kept; everything else mutagen holds in memory at once.
        total += 0 if header[0] & 0x7F == _FLAC_PADDING else length
        _claim(path, "FLAC metadata", 0, total, size, size)
        if header[0] & 0x7F == _FLAC_VORBIS_COMMENT:
            _check_comment_count(path, file, offset - length, offset)
        if header[0] & 0x80:  # the last metadata block
            return


def _check_ogg(path: Path, file: BinaryIO, start: int, size: int) -> None:
    """Measure the first stream's second packet (Vorbis/Opus comments) across its pages."""
    offset, packet, comment_bytes, serial = start, 0, 0, None
    for _ in range(100_000):
        header = read_at(file, offset, 27)
        if len(header) < 27 or header[:4] != b"OggS":
            return
        segments = read_at(file, offset + 27, header[26])
        data = offset + 27 + len(segments)
        offset = data + sum(segments)
        if serial is None:
            serial = header[14:18]
        elif header[14:18] != serial:
            continue
        for lacing in segments:
            if packet == 1:
                if comment_bytes == 0:
                    _check_ogg_comment_count(path, file, data, offset)
                comment_bytes += lacing
            if lacing < 255:
                packet += 1
            data += lacing
        if packet >= 1:
            _claim(path, "Ogg comment header", 0, comment_bytes, size, size)
        if packet >= 2:
            return
    raise IngestError(path, "tag bomb: Ogg comment header spans over 100,000 pages")


def _check_ogg_comment_count(path: Path, file: BinaryIO, start: int, page_end: int) -> None:
    """The comment count of a Vorbis or Opus comment packet starting at `start`, when its
    vendor string and count lie in this page (they always do but in crafted files)."""
    magic = read_at(file, start, 8)
    if magic.startswith(b"\x03vorbis"):
        _check_comment_count(path, file, start + 7, page_end)
    elif magic == b"OpusTags":
        _check_comment_count(path, file, start + 8, page_end)


def _check_comment_count(path: Path, file: BinaryIO, start: int, end: int) -> None:
    """Vorbis comments (FLAC block or Ogg packet body at `start`): vendor string, count."""
    raw = read_at(file, start, 4)
    if len(raw) < 4:
        return
    count_at = start + 4 + int.from_bytes(raw, "little")
    if count_at + 4 > end:
        return  # malformed, or past this page: mutagen decides
    _check_count(path, "Vorbis comments", int.from_bytes(read_at(file, count_at, 4), "little"))


def _mp4_children(file: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset, claimed size) of each atom between `start` and `end`."""
    offset = start
    while offset + 8 <= end:
        header = read_at(file, offset, 16)
        if len(header) < 8:
            return
        atom_size, kind = struct.unpack(">I4s", header[:8])
        if atom_size == 1 and len(header) == 16:
            atom_size = struct.unpack(">Q", header[8:])[0]
        elif atom_size == 0:
            atom_size = end - offset
        if atom_size < 8:
            return  # malformed: mutagen will say so
        yield kind, offset, atom_size
        offset += atom_size


def _check_mp4(path: Path, file: BinaryIO, start: int, size: int) -> None:
    """Check moov/udta/meta/ilst and the items in ilst, where iTunes-style tags live."""
    parent_end = size
    children = _mp4_children(file, start, size)
    for name in (b"moov", b"udta", b"meta", b"ilst"):
        found = next((atom for atom in children if atom[0] == name), None)
        if found is None:
            return
        _, offset, atom_size = found
        what = f"MP4 '{name.decode()}' atom"
        if name == b"moov":
            # A moov past the end is a truncated file, not a tag: ffmpeg will judge it.
            parent_end = min(offset + atom_size, size)
        else:
            parent_end = _claim(path, what, offset, atom_size, parent_end, size)
        content = offset + 8
        if name == b"meta" and read_at(file, content, 4) == b"\0\0\0\0":
            content += 4  # a "full box": version and flags before the children
        children = _mp4_children(file, content, parent_end)
    items = 0
    for kind, offset, atom_size in children:
        what = f"MP4 '{kind.decode('latin-1')}' tag atom"
        _claim(path, what, offset, atom_size, parent_end, size)
        items += 1
        if items >= _COUNT_UP_TO:
            break
    _check_count(path, "MP4 tag items", items)


def _check_iff_chunks(path: Path, file: BinaryIO, size: int, size_format: str, kind: str) -> None:
    """Check the tag chunks (ID3, and a WAV's LIST) of a WAV or AIFF file.

    WAV sizes are little-endian (`size_format` "<I"), AIFF sizes big-endian (">I").
    """
    offset = 12
    for _ in range(10_000):
        header = read_at(file, offset, 8)
        if len(header) < 8:
            return
        chunk_size = struct.unpack(size_format, header[4:])[0]
        if header[:4].strip().lower() == b"id3":
            end = _claim(path, f"{kind} ID3 chunk", offset + 8, chunk_size, size, size)
            _check_id3v2(path, file, offset + 8, end, size)
        elif header[:4] == b"LIST" and kind == "WAV":
            _claim(path, "WAV LIST chunk", offset + 8, chunk_size, size, size)
        offset += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even size
        if offset >= size:
            return  # the end, or a truncated data chunk: ffmpeg's to judge


def _check_apev2(path: Path, file: BinaryIO, size: int) -> None:
    """Check an APEv2 footer at the end (or before an ID3v1 tag) and a header at the start."""
    candidates = [0, size - 32]
    if size >= 160 and read_at(file, size - 128, 3) == b"TAG":
        candidates.append(size - 160)
    for offset in candidates:
        if offset < 0:
            continue
        header = read_at(file, offset, 32)
        if len(header) < 32 or header[:8] != b"APETAGEX":
            continue
        # The size counts the items and the footer, not the header.
        claimed = struct.unpack("<I", header[12:16])[0]
        _check_count(path, "APEv2 items", struct.unpack("<I", header[16:20])[0])
        if offset == 0:
            _claim(path, "APEv2 tag", 32, claimed, size, size)
        else:
            _claim(path, "APEv2 tag", 0, claimed, offset + 32, size)


def describe_size(size: int) -> str:
    """A byte count for people: "200.0 MB", "50.0 KB", "12 bytes" (1 KB = 1000 bytes)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
