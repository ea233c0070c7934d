"""open_object_store: the storage URL's scheme picks the implementation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tonearm.adapters.storage import open_object_store
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.adapters.storage.s3 import S3ObjectStore
from tonearm.errors import ConfigError


def test_file_url_opens_a_local_store(tmp_path: Path) -> None:
    store = open_object_store((tmp_path / "my objects").as_uri())

    assert isinstance(store, LocalObjectStore)
    assert store.root == (tmp_path / "my objects").resolve()


def test_s3_url_opens_an_s3_store_with_bucket_and_prefix() -> None:
    store = open_object_store(
        "s3://music-bucket/tonearm/prod/",
        endpoint_url="http://127.0.0.1:9",
        region="auto",
        access_key_id="id",
        secret_access_key="secret",
    )

    assert isinstance(store, S3ObjectStore)
    assert store.bucket == "music-bucket"
    assert store.prefix == "tonearm/prod"


def test_s3_url_without_prefix_keeps_keys_at_the_bucket_root() -> None:
    store = open_object_store("s3://music-bucket", endpoint_url="http://127.0.0.1:9")

    assert isinstance(store, S3ObjectStore)
    assert store.prefix == ""


@pytest.mark.parametrize(
    "url",
    [
        "gs://bucket/prefix",
        "http://example.org/objects",
        "objects",
        "",
        "file://relative/path",
        "s3:///prefix-without-bucket",
        "s3://bucket/bad prefix",
        "s3://bucket/a/../b",
    ],
)
def test_bad_storage_url_raises_config_error_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        open_object_store(url)

    assert error.value.setting == "TONEARM_STORAGE_URL"
    assert str(error.value).startswith("TONEARM_STORAGE_URL: ")
    assert "\n" not in str(error.value)
