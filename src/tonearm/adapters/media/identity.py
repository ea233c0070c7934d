"""A cheap identity of a file's audio, read in phase 1 of a scan without decoding (blocking).

What it hashes: the size of the audio payload and its first and last 64 KiB, where the
payload is the file without its tags: an ID3v2 tag in front, ID3v1 ("TAG", 128 bytes) and
APEv2 tags at the end, the FLAC metadata blocks (Vorbis comments, pictures, padding), the
chunks of a WAV or AIFF file other than `data`/`SSND`, and an MP4's atoms other than `mdat`.
So rewriting tags or art (which moves the audio inside the file) keeps the identity, and a
moved file keeps it trivially: the scan uses it to give a moved or revived file its old song
id before any decode. Reading 128 KiB costs about as much as reading the tags.

What it is not: proof of the same audio. Ogg files keep their comments inside the page
stream (a retag renumbers every page), and other containers are hashed whole, so for them a
retag changes the identity. That only matters when a file is retagged *and* moved between
two scans (a retag in place is followed by path); enrichment's decoded-PCM hash then finds
the two songs and merges them into the older id, so nothing is lost either way.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import BinaryIO

EDGE_BYTES = 64 * 1024
IDENTITY_VERSION = b"tonearm-file-identity-1"


def file_identity(path: Path) -> str:
    """The hex SHA-256 of (version, payload size, first and last 64 KiB of the payload).

    Raises OSError when the file cannot be read.
    """
    with path.open("rb") as file:
        size = file.seek(0, 2)
        start, end = audio_payload_span(file, size)
        digest = hashlib.sha256(IDENTITY_VERSION)
        digest.update(struct.pack(">Q", end - start))
        file.seek(start)
        digest.update(file.read(min(EDGE_BYTES, end - start)))
        tail_start = max(start, end - EDGE_BYTES)
        file.seek(tail_start)
        digest.update(file.read(end - tail_start))
    return digest.hexdigest()


def audio_payload_span(file: BinaryIO, size: int) -> tuple[int, int]:
    """(start, end) of the bytes that hold the audio; the whole file when unsure."""
    start, end = 0, size
    head = _read_at(file, 0, 12)
    if head[:3] == b"ID3":
        start = _id3v2_end(file, 0, size)
        head = _read_at(file, start, 12)
    if head[:4] == b"fLaC":
        start = _flac_audio_start(file, start + 4, size)
    elif head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _iff_chunk(file, size, b"data", "<I") or (start, end)
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _iff_chunk(file, size, b"SSND", ">I") or (start, end)
    elif head[4:8] == b"ftyp":
        return _mp4_mdat(file, size) or (start, end)
    end = _strip_trailing_tags(file, start, end)
    return (start, end) if start < end else (0, size)


def _read_at(file: BinaryIO, offset: int, count: int) -> bytes:
    file.seek(offset)
    return file.read(count)


def _id3v2_end(file: BinaryIO, start: int, size: int) -> int:
    header = _read_at(file, start, 10)
    if len(header) < 10 or any(byte >= 0x80 for byte in header[6:10]):
        return start
    body = 0
    for byte in header[6:10]:  # "synchsafe": 7 bits per byte
        body = body << 7 | byte
    footer = 10 if header[3] == 4 and header[5] & 0x10 else 0
    return min(size, start + 10 + body + footer)


def _flac_audio_start(file: BinaryIO, offset: int, size: int) -> int:
    for _ in range(10_000):
        header = _read_at(file, offset, 4)
        if len(header) < 4:
            return offset
        offset += 4 + int.from_bytes(header[1:], "big")
        if header[0] & 0x80 or offset >= size:  # the last metadata block
            return min(offset, size)
    return offset


def _strip_trailing_tags(file: BinaryIO, start: int, end: int) -> int:
    if end - start >= 128 and _read_at(file, end - 128, 3) == b"TAG":
        end -= 128  # ID3v1
    if end - start >= 32:
        footer = _read_at(file, end - 32, 32)
        if footer[:8] == b"APETAGEX":
            tag_size = int.from_bytes(footer[12:16], "little")  # items and footer
            has_header = bool(int.from_bytes(footer[20:24], "little") & 0x80000000)
            end -= tag_size + (32 if has_header else 0)
    return max(start, end)


def _iff_chunk(
    file: BinaryIO, size: int, wanted: bytes, size_format: str
) -> tuple[int, int] | None:
    offset = 12
    for _ in range(10_000):
        header = _read_at(file, offset, 8)
        if len(header) < 8:
            return None
        (length,) = struct.unpack(size_format, header[4:8])
        if header[:4] == wanted:
            return offset + 8, min(size, offset + 8 + length)
        offset += 8 + length + (length & 1)  # chunks are padded to even sizes
    return None


def _mp4_mdat(file: BinaryIO, size: int) -> tuple[int, int] | None:
    offset = 0
    for _ in range(10_000):
        header = _read_at(file, offset, 16)
        if len(header) < 8:
            return None
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        header_bytes = 8
        if length == 1 and len(header) == 16:  # a 64-bit size follows the type
            length, header_bytes = int.from_bytes(header[8:16], "big"), 16
        elif length == 0:  # to the end of the file
            length = size - offset
        if length < header_bytes:
            return None
        if kind == b"mdat":
            return offset + header_bytes, min(size, offset + length)
        offset += length
    return None
