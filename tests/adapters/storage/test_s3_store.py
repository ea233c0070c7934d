"""S3ObjectStore beyond the contract: multipart really used, aborted uploads, the key prefix,
and check() failing with one readable line."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.contracts.test_object_store import (
    S3_KEY_ID,
    S3_REGION,
    S3_SECRET,
    chunks_of,
    failing_after,
    new_bucket,
)
from tests.servers import RunningServer, free_port
from tonearm.adapters.storage.s3 import S3ObjectStore
from tonearm.errors import Unavailable

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


def open_store(endpoint_url: str, bucket: str, prefix: str = "library") -> S3ObjectStore:
    return S3ObjectStore(
        bucket,
        prefix,
        endpoint_url=endpoint_url,
        region=S3_REGION,
        access_key_id=S3_KEY_ID,
        secret_access_key=S3_SECRET,
        multipart_threshold_bytes=5 * MIB,
    )


@pytest.fixture
def bucket(s3_server: RunningServer) -> str:
    return new_bucket(s3_server)


@pytest.fixture
async def store(s3_server: RunningServer, bucket: str) -> AsyncIterator[S3ObjectStore]:
    store = open_store(s3_server.url, bucket)
    yield store
    await store.close()


@pytest.fixture
def raw_client(s3_server: RunningServer) -> Any:
    """A plain boto3 client, to look at the bucket behind the store's back."""
    return boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
    )


async def test_large_stream_and_file_upload_in_parts(
    store: S3ObjectStore, bucket: str, raw_client: Any, tmp_path: Path
) -> None:
    data = os.urandom(11 * MIB)
    source = tmp_path / "big.flac"
    source.write_bytes(data)

    await store.put_stream("original/streamed.flac", chunks_of(data, 1 * MIB))
    await store.put_file("original/file.flac", source)

    # A multipart object's ETag ends in "-<number of parts>": 8 MiB + 3 MiB here.
    for key in ["library/original/streamed.flac", "library/original/file.flac"]:
        head = raw_client.head_object(Bucket=bucket, Key=key)
        assert head["ETag"].strip('"').endswith("-2")


async def test_small_stream_is_one_put(store: S3ObjectStore, bucket: str, raw_client: Any) -> None:
    await store.put_stream("low/a.mp3", chunks_of(b"x" * MIB))

    head = raw_client.head_object(Bucket=bucket, Key="library/low/a.mp3")
    assert "-" not in head["ETag"]


async def test_failed_multipart_stream_is_aborted(
    store: S3ObjectStore, bucket: str, raw_client: Any
) -> None:
    with pytest.raises(ConnectionResetError):
        await store.put_stream("original/broken.flac", failing_after(os.urandom(17 * MIB)))

    uploads = raw_client.list_multipart_uploads(Bucket=bucket)
    assert uploads.get("Uploads", []) == []


async def test_keys_live_under_the_prefix_and_others_are_not_listed(
    store: S3ObjectStore, bucket: str, raw_client: Any
) -> None:
    raw_client.put_object(Bucket=bucket, Key="elsewhere/x.mp3", Body=b"x")
    raw_client.put_object(Bucket=bucket, Key="library2/y.mp3", Body=b"y")

    await store.put_stream("high/a.mp3", chunks_of(b"a"))

    listing = raw_client.list_objects_v2(Bucket=bucket)
    assert "library/high/a.mp3" in {item["Key"] for item in listing["Contents"]}
    assert [info.key async for info in store.list()] == ["high/a.mp3"]


async def test_check_with_nothing_listening_raises_one_line(bucket: str) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = open_store(endpoint, bucket)

    with pytest.raises(Unavailable) as error:
        await store.check()

    assert str(error.value) == f"cannot reach S3 endpoint {endpoint}: connection refused"
    assert error.value.__suppress_context__
    await store.close()


async def test_check_on_a_missing_bucket_names_it(s3_server: RunningServer) -> None:
    store = open_store(s3_server.url, "no-such-bucket")

    with pytest.raises(Unavailable) as error:
        await store.check()

    assert str(error.value) == "bucket 'no-such-bucket' does not exist"
    await store.close()


async def test_operations_on_a_missing_bucket_raise_unavailable(
    s3_server: RunningServer, tmp_path: Path
) -> None:
    store = open_store(s3_server.url, "no-such-bucket")
    source = tmp_path / "a.mp3"
    source.write_bytes(b"a")
    # The whole message, one line: nothing from boto3's wording leaks through.
    missing_bucket = r"^bucket 'no-such-bucket' does not exist$"

    with pytest.raises(Unavailable, match=missing_bucket):
        await store.put_stream("a", chunks_of(b"a"))
    with pytest.raises(Unavailable, match=missing_bucket):
        await store.put_file("a", source)
    with pytest.raises(Unavailable, match=missing_bucket):
        await anext(store.list())
    await store.close()
