"""Object storage: the ObjectStore interface and `open_object_store(url)`, which picks one.

`file:///abs/path` opens a LocalObjectStore, `s3://bucket/prefix` an S3ObjectStore.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from tonearm.adapters.storage.base import (
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    check_key,
)
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.errors import ConfigError

STORAGE_URL_SETTING = "TONEARM_STORAGE_URL"


def open_object_store(
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    multipart_threshold_bytes: int = 16 * 1024 * 1024,
) -> ObjectStore:
    """The store `url` names; the S3 arguments are ignored for `file://`.

    Does no I/O: call `check()` on the result to learn whether it is usable. Raises
    ConfigError (naming TONEARM_STORAGE_URL) for an unknown scheme or a malformed URL.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in {"", "localhost"} or not parts.path.startswith("/"):
            raise ConfigError(STORAGE_URL_SETTING, f"need file:///absolute/path, got {url!r}")
        return LocalObjectStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        bucket = parts.netloc
        if not bucket:
            raise ConfigError(STORAGE_URL_SETTING, f"need s3://bucket/prefix, got {url!r}")
        prefix = unquote(parts.path).strip("/")
        if prefix:
            try:
                check_key(prefix)
            except InvalidKey:
                raise ConfigError(
                    STORAGE_URL_SETTING,
                    f"prefix {prefix!r} may hold only letters, digits, . _ - and single /",
                ) from None
        # Imported here so that importing this package (every domain does, for base.py)
        # does not load boto3.
        from tonearm.adapters.storage.s3 import S3ObjectStore

        return S3ObjectStore(
            bucket,
            prefix,
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            multipart_threshold_bytes=multipart_threshold_bytes,
        )
    raise ConfigError(
        STORAGE_URL_SETTING,
        f"unsupported scheme {parts.scheme!r} in {url!r}: use file:///path or s3://bucket/prefix",
    )


__all__ = [
    "InvalidKey",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "check_key",
    "open_object_store",
]
