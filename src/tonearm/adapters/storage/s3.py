"""S3ObjectStore: objects in an S3-compatible bucket (Cloudflare R2, MinIO, AWS S3).

boto3 is blocking, so every call runs in a thread (asyncio.to_thread). Keys live under an
optional prefix from the storage URL (`s3://bucket/prefix` → `prefix/<key>`). Failures to
reach the service become Unavailable with one line naming the endpoint or bucket.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote

import boto3
import structlog
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    NoCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from tonearm.adapters.storage.base import (
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ThreadReads,
    check_key,
    check_range,
)
from tonearm.errors import InvalidInput, Unavailable

log = structlog.get_logger(__name__)

MIB = 1024 * 1024
CHUNK_BYTES = 64 * 1024
# S3 refuses parts under 5 MiB (except the last); 8 MiB keeps the part count of a 30 MB
# FLAC small without holding much in memory.
MIN_PART_BYTES = 5 * MIB
PART_BYTES = 8 * MIB
# SigV4 presigned URLs cannot live longer than seven days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600

_T = TypeVar("_T")

_MISSING_OBJECT_CODES = {"NoSuchKey", "404", "NotFound"}
_DENIED_CODES = {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _attachment_disposition(filename: str) -> str:
    """A Content-Disposition that downloads as `filename`, non-ASCII names included (RFC 6266)."""
    fallback = "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\' else "_"
        for char in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class S3ObjectStore:
    """An ObjectStore in one S3 bucket, under an optional key prefix.

    `endpoint_url` points at a non-AWS service (R2, MinIO); it also switches to path-style
    addressing. Without keys, boto3's usual credential chain applies. Files of at least
    `multipart_threshold_bytes` and streams that reach it upload in 8 MiB parts.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        multipart_threshold_bytes: int = 16 * MIB,
    ) -> None:
        if multipart_threshold_bytes < MIN_PART_BYTES:
            raise ValueError(f"multipart_threshold_bytes must be at least {MIN_PART_BYTES}")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self._bucket = bucket
        self._prefix = prefix
        self._stream_multipart_bytes = max(multipart_threshold_bytes, PART_BYTES)
        self._transfer_config = TransferConfig(
            multipart_threshold=multipart_threshold_bytes, multipart_chunksize=PART_BYTES
        )
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"} if endpoint_url else {},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            # As many connections as the default thread pool has threads.
            max_pool_connections=32,
            # botocore's newer default adds CRC checksums that R2 and older MinIO refuse.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A private session: boto3's default one is not safe to share between threads.
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
        )
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._endpoint_url = str(self._client.meta.endpoint_url)

    @property
    def bucket(self) -> str:
        """The bucket objects are kept in."""
        return self._bucket

    @property
    def prefix(self) -> str:
        """The key prefix inside the bucket, without slashes at either end ("" for none)."""
        return self._prefix

    def _full_key(self, key: str) -> str:
        check_key(key)
        return f"{self._prefix}/{key}" if self._prefix else key

    async def _call(self, operation: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run one blocking boto3 call in a thread; service-level failures become Unavailable.

        ClientErrors about the object itself (missing key, bad range) pass through for the
        caller to interpret.
        """
        try:
            return await asyncio.to_thread(functools.partial(operation, *args, **kwargs))
        except (BotoConnectionError, HTTPClientError) as error:
            raise Unavailable(self._unreachable(error)) from None
        except NoCredentialsError:
            raise Unavailable("no S3 credentials configured (access key id and secret)") from None
        except ClientError as error:
            failure = self._service_failure(error)
            if failure is not None:
                raise failure from None
            raise
        except S3UploadFailedError as error:
            # boto3's upload_file turns the ClientError into text; the original is the context.
            cause = error.__context__
            failure = self._service_failure(cause) if isinstance(cause, ClientError) else None
            raise (failure or Unavailable(str(error).splitlines()[0])) from None

    def _service_failure(self, error: ClientError) -> Unavailable | None:
        """Unavailable for errors about the bucket or the credentials, None for the rest."""
        code = _error_code(error)
        if code == "NoSuchBucket":
            return Unavailable(f"bucket {self._bucket!r} does not exist")
        if code in _DENIED_CODES:
            return Unavailable(self._denied(code))
        return None

    def _unreachable(self, error: BotoCoreError) -> str:
        if isinstance(error, ConnectTimeoutError):
            reason = "timed out"
        else:
            detail = str(getattr(error, "kwargs", {}).get("error") or error)
            match = _ERRNO_TEXT.search(detail)
            reason = match.group(1).strip().lower() if match else detail.splitlines()[0]
        return f"cannot reach S3 endpoint {self._endpoint_url}: {reason}"

    def _denied(self, code: str) -> str:
        return f"access to bucket {self._bucket!r} denied ({code}): check the access key and secret"

    async def put_file(self, key: str, source: Path, content_type: str | None = None) -> ObjectInfo:
        """Upload the file at `source` under `key`, in parts if it is large.

        The object appears whole or not at all: a failed multipart upload is aborted.
        Raises InvalidKey, Unavailable, or OSError if `source` cannot be read.
        """
        await self._call(
            self._client.upload_file,
            Filename=str(source),
            Bucket=self._bucket,
            Key=self._full_key(key),
            ExtraArgs={"ContentType": content_type} if content_type else None,
            Config=self._transfer_config,
        )
        return await self.stat(key)

    async def put_stream(
        self, key: str, chunks: AsyncIterator[bytes], content_type: str | None = None
    ) -> ObjectInfo:
        """Store the bytes of `chunks` under `key`; whole or not at all, even if `chunks` fails.

        Holds up to max(multipart threshold, 8 MiB) in memory: a stream shorter than that is
        one PUT, a longer one a multipart upload of 8 MiB parts, aborted on any failure.
        """
        full_key = self._full_key(key)
        extra: dict[str, str] = {"ContentType": content_type} if content_type else {}
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                buffer += chunk
                if upload_id is None:
                    if len(buffer) < self._stream_multipart_bytes:
                        continue
                    created = await self._call(
                        self._client.create_multipart_upload,
                        Bucket=self._bucket,
                        Key=full_key,
                        **extra,
                    )
                    upload_id = str(created["UploadId"])
                while len(buffer) >= PART_BYTES:
                    await self._upload_part(full_key, upload_id, parts, bytes(buffer[:PART_BYTES]))
                    del buffer[:PART_BYTES]
            if upload_id is None:
                await self._call(
                    self._client.put_object,
                    Bucket=self._bucket,
                    Key=full_key,
                    Body=bytes(buffer),
                    **extra,
                )
            else:
                if buffer or not parts:
                    await self._upload_part(full_key, upload_id, parts, bytes(buffer))
                await self._call(
                    self._client.complete_multipart_upload,
                    Bucket=self._bucket,
                    Key=full_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                await self._abort_multipart(full_key, upload_id)
            raise
        return await self.stat(key)

    async def _upload_part(
        self, full_key: str, upload_id: str, parts: list[dict[str, Any]], body: bytes
    ) -> None:
        number = len(parts) + 1
        uploaded = await self._call(
            self._client.upload_part,
            Bucket=self._bucket,
            Key=full_key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        parts.append({"PartNumber": number, "ETag": uploaded["ETag"]})

    async def _abort_multipart(self, full_key: str, upload_id: str) -> None:
        abort = functools.partial(
            self._client.abort_multipart_upload,
            Bucket=self._bucket,
            Key=full_key,
            UploadId=upload_id,
        )
        try:
            # Shielded: the abort must reach S3 even when this task is being cancelled.
            await asyncio.shield(asyncio.to_thread(abort))
        except Exception as error:
            # The original failure matters more; the parts stay invisible either way and a
            # bucket lifecycle rule can clear them.
            log.warning("s3.abort_multipart_failed", key=full_key, error=str(error))

    async def get_range(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """Yield the bytes from `start` to `end` inclusive (None: to the end) in 64 KiB chunks.

        An `end` past the last byte is clamped; a `start` at or past the size yields nothing.
        Raises ObjectNotFound before yielding anything when the key is unknown, InvalidKey
        for an unsafe key, InvalidInput for a negative `start` or an `end` before `start`, and
        Unavailable when S3 cannot be reached or the transfer breaks off.
        """
        check_range(start, end)
        request: dict[str, Any] = {"Bucket": self._bucket, "Key": self._full_key(key)}
        # Whole-object reads send no Range: S3 answers 416 to `bytes=0-` on an empty object.
        if start or end is not None:
            request["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = await self._call(self._client.get_object, **request)
        except ClientError as error:
            code = _error_code(error)
            if code in _MISSING_OBJECT_CODES:
                raise ObjectNotFound(key) from None
            if code == "InvalidRange":
                return
            raise
        body = ThreadReads(response["Body"])  # closed safely when the listener hangs up
        try:
            while True:
                try:
                    chunk = await asyncio.to_thread(body.read, CHUNK_BYTES)
                except BotoCoreError as error:
                    raise Unavailable(f"reading {key!r} from S3 broke off: {error}") from None
                if not chunk:
                    return
                yield chunk
        finally:
            # No thread: closing only releases the connection, and it must also run when the
            # consumer abandons the generator (ThreadReads leaves it to a read in flight).
            body.close()

    async def stat(self, key: str) -> ObjectInfo:
        """Size, time and content type of the object; raises ObjectNotFound or InvalidKey."""
        try:
            head = await self._call(
                self._client.head_object, Bucket=self._bucket, Key=self._full_key(key)
            )
        except ClientError as error:
            if _error_code(error) in _MISSING_OBJECT_CODES:
                raise ObjectNotFound(key) from None
            raise
        return ObjectInfo(
            key=key,
            size_bytes=int(head["ContentLength"]),
            modified_at=cast(datetime, head["LastModified"]),
            content_type=head.get("ContentType"),
        )

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error. Raises InvalidKey."""
        await self._call(self._client.delete_object, Bucket=self._bucket, Key=self._full_key(key))

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix` (a plain string prefix), in key order.

        Keys that are not valid store keys (written by other tools) are skipped, since
        `get_range` would refuse them too. Listings carry no content type.
        """
        full_prefix = f"{self._prefix}/{prefix}" if self._prefix else prefix
        strip = len(self._prefix) + 1 if self._prefix else 0
        paginator = self._client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(Bucket=self._bucket, Prefix=full_prefix))
        while (page := await self._call(next, pages, None)) is not None:
            for item in page.get("Contents", []):
                key = str(item["Key"])[strip:]
                try:
                    check_key(key)
                except InvalidKey:
                    continue
                yield ObjectInfo(
                    key=key,
                    size_bytes=int(item["Size"]),
                    modified_at=cast(datetime, item["LastModified"]),
                )

    async def presigned_get_url(
        self, key: str, expires_seconds: int, filename: str | None = None
    ) -> str | None:
        """A SigV4 URL that serves the object for `expires_seconds` (1 s to 7 days).

        With `filename`, the response downloads as an attachment of that name. The URL is
        computed locally: it does not check that the object exists. Raises InvalidInput.
        """
        if not 1 <= expires_seconds <= MAX_PRESIGN_SECONDS:
            raise InvalidInput(
                f"presigned URL lifetime must be 1–{MAX_PRESIGN_SECONDS} s, got {expires_seconds}"
            )
        params: dict[str, str] = {"Bucket": self._bucket, "Key": self._full_key(key)}
        if filename:
            params["ResponseContentDisposition"] = _attachment_disposition(filename)
        url = await self._call(
            self._client.generate_presigned_url,
            "get_object",
            Params=params,
            ExpiresIn=expires_seconds,
        )
        return str(url)

    async def check(self) -> None:
        """Raise Unavailable with a one-line reason unless the bucket can be reached."""
        try:
            await self._call(self._client.head_bucket, Bucket=self._bucket)
        except ClientError as error:
            # HEAD responses have no body, so the code is the bare HTTP status.
            code = _error_code(error)
            if code in {"404", "NoSuchBucket", "NotFound"}:
                raise Unavailable(f"bucket {self._bucket!r} does not exist") from None
            if code in {"301", "PermanentRedirect"}:
                raise Unavailable(
                    f"bucket {self._bucket!r} is in another region than the one configured"
                ) from None
            raise Unavailable(f"bucket {self._bucket!r} cannot be used: S3 error {code}") from None

    async def close(self) -> None:
        """Close the client's connection pool."""
        await asyncio.to_thread(self._client.close)


__all__ = ["S3ObjectStore"]
