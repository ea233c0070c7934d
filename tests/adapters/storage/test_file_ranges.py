"""read_file_range: a player's Range window is read in one piece; longer reads are chunked."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from tonearm.adapters.storage.files import WINDOW_BYTES, read_file_range

pytestmark = pytest.mark.anyio


class CountingFile(io.FileIO):
    """A file that counts its read calls."""

    reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        CountingFile.reads += 1
        return super().read(size)


async def read_all(path: Path, start: int, end: int | None, chunk: int) -> list[bytes]:
    def opened() -> BinaryIO:
        return CountingFile(path, "rb")  # type: ignore[return-value]

    return [piece async for piece in read_file_range(opened, start, end, chunk)]


async def test_a_window_up_to_a_mebibyte_is_one_read_and_one_piece(tmp_path: Path) -> None:
    data = os.urandom(3 * WINDOW_BYTES)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    for start, length in [(0, 64 * 1024), (12345, WINDOW_BYTES), (len(data) - 1000, 1000)]:
        CountingFile.reads = 0
        pieces = await read_all(path, start, start + length - 1, 256 * 1024)
        assert pieces == [data[start : start + length]]
        assert CountingFile.reads == 1


async def test_longer_reads_go_in_chunks_and_stop_at_the_end(tmp_path: Path) -> None:
    data = os.urandom(WINDOW_BYTES + 5)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    pieces = await read_all(path, 0, None, 256 * 1024)
    assert b"".join(pieces) == data
    assert max(len(piece) for piece in pieces) == 256 * 1024
    ranged = await read_all(path, 3, WINDOW_BYTES + 3, 256 * 1024)  # one byte over a window
    assert b"".join(ranged) == data[3 : WINDOW_BYTES + 4] and len(ranged) == 5
