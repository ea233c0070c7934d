"""read_file_range: a player's Range window is read in one piece; longer reads are chunked."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from tonearm.adapters.storage import files
from tonearm.adapters.storage.files import WINDOW_BYTES, read_file_range, read_if_cached

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


WINDOWS = [(0, 64 * 1024), (12345, WINDOW_BYTES), (3 * WINDOW_BYTES - 1000, 1000)]


async def test_a_window_up_to_a_mebibyte_is_one_read_and_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for a file the page cache does not hold: one read, on a thread.
    monkeypatch.setattr(files, "read_if_cached", lambda reader, start, size: None)
    data = os.urandom(3 * WINDOW_BYTES)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    for start, length in WINDOWS:
        CountingFile.reads = 0
        pieces = await read_all(path, start, start + length - 1, 256 * 1024)
        assert pieces == [data[start : start + length]]
        assert CountingFile.reads == 1


async def test_a_cached_window_is_read_in_one_piece_without_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(3 * WINDOW_BYTES)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)  # just written: in the page cache
    cached: list[int] = []

    def counted(reader: BinaryIO, start: int, size: int) -> bytes | None:
        found = read_if_cached(reader, start, size)
        cached.append(len(found) if found is not None else -1)
        return found

    async def no_thread(*args: object) -> None:
        raise AssertionError("a cached window went to a thread")

    monkeypatch.setattr(files, "read_if_cached", counted)
    monkeypatch.setattr(files.asyncio, "to_thread", no_thread)
    for start, length in WINDOWS:
        CountingFile.reads = 0
        pieces = await read_all(path, start, start + length - 1, 256 * 1024)
        assert pieces == [data[start : start + length]]
        assert CountingFile.reads == 0
    assert cached == [length for _, length in WINDOWS]


def test_read_if_cached_gives_the_bytes_the_file_holds(tmp_path: Path) -> None:
    data = os.urandom(1000)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    with path.open("rb", buffering=0) as reader:
        assert read_if_cached(reader, 10, 100) == data[10:110]
        assert read_if_cached(reader, 900, 500) == data[900:]  # short at the end
        assert read_if_cached(reader, 1000, 10) == b""  # past the end
        assert read_if_cached(reader, 0, 0) is None  # nothing asked: the usual path


async def test_longer_reads_go_in_chunks_and_stop_at_the_end(tmp_path: Path) -> None:
    data = os.urandom(WINDOW_BYTES + 5)
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    pieces = await read_all(path, 0, None, 256 * 1024)
    assert b"".join(pieces) == data
    assert max(len(piece) for piece in pieces) == 256 * 1024
    ranged = await read_all(path, 3, WINDOW_BYTES + 3, 256 * 1024)  # one byte over a window
    assert b"".join(ranged) == data[3 : WINDOW_BYTES + 4] and len(ranged) == 5
