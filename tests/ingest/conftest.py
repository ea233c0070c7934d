"""Ingest tests: real ffmpeg-made audio, the real pipeline, embedded or PostgreSQL + S3."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import boto3
import pytest

from tonearm.adapters.db import Database
from tonearm.app import Runtime, open_runtime
from tonearm.settings import Settings

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


def make_track(
    path: Path,
    *,
    seconds: float = 3.0,
    frequency_hz: int = 440,
    tags: dict[str, str] | None = None,
    codec_args: tuple[str, ...] = (),
) -> Path:
    """A real audio file (a sine with a little noise) tagged through ffmpeg's -metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata: list[str] = []
    for key, value in (tags or {}).items():
        metadata += ["-metadata", f"{key}={value}"]
    subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={frequency_hz}:duration={seconds}:sample_rate=44100",
            "-f",
            "lavfi",
            "-i",
            f"anoisesrc=d={seconds}:c=pink:a=0.05:r=44100",
            "-filter_complex",
            "[0:a][1:a]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo",
            *metadata,
            *codec_args,
            str(path),
        ],
        check=True,
    )
    return path


def make_cover(path: Path) -> Path:
    """A real JPEG cover image."""
    subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=400x400:rate=1",
            "-frames:v",
            "1",
            str(path),
        ],
        check=True,
    )
    return path


def probe(path: Path) -> dict[str, str]:
    """codec_name, bit_rate, sample_rate, duration and format_name of a file (ffprobe)."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,bit_rate,sample_rate:format=duration,format_name,bit_rate",
            "-of",
            "default=noprint_wrappers=1",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fields: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        fields.setdefault(key, value)
    return fields


@pytest.fixture(params=["embedded", "scale_out"])
def ingest_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    base = {"data_dir": tmp_path / "data", "import_jobs": 2}
    if request.param == "embedded":
        return Settings(**base)
    s3 = request.getfixturevalue("s3_server")
    bucket = f"t-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=s3.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return Settings(
        **base,
        database_url=request.getfixturevalue("postgres_url"),
        storage_url=f"s3://{bucket}/lib",
        s3_endpoint_url=s3.url,
        s3_region="us-east-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", import_jobs=2)


async def open_migrated(settings: Settings) -> Runtime:
    """open_runtime after migrating (PostgreSQL needs `tonearm db upgrade` first)."""
    database = Database(settings.resolved_database_url)
    await database.upgrade()
    await database.close()
    return await open_runtime(settings)


@pytest.fixture
async def services(ingest_settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_migrated(ingest_settings)
    yield opened
    await opened.close()


@pytest.fixture
async def embedded_services(embedded_settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_migrated(embedded_settings)
    yield opened
    await opened.close()
