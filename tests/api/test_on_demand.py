"""The delivery model: a rendition missing when asked for is made once, streamed as it is
written and then kept; Range requests get the original meanwhile. Real ffmpeg, on SQLite +
local storage and on PostgreSQL + Redis + S3 (the api conftest runs both)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.api.on_demand_helpers import (
    add_original_only,
    install_counting_encoder,
    media_path,
    mp3_first_frame_bytes,
    sign_in,
    stored_bytes,
    ticket,
)
from tests.factories import make_draft
from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.db.encode_claims import SqlEncodeClaims
from tonearm.adapters.ffmpeg.renditions import ENCODINGS, mp3_duration_seconds
from tonearm.app import Runtime, attach_runtime, create_app, open_runtime
from tonearm.ingest.models import RenditionKind
from tonearm.library.models import RenditionPolicy
from tonearm.settings import Settings
from tonearm.streaming.models import RENDITION_FORMATS
from tonearm.streaming.on_demand import OnDemandRenditions

pytestmark = pytest.mark.anyio


def test_on_demand_formats_are_ingests_encodings() -> None:
    for kind, made in RENDITION_FORMATS.items():
        encoding = ENCODINGS[RenditionKind(kind)]
        assert (made.codec, made.container, made.bitrate_kbps) == (
            encoding.codec,
            encoding.container,
            encoding.bitrate_kbps,
        )


async def test_a_missing_rendition_is_streamed_while_encoded_then_kept(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=20)
    asked = await ticket(client, headers, song_id, "medium")
    assert asked["pending"] is True
    assert (asked["quality"], asked["codec"], asked["bitrate"]) == ("medium", "mp3", 128)
    assert asked["size"] == 20_000 * 128 // 8

    response = await client.get(media_path(asked["url"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["x-tonearm-served"] == "medium"
    assert response.headers["cache-control"] == "no-store"
    streamed = response.content
    await services.domains.on_demand.drain()

    assert encoder.runs == 1
    (row,) = [r for r in await services.songs.renditions(song_id) if r.kind == "medium"]
    assert (row.codec, row.bitrate_kbps) == ("mp3", 128)
    stored = await stored_bytes(services, song_id, "medium")
    assert row.size_bytes == len(stored) == len(streamed)
    # ffmpeg fills in the first (Xing/LAME) frame at the end; every audio frame is as sent.
    frame = mp3_first_frame_bytes(stored)
    assert streamed[frame:] == stored[frame:]
    assert streamed[:2] == b"\xff\xfb"
    duration = mp3_duration_seconds(stored[:65536])
    assert duration is not None and abs(duration - 20.0) < 0.05
    assert await SqlEncodeClaims(services.database.sessions).holder(song_id, "medium") is None

    # Afterwards the same quality is the stored rendition, with its real size and Range.
    again = await ticket(client, headers, song_id, "medium")
    assert again["pending"] is False and again["size"] == len(stored)
    ranged = await client.get(media_path(again["url"]), headers={"Range": "bytes=1000-1999"})
    assert ranged.status_code == 206 and ranged.content == stored[1000:2000]
    assert encoder.runs == 1


async def test_concurrent_requests_share_one_encode(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    gate = asyncio.Event()
    encoder = install_counting_encoder(services, gate=gate)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=30)
    asked = await ticket(client, headers, song_id, "low")
    url = media_path(asked["url"])

    async def get() -> httpx.Response:
        return await client.get(url)

    requests = [asyncio.create_task(get()) for _ in range(6)]
    # Every request is attached before ffmpeg starts writing (the encode waits at the gate).
    await asyncio.wait_for(_until(lambda: services.domains.on_demand.attached == 6), 30)
    assert services.domains.on_demand.running == 1
    gate.set()
    responses = await asyncio.gather(*requests)
    await services.domains.on_demand.drain()
    assert encoder.runs == 1
    stored = await stored_bytes(services, song_id, "low")
    frame = mp3_first_frame_bytes(stored)
    bodies = {response.content for response in responses}
    assert all(response.status_code == 200 for response in responses)
    assert all(r.headers["x-tonearm-served"] == "low" for r in responses)
    assert len(bodies) == 1
    (body,) = bodies
    assert len(body) == len(stored) and body[frame:] == stored[frame:]


async def _until(condition: object) -> None:
    while not condition():  # type: ignore[operator]
        await asyncio.sleep(0)


async def test_a_range_request_gets_the_original_and_starts_no_encode(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=5)
    original = await stored_bytes(services, song_id, "original")
    asked = await ticket(client, headers, song_id, "high")
    assert asked["pending"] is True
    response = await client.get(media_path(asked["url"]), headers={"Range": "bytes=100-4099"})
    assert response.status_code == 206
    assert response.content == original[100:4100]
    assert response.headers["content-type"] == "audio/flac"
    assert response.headers["x-tonearm-served"] == "original"
    head = await client.head(media_path(asked["url"]))
    assert head.status_code == 200 and head.headers["content-type"] == "audio/mpeg"
    assert encoder.runs == 0 and services.domains.on_demand.running == 0
    assert "high" not in {r.kind for r in await services.songs.renditions(song_id)}
    assert await SqlEncodeClaims(services.database.sessions).holder(song_id, "high") is None


async def test_a_reader_that_goes_away_does_not_stop_the_encode(
    services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=30)
    media = await services.domains.streaming.song_media(song_id)
    pending = services.domains.streaming.pending(media, "efficient")
    assert pending is not None
    chunks = await services.domains.on_demand.open(pending)
    assert chunks is not None
    first = await anext(chunks)
    assert first[:4] == b"\x1a\x45\xdf\xa3"  # an EBML (WebM) header
    await chunks.aclose()  # the listener is gone
    await services.domains.on_demand.drain()
    assert encoder.runs == 1
    stored = await stored_bytes(services, song_id, "efficient")
    assert stored[:4] == b"\x1a\x45\xdf\xa3" and len(stored) > 100_000


async def test_a_failing_encode_leaves_no_row_and_releases_its_claim(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", corrupt=True)
    asked = await ticket(client, headers, song_id, "medium")
    response = await client.get(media_path(asked["url"]))
    await services.domains.on_demand.drain()
    assert encoder.runs == 1
    # Nothing was encoded: the request was answered with the original, as it is.
    assert response.status_code == 200
    assert response.headers["x-tonearm-served"] == "original"
    assert response.content == await stored_bytes(services, song_id, "original")
    assert [r.kind for r in await services.songs.renditions(song_id)] == []
    assert await SqlEncodeClaims(services.database.sessions).holder(song_id, "medium") is None
    assert not list((services.settings.temp_dir).glob("tonearm-ondemand-*"))


class HeldRelease(SqlEncodeClaims):
    """Claims whose release waits at a gate, as a slow database would make it."""

    def __init__(self, services: Runtime) -> None:
        super().__init__(services.database.sessions)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def release(self, song_id: uuid.UUID, kind: str, holder: str) -> None:
        self.entered.set()
        await self.gate.wait()
        await super().release(song_id, kind, holder)


async def test_drain_waits_until_a_failed_encode_has_released_its_claim(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    # A failed encode leaves the running set before its claim is released; drain must still
    # wait for the release (it did not, and a test reading the claim right after raced it).
    encoder = install_counting_encoder(services)
    claims = HeldRelease(services)
    services.domains.on_demand = OnDemandRenditions(
        claims,
        lambda: encoder,
        services.store,
        services.songs,
        services.domains.streaming,
        services.settings.temp_dir,
    )
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", corrupt=True)
    asked = await ticket(client, headers, song_id, "medium")
    response = await client.get(media_path(asked["url"]))
    assert response.status_code == 200
    await claims.entered.wait()
    drained = asyncio.create_task(services.domains.on_demand.drain())
    for _ in range(50):  # loop turns, not time: drain has nothing else to wait for
        await asyncio.sleep(0)
    assert not drained.done()
    claims.gate.set()
    await drained
    assert await claims.holder(song_id, "medium") is None


@pytest.fixture
async def second_client(settings: Settings) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    """A second, independent app over the same database and storage (another process)."""
    other = await open_runtime(settings)
    app: FastAPI = create_app(settings)
    attach_runtime(app, other)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as http:
        yield other, http
    await other.close()


async def test_another_process_never_encodes_the_same_rendition(
    client: httpx.AsyncClient,
    services: Runtime,
    second_client: tuple[Runtime, httpx.AsyncClient],
    tmp_path: Path,
) -> None:
    other, other_client = second_client
    gate = asyncio.Event()
    mine = install_counting_encoder(services, gate=gate)
    theirs = install_counting_encoder(other)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=10)
    url = media_path((await ticket(client, headers, song_id, "medium"))["url"])
    original = await stored_bytes(services, song_id, "original")

    first = asyncio.create_task(client.get(url))
    await mine.entered.wait()  # this app holds the claim; its ffmpeg waits at the gate
    lost = await other_client.get(url)
    assert lost.status_code == 200
    assert lost.headers["x-tonearm-served"] == "original"
    assert lost.content == original
    assert theirs.runs == 0

    gate.set()
    won = await first
    await services.domains.on_demand.drain()
    assert won.headers["x-tonearm-served"] == "medium"
    stored = await stored_bytes(services, song_id, "medium")
    # Once stored, the other app serves the stored rendition itself.
    after = await other_client.get(url)
    assert after.status_code == 200 and after.content == stored
    assert (mine.runs, theirs.runs) == (1, 0)


async def test_with_policy_off_the_original_is_served(settings: Settings, tmp_path: Path) -> None:
    off = settings.model_copy(update={"scan_renditions": RenditionPolicy.OFF})
    services = await open_runtime(off)
    try:
        encoder = install_counting_encoder(services)
        app = create_app(off)
        attach_runtime(app, services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as http:
            headers = await sign_in(http, services)
            song_id = await add_original_only(services, tmp_path / "music", seconds=3)
            asked = await ticket(http, headers, song_id, "medium")
            assert (asked["quality"], asked["pending"]) == ("original", False)
            response = await http.get(media_path(asked["url"]))
        assert response.content == await stored_bytes(services, song_id, "original")
        assert encoder.runs == 0
    finally:
        await services.close()


async def test_with_every_slot_busy_the_original_is_served(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    gate = asyncio.Event()
    encoder = install_counting_encoder(services, gate=gate, slots=1)
    headers = await sign_in(client, services)
    busy = await add_original_only(services, tmp_path / "music", seconds=5)
    waiting = await add_original_only(services, tmp_path / "music", seconds=5)
    first = asyncio.create_task(
        client.get(media_path((await ticket(client, headers, busy, "low"))["url"]))
    )
    await encoder.entered.wait()
    response = await client.get(media_path((await ticket(client, headers, waiting, "low"))["url"]))
    assert response.headers["x-tonearm-served"] == "original"
    assert response.content == await stored_bytes(services, waiting, "original")
    gate.set()
    assert (await first).headers["x-tonearm-served"] == "low"
    await services.domains.on_demand.drain()
    assert encoder.runs == 1


async def test_an_imported_song_missing_a_rendition_makes_it_from_its_stored_original(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    # Eager songs (imports, uploads) whose rendition tiering dropped, or enrichment has not
    # made yet, are served like on_demand ones: the same tier, made once from storage.
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    source = await asyncio.to_thread(
        make_audio_file, tmp_path, "flac", seconds=8, name="imported.flac"
    )
    song_id = uuid.uuid4()
    key = f"original/{song_id}.flac"
    await services.store.put_file(key, source, "audio/flac")
    draft = make_draft(
        original_key=key, original_size_bytes=source.stat().st_size, duration_ms=8000
    )
    await services.songs.add(song_id, draft, datetime.now(UTC))
    asked = await ticket(client, headers, song_id, "high")
    assert (asked["quality"], asked["pending"]) == ("high", True)
    response = await client.get(media_path(asked["url"]))
    await services.domains.on_demand.drain()
    assert response.headers["x-tonearm-served"] == "high"
    stored = await stored_bytes(services, song_id, "high")
    frame = mp3_first_frame_bytes(stored)
    assert response.content[frame:] == stored[frame:]
    duration = mp3_duration_seconds(stored[:65536])
    assert duration is not None and abs(duration - 8.0) < 0.05
    assert encoder.runs == 1


async def test_a_background_maker_holding_the_claim_keeps_on_demand_out(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=3)
    url = media_path((await ticket(client, headers, song_id, "low"))["url"])
    async with services.domains.on_demand.hold(song_id, "low") as held:
        assert held
        response = await client.get(url)
        assert response.headers["x-tonearm-served"] == "original"
        async with services.domains.on_demand.hold(song_id, "low") as again:
            assert not again  # one holder at a time, this process included
    assert encoder.runs == 0
    assert await SqlEncodeClaims(services.database.sessions).holder(song_id, "low") is None
    response = await client.get(url)
    await services.domains.on_demand.drain()
    assert response.headers["x-tonearm-served"] == "low" and encoder.runs == 1
