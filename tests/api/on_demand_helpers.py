"""Songs with only an original, and an on-demand service whose ffmpeg runs are counted."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.factories import make_draft
from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.db.encode_claims import SqlEncodeClaims
from tonearm.adapters.ffmpeg.on_demand import FFmpegRenditionEncoder
from tonearm.app import Runtime
from tonearm.streaming.models import RenditionFormat
from tonearm.streaming.on_demand import EncodedRendition, OnDemandRenditions
from tonearm.streaming.transcoding import TranscodeInput
from tonearm.users import Role

PASSWORD = "correct horse battery"


class CountingEncoder:
    """The real ffmpeg encoder, counting its runs; optionally held at a gate before ffmpeg."""

    def __init__(self, services: Runtime, gate: asyncio.Event | None = None) -> None:
        settings = services.settings
        self.inner = FFmpegRenditionEncoder(settings.ffmpeg_path, settings.ffmpeg_timeout_seconds)
        self.gate = gate
        self.runs = 0
        self.entered = asyncio.Event()

    async def encode(
        self, source: TranscodeInput, format: RenditionFormat, out: Path
    ) -> EncodedRendition:
        self.runs += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        return await self.inner.encode(source, format, out)


def install_counting_encoder(
    services: Runtime, *, gate: asyncio.Event | None = None, slots: int = 2
) -> CountingEncoder:
    """Replace the services' on-demand renditions by one over a CountingEncoder."""
    encoder = CountingEncoder(services, gate)
    services.domains.on_demand = OnDemandRenditions(
        SqlEncodeClaims(services.database.sessions),
        lambda: encoder,
        services.store,
        services.songs,
        services.domains.streaming,
        services.settings.temp_dir,
        slots=slots,
    )
    return encoder


async def add_original_only(
    services: Runtime, folder: Path, *, seconds: float = 20.0, corrupt: bool = False
) -> uuid.UUID:
    """A scanned-style song: an in-place FLAC original, no renditions, no waveform, no art."""
    song_id = uuid.uuid4()
    name = f"{song_id.hex[:8]}.flac"
    if corrupt:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(b"fLaC" + bytes(range(256)) * 64)
    else:
        path = await asyncio.to_thread(make_audio_file, folder, "flac", seconds=seconds, name=name)
    stat = path.stat()
    draft = make_draft(
        original_path=str(path),
        original_key=None,
        folder_path=str(folder),
        original_format="flac",
        original_size_bytes=stat.st_size,
        original_mtime_ns=stat.st_mtime_ns,
        duration_ms=int(seconds * 1000),
    )
    await services.songs.add(song_id, draft, datetime.now(UTC))
    return song_id


async def sign_in(
    client: httpx.AsyncClient, services: Runtime, name: str = "alice"
) -> dict[str, str]:
    await services.domains.users.add_user(name, PASSWORD, Role.USER)
    login = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def ticket(
    client: httpx.AsyncClient, headers: dict[str, str], song_id: uuid.UUID, quality: str
) -> dict[str, object]:
    response = await client.get(
        f"/api/songs/{song_id}/stream", params={"quality": quality}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def media_path(url: object) -> str:
    parts = urlsplit(str(url))
    return f"{parts.path}?{parts.query}"


async def stored_bytes(services: Runtime, song_id: uuid.UUID, kind: str) -> bytes:
    media = await services.domains.streaming.song_media(song_id)
    source = media.original if kind == "original" else media.objects[kind]
    assert source is not None
    return b"".join([chunk async for chunk in services.domains.streaming.read(source, 0, None)])


def mp3_first_frame_bytes(data: bytes) -> int:
    """The length of the first MPEG-1 Layer III frame (the Xing/LAME info frame)."""
    kbps = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[data[2] >> 4]
    rate = (44100, 48000, 32000)[(data[2] >> 2) & 3]
    padding = (data[2] >> 1) & 1
    return 144 * kbps * 1000 // rate + padding
