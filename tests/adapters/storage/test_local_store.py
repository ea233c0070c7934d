"""LocalObjectStore beyond the contract: crashes, failed renames, symlinks, the temp folder."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tonearm.adapters.storage import InvalidKey, ObjectNotFound
from tonearm.adapters.storage.local import STALE_TEMP_SECONDS, LocalObjectStore
from tonearm.errors import Unavailable

pytestmark = pytest.mark.anyio

# How long to wait for the child writer to reach the point of interest: far beyond need.
DEADLINE_SECONDS = 30.0

# Writes one chunk of a stream, then hangs forever before the next: a process that will be
# killed between writing the temp file and renaming it.
HANGING_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tonearm.adapters.storage.local import LocalObjectStore

    async def chunks():
        yield b"x" * 200_000
        await asyncio.Event().wait()
        yield b"never"

    asyncio.run(LocalObjectStore(Path(sys.argv[1])).put_stream("high/song.mp3", chunks()))
    """
)


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def keys_of(store: LocalObjectStore, prefix: str = "") -> list[str]:
    return [info.key async for info in store.list(prefix)]


def temp_files(root: Path) -> list[Path]:
    return sorted((root / ".tmp").glob("*"))


async def test_killed_writer_leaves_no_visible_object(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    writer = subprocess.Popen([sys.executable, "-c", HANGING_WRITER, str(root)])
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not any(path.stat().st_size > 0 for path in temp_files(root)):
            assert writer.poll() is None, "writer exited before writing its temp file"
            assert time.monotonic() < deadline, "writer never wrote a temp file"
            await asyncio.sleep(0.02)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    store = LocalObjectStore(root)
    with pytest.raises(ObjectNotFound):
        await store.stat("high/song.mp3")
    assert await keys_of(store) == []
    # The half-written bytes exist only as a temp file, which is never an object.
    assert len(temp_files(root)) == 1


async def test_failed_rename_leaves_no_object_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    source = tmp_path / "song.flac"
    source.write_bytes(b"flac bytes")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)

    with pytest.raises(OSError, match="No space left"):
        await store.put_stream("high/song.mp3", one_chunk(b"mp3 bytes"))
    with pytest.raises(OSError, match="No space left"):
        await store.put_file("original/song.flac", source)

    for key in ["high/song.mp3", "original/song.flac"]:
        with pytest.raises(ObjectNotFound):
            await store.stat(key)
    assert await keys_of(store) == []
    assert temp_files(store.root) == []


async def test_cancelled_put_stream_removes_its_temp_file(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    first_chunk_sent = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x" * 1000
        first_chunk_sent.set()
        await asyncio.Event().wait()
        yield b"never"

    upload = asyncio.create_task(store.put_stream("k", chunks()))
    await first_chunk_sent.wait()
    assert len(temp_files(store.root)) == 1
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload

    assert temp_files(store.root) == []
    assert await keys_of(store) == []


async def test_symlinked_folder_cannot_reach_outside_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    root = tmp_path / "objects"
    root.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    store = LocalObjectStore(root)

    with pytest.raises(InvalidKey):
        await store.stat("link/secret.txt")
    with pytest.raises(InvalidKey):
        await anext(store.get_range("link/secret.txt"))
    with pytest.raises(InvalidKey):
        await store.put_stream("link/planted.txt", one_chunk(b"planted"))
    with pytest.raises(InvalidKey):
        await store.delete("link/secret.txt")

    assert not (outside / "planted.txt").exists()
    assert (outside / "secret.txt").read_bytes() == b"secret"
    assert await keys_of(store) == []
    assert await keys_of(store, "link/") == []


async def test_symlinked_file_pointing_outside_is_neither_read_nor_listed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    root = tmp_path / "objects"
    root.mkdir()
    (root / "leak.txt").symlink_to(secret)
    store = LocalObjectStore(root)

    with pytest.raises(InvalidKey):
        await anext(store.get_range("leak.txt"))
    assert await keys_of(store) == []


async def test_temp_folder_is_never_an_object(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.put_stream("a", one_chunk(b"a"))
    (store.root / ".tmp" / "left-over.part").write_bytes(b"partial")

    assert await keys_of(store) == ["a"]
    assert await keys_of(store, ".tmp") == []
    with pytest.raises(InvalidKey):
        await store.stat(".tmp/left-over.part")
    with pytest.raises(InvalidKey):
        await store.put_stream(".tmp/x", one_chunk(b"x"))


async def test_files_with_names_that_are_not_keys_are_not_listed(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.put_stream("high/a.mp3", one_chunk(b"a"))
    (store.root / "high" / "copied by hand.mp3").write_bytes(b"b")

    assert await keys_of(store) == ["high/a.mp3"]


async def test_key_under_an_existing_object_is_refused(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.put_stream("a", one_chunk(b"file"))

    with pytest.raises(InvalidKey, match="under an existing object"):
        await store.put_stream("a/b", one_chunk(b"nested"))

    assert await keys_of(store) == ["a"]
    assert temp_files(store.root) == []


async def test_key_naming_a_folder_of_objects_is_refused(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.put_stream("a/b", one_chunk(b"nested"))

    with pytest.raises(InvalidKey, match="folder of other objects"):
        await store.put_stream("a", one_chunk(b"file"))
    with pytest.raises(ObjectNotFound):
        await store.stat("a")

    assert await keys_of(store) == ["a/b"]
    assert temp_files(store.root) == []


async def test_check_creates_a_missing_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "not" / "yet" / "there")

    await store.check()

    assert store.root.is_dir()


@pytest.mark.parametrize("root_under_file", [False, True])
async def test_check_on_an_unwritable_location_raises_unavailable(
    tmp_path: Path, root_under_file: bool
) -> None:
    # A regular file where a folder must be: unwritable even for root, unlike chmod.
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"")
    store = LocalObjectStore(blocker / "objects" if root_under_file else blocker)

    with pytest.raises(Unavailable) as error:
        await store.check()

    message = str(error.value)
    assert str(blocker) in message
    assert "\n" not in message


async def test_check_removes_only_stale_temp_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.check()
    stale = store.root / ".tmp" / "crashed.part"
    fresh = store.root / ".tmp" / "in-progress.part"
    stale.write_bytes(b"old")
    fresh.write_bytes(b"new")
    long_ago = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (long_ago, long_ago))

    await store.check()

    assert temp_files(store.root) == [fresh]
