"""The ObjectStore contract, run against every implementation (LocalObjectStore, S3ObjectStore).

S3 runs against moto's server, with a fresh bucket and a key prefix per test, and the
multipart threshold at S3's 5 MiB minimum so that an 11 MiB upload really goes in parts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path

import boto3
import httpx
import pytest

from tests.servers import RunningServer
from tonearm.adapters.storage import InvalidKey, ObjectInfo, ObjectNotFound, ObjectStore
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.adapters.storage.s3 import S3ObjectStore
from tonearm.errors import InvalidInput

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
S3_REGION = "us-east-1"
S3_KEY_ID = "test"
S3_SECRET = "test"
# Spans several 64 KiB read chunks, and every byte value, so offsets are easy to check.
PATTERN = bytes(range(256)) * 1000

INVALID_KEYS = ["../x", "/abs", "a/../b", "a\x00b", "a//b", "", "a b", "a/./b", "a/", "é"]


def new_bucket(s3_server: RunningServer) -> str:
    """Create an empty bucket with a unique name on the moto server and return its name."""
    name = f"t-{uuid.uuid4().hex}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
    )
    client.create_bucket(Bucket=name)
    client.close()
    return name


@pytest.fixture
async def local_store(tmp_path: Path) -> AsyncIterator[LocalObjectStore]:
    # Small read chunks, so PATTERN spans several and chunk boundaries get exercised.
    store = LocalObjectStore(tmp_path / "objects", read_chunk_bytes=64 * 1024)
    yield store
    await store.close()


@pytest.fixture
async def s3_store(s3_server: RunningServer) -> AsyncIterator[S3ObjectStore]:
    store = S3ObjectStore(
        new_bucket(s3_server),
        "library",
        endpoint_url=s3_server.url,
        region=S3_REGION,
        access_key_id=S3_KEY_ID,
        secret_access_key=S3_SECRET,
        multipart_threshold_bytes=5 * MIB,
    )
    yield store
    await store.close()


@pytest.fixture(params=["local_store", "s3_store"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    # moto starts only when an S3 case asks for it.
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


async def chunks_of(data: bytes, chunk_bytes: int = 100_000) -> AsyncIterator[bytes]:
    """`data` as an async stream of `chunk_bytes` pieces (deliberately not 64 KiB-aligned)."""
    for offset in range(0, len(data), chunk_bytes):
        yield data[offset : offset + chunk_bytes]


async def failing_after(data: bytes) -> AsyncIterator[bytes]:
    """Yield `data`, then fail the way a dropped upload connection would."""
    async for chunk in chunks_of(data, 1 * MIB):
        yield chunk
    raise ConnectionResetError("client went away")


async def read(store: ObjectStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.get_range(key, start, end)])


async def listed(store: ObjectStore, prefix: str = "") -> list[ObjectInfo]:
    return [info async for info in store.list(prefix)]


async def put_keys(store: ObjectStore, keys: Iterable[str]) -> None:
    for key in keys:
        await store.put_stream(key, chunks_of(key.encode()))


async def test_put_stream_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    info = await store.put_stream("high/song.mp3", chunks_of(PATTERN))

    assert info.key == "high/song.mp3"
    assert info.size_bytes == len(PATTERN)
    assert await read(store, "high/song.mp3") == PATTERN


async def test_put_file_then_get_returns_the_same_bytes(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "upload.flac"
    source.write_bytes(PATTERN)

    info = await store.put_file("original/song.flac", source, content_type="audio/flac")

    assert info.size_bytes == len(PATTERN)
    assert await read(store, "original/song.flac") == PATTERN


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),  # first byte
        (1000, 70_000),  # middle, across a 64 KiB boundary
        (len(PATTERN) - 1, len(PATTERN) - 1),  # last byte
        (len(PATTERN) - 1, None),  # open-ended from the last byte
        (123_456, None),  # open-ended from the middle
        (0, None),  # everything
        (len(PATTERN) - 10, len(PATTERN) + 500),  # end past the size is clamped
    ],
)
async def test_get_range_returns_exactly_the_inclusive_byte_range(
    store: ObjectStore, start: int, end: int | None
) -> None:
    await store.put_stream("a.bin", chunks_of(PATTERN))

    expected = PATTERN[start:] if end is None else PATTERN[start : end + 1]
    assert await read(store, "a.bin", start, end) == expected


@pytest.mark.parametrize("start", [len(PATTERN), len(PATTERN) + 1000])
async def test_get_range_starting_at_or_past_the_size_yields_nothing(
    store: ObjectStore, start: int
) -> None:
    await store.put_stream("a.bin", chunks_of(PATTERN))

    assert await read(store, "a.bin", start) == b""
    assert await read(store, "a.bin", start, start + 10) == b""


@pytest.mark.parametrize(("start", "end"), [(-1, None), (10, 9)])
async def test_get_range_rejects_a_negative_start_or_end_before_start(
    store: ObjectStore, start: int, end: int | None
) -> None:
    await store.put_stream("a.bin", chunks_of(PATTERN))

    with pytest.raises(InvalidInput):
        await read(store, "a.bin", start, end)


async def test_empty_object_round_trips(store: ObjectStore) -> None:
    info = await store.put_stream("empty.bin", chunks_of(b""))

    assert info.size_bytes == 0
    assert (await store.stat("empty.bin")).size_bytes == 0
    assert await read(store, "empty.bin") == b""


async def test_stat_reports_size_and_an_aware_time(store: ObjectStore) -> None:
    await store.put_stream("low/x.mp3", chunks_of(b"12345"), content_type="audio/mpeg")

    info = await store.stat("low/x.mp3")

    assert info.key == "low/x.mp3"
    assert info.size_bytes == 5
    assert isinstance(info.modified_at, datetime)
    assert info.modified_at.tzinfo is not None
    assert info.content_type in {None, "audio/mpeg"}


async def test_put_replaces_an_existing_object(store: ObjectStore) -> None:
    await store.put_stream("k", chunks_of(b"first version, longer"))
    await store.put_stream("k", chunks_of(b"second"))

    assert await read(store, "k") == b"second"
    assert (await store.stat("k")).size_bytes == 6


async def test_delete_removes_the_object(store: ObjectStore) -> None:
    await store.put_stream("previews/a.mp3", chunks_of(b"abc"))

    await store.delete("previews/a.mp3")

    with pytest.raises(ObjectNotFound):
        await store.stat("previews/a.mp3")
    assert await listed(store) == []


async def test_deleting_a_missing_key_is_not_an_error(store: ObjectStore) -> None:
    await store.delete("never/stored.mp3")


async def test_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound) as stat_error:
        await store.stat("high/missing.mp3")
    assert stat_error.value.key == "high/missing.mp3"

    chunks = store.get_range("high/missing.mp3")
    with pytest.raises(ObjectNotFound):
        await anext(chunks)

    with pytest.raises(ObjectNotFound):
        await read(store, "high/missing.mp3", 10, 20)


async def test_list_yields_keys_with_the_prefix_in_key_order(store: ObjectStore) -> None:
    # "/" sorts after "-" and ".", so a folder's keys fall between such siblings.
    keys = ["b", "a/c/d", "ab", "a.x", "a-y", "a/b", "a/c-e", "a/c/a"]
    await put_keys(store, keys)

    assert [info.key for info in await listed(store)] == sorted(keys)
    assert [info.key for info in await listed(store, "a")] == sorted(set(keys) - {"b"})
    assert [info.key for info in await listed(store, "a/")] == ["a/b", "a/c-e", "a/c/a", "a/c/d"]
    assert [info.key for info in await listed(store, "a/c")] == ["a/c-e", "a/c/a", "a/c/d"]
    assert [info.key for info in await listed(store, "a/c/")] == ["a/c/a", "a/c/d"]
    assert await listed(store, "zzz") == []
    assert await listed(store, "a/c/d/") == []


async def test_list_reports_each_size(store: ObjectStore) -> None:
    await store.put_stream("art/small.jpg", chunks_of(b"x" * 3))
    await store.put_stream("art/large.jpg", chunks_of(b"x" * 300_000))

    sizes = {info.key: info.size_bytes for info in await listed(store, "art/")}

    assert sizes == {"art/large.jpg": 300_000, "art/small.jpg": 3}


async def test_put_stream_that_fails_midway_leaves_no_object(store: ObjectStore) -> None:
    with pytest.raises(ConnectionResetError):
        await store.put_stream("high/broken.mp3", failing_after(PATTERN))

    with pytest.raises(ObjectNotFound):
        await store.stat("high/broken.mp3")
    assert await listed(store) == []


async def test_put_stream_that_fails_after_several_parts_leaves_no_object(
    store: ObjectStore,
) -> None:
    # Past the multipart threshold, so S3 has accepted parts before the failure.
    with pytest.raises(ConnectionResetError):
        await store.put_stream("original/broken.flac", failing_after(os.urandom(17 * MIB)))

    with pytest.raises(ObjectNotFound):
        await store.stat("original/broken.flac")
    assert await listed(store) == []


async def test_put_stream_that_fails_keeps_the_previous_object(store: ObjectStore) -> None:
    await store.put_stream("k", chunks_of(b"good"))

    with pytest.raises(ConnectionResetError):
        await store.put_stream("k", failing_after(PATTERN))

    assert await read(store, "k") == b"good"


async def test_multipart_sized_stream_round_trips_byte_identical(store: ObjectStore) -> None:
    data = os.urandom(11 * MIB)

    # Odd chunk sizes, so parts are cut out of the middle of chunks.
    info = await store.put_stream("original/big.flac", chunks_of(data, 700_001))

    assert info.size_bytes == len(data)
    assert await read(store, "original/big.flac") == data
    assert (
        await read(store, "original/big.flac", 8 * MIB - 3, 8 * MIB + 2)
        == data[8 * MIB - 3 : 8 * MIB + 3]
    )


async def test_multipart_sized_file_round_trips_byte_identical(
    store: ObjectStore, tmp_path: Path
) -> None:
    data = os.urandom(11 * MIB)
    source = tmp_path / "big.flac"
    source.write_bytes(data)

    info = await store.put_file("original/big.flac", source)

    assert info.size_bytes == len(data)
    assert await read(store, "original/big.flac") == data


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected_by_every_operation(
    store: ObjectStore, key: str, tmp_path: Path
) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"x")

    with pytest.raises(InvalidKey):
        await store.put_file(key, source)
    with pytest.raises(InvalidKey):
        await store.put_stream(key, chunks_of(b"x"))
    with pytest.raises(InvalidKey):
        await read(store, key)
    with pytest.raises(InvalidKey):
        await store.stat(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)
    with pytest.raises(InvalidKey):
        await store.presigned_get_url(key, 60)
    assert await listed(store) == []


async def test_presigned_url_serves_the_object_with_sigv4_or_is_none(
    store: ObjectStore,
) -> None:
    await store.put_stream("high/song.mp3", chunks_of(PATTERN))

    url = await store.presigned_get_url("high/song.mp3", 300, filename="Song – Artist.mp3")

    if isinstance(store, LocalObjectStore):
        assert url is None
        return
    assert url is not None
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == PATTERN
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Song%20%E2%80%93%20Artist.mp3" in disposition


async def test_check_passes_on_a_usable_store(store: ObjectStore) -> None:
    await store.check()
