"""Stream URLs, the signed media endpoint, Range and conditionals, art, waveform, lyrics."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update

from tests.factories import make_draft
from tonearm.adapters.db import SqlUserRepository
from tonearm.adapters.db.tables import RenditionRow, SongRow
from tonearm.app import Runtime, attach_runtime
from tonearm.library.models import RenditionPolicy, StoredRendition
from tonearm.streaming import MediaGrant, MediaTokens
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"

# Distinct sizes, so a wrong object can never pass for the right one.
OBJECTS = {
    "high": ("mp3", 320, 300_001),
    "medium": ("mp3", 128, 120_003),
    "low": ("mp3", 64, 60_005),
    "efficient": ("opus", 96, 90_007),
    "preview": ("mp3", 128, 20_009),
}
WAVEFORM = {
    "version": 2,
    "sample_rate": 44100,
    "samples_per_pixel": 512,
    "bits": 8,
    "length": 3,
    "data": [-10, 12, -3, 4, 0, 1],
}


@dataclass
class Library:
    song_id: uuid.UUID
    data: dict[str, bytes]
    headers: dict[str, str]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_object(
    services: Runtime,
    song_id: uuid.UUID,
    kind: str,
    key: str,
    data: bytes,
    codec: str,
    bitrate: int | None,
) -> None:
    await services.store.put_stream(key, _chunks(data))
    await services.songs.add_rendition(
        song_id,
        StoredRendition(kind, codec, bitrate, len(data), key, datetime.now(UTC)),
    )


@pytest.fixture
async def library(services: Runtime, client: httpx.AsyncClient) -> Library:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    tokens = (
        await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    ).json()
    song_id = uuid.uuid4()
    draft = make_draft(lyrics="la la", synced_lyrics=[{"time_ms": 1500, "text": "la la"}])
    await services.songs.add(song_id, draft, datetime.now(UTC))
    data: dict[str, bytes] = {}
    for kind, (codec, bitrate, size) in OBJECTS.items():
        data[kind] = os.urandom(size)
        extension = "webm" if codec == "opus" else "mp3"
        prefix = "previews" if kind == "preview" else kind
        await store_object(
            services, song_id, kind, f"{prefix}/{song_id}.{extension}", data[kind], codec, bitrate
        )
    data["waveform"] = json.dumps(WAVEFORM).encode()
    await store_object(
        services, song_id, "waveform", f"waveforms/{song_id}.json", data["waveform"], "json", None
    )
    for size in (300, 600):
        data[f"art-{size}-jpg"] = os.urandom(1000 + size)
        await store_object(
            services,
            song_id,
            f"art-{size}-jpg",
            f"art/{song_id}-{size}.jpg",
            data[f"art-{size}-jpg"],
            "jpeg",
            None,
        )
    return Library(song_id, data, {"Authorization": f"Bearer {tokens['access_token']}"})


async def stream(client: httpx.AsyncClient, library: Library, **params: str) -> dict[str, object]:
    response = await client.get(
        f"/api/songs/{library.song_id}/stream", params=params, headers=library.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def media_path(url: object) -> str:
    parts = urlsplit(str(url))
    return f"{parts.path}?{parts.query}"


async def test_a_stream_url_serves_the_rendition_with_its_facts(
    client: httpx.AsyncClient, library: Library
) -> None:
    body = await stream(client, library, quality="high")
    assert body["quality"] == "high" and body["codec"] == "mp3" and body["bitrate"] == 320
    assert body["size"] == len(library.data["high"])
    expires = datetime.fromisoformat(str(body["expires_at"]))
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
    assert str(body["url"]).startswith("http://tonearm.test/api/media/")
    response = await client.get(media_path(body["url"]))  # no Authorization: the URL is enough
    assert response.status_code == 200
    assert response.content == library.data["high"]
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(library.data["high"]))
    max_age = int(response.headers["cache-control"].split("max-age=")[1])
    assert response.headers["cache-control"].startswith("private") and 1700 < max_age <= 1800
    assert "cdn-cache-control" not in response.headers
    efficient = await stream(client, library, quality="efficient")
    response = await client.get(media_path(efficient["url"]))
    assert response.headers["content-type"] == "audio/webm"
    assert response.content == library.data["efficient"]


async def test_a_repeated_request_gets_the_cached_url(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    first = await stream(client, library, quality="medium")
    second = await stream(client, library, quality="medium")
    assert first["url"] == second["url"]
    user = await services.domains.users.get_user("alice")
    cached = await services.cache.get(f"cdn:urls:{library.song_id}:{user.id}:medium")
    assert cached is not None and str(first["url"]).endswith(json.loads(cached)["path"])
    assert (
        0
        < (await services.cache.ttl(f"cdn:urls:{library.song_id}:{user.id}:medium") or 0)
        <= 25 * 60
    )


async def test_every_tampering_with_a_signed_url_is_refused(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    url = media_path((await stream(client, library, quality="low"))["url"])
    path, _, query = url.partition("?")
    token = parse_qs(query)["t"][0]
    other_song = uuid.uuid4()
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    attempts = [
        f"{path}?t={flipped}",  # signature broken
        f"{path.replace('/low', '/high')}?t={token}",  # another quality
        f"{path.replace(str(library.song_id), str(other_song))}?t={token}",  # another song
        f"{path}?t=not-a-token",
    ]
    for attempt in attempts:
        response = await client.get(attempt)
        assert response.status_code == 401, attempt
        assert response.json()["error"]["code"] == "bad_credentials"
    assert (await client.get(path)).status_code == 400  # no token at all
    # A token signed with another key (another server) or for another user's grant is not ours.
    user = await services.domains.users.get_user("alice")
    now = datetime.now(UTC)
    foreign = MediaTokens(b"another secret").sign(
        MediaGrant(library.song_id, "low", user.id, now + timedelta(minutes=5), False)
    )
    assert (await client.get(f"{path}?t={foreign}")).status_code == 401
    expired = MediaTokens(services.secret_key).sign(
        MediaGrant(library.song_id, "low", user.id, now - timedelta(seconds=1), False)
    )
    response = await client.get(f"{path}?t={expired}")
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]
    unknown_user = MediaTokens(services.secret_key).sign(
        MediaGrant(library.song_id, "low", uuid.uuid4(), now + timedelta(minutes=5), False)
    )
    assert (await client.get(f"{path}?t={unknown_user}")).status_code == 401
    # The untouched URL still works.
    assert (await client.get(url)).status_code == 200
    # Answered ahead of the app's middleware (api/media_gate.py) with the same error shape;
    # what is not a media request goes on to the app.
    assert (await client.get(attempts[0])).headers["www-authenticate"] == "Bearer"
    malformed = await client.get(f"/api/media/not-a-uuid/low?t={token}")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_input"
    assert (await client.get(f"/api/media/{library.song_id}?t={token}")).status_code == 404
    assert (await client.post(url)).status_code == 405


async def test_a_disabled_users_urls_stop_at_once(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    url = media_path((await stream(client, library, quality="low"))["url"])
    assert (await client.get(url)).status_code == 200
    user = await services.domains.users.get_user("alice")
    await SqlUserRepository(services.database.sessions).set_active(user.id, False)
    assert (await client.get(url)).status_code == 401


async def test_ranges_rebuild_the_file_byte_exactly(
    client: httpx.AsyncClient, library: Library
) -> None:
    url = media_path((await stream(client, library, quality="medium"))["url"])
    data = library.data["medium"]
    size = len(data)
    pieces = []
    # Seek around like a listener: ranges out of order that together cover the file.
    bounds = [(50_000, 99_999), (0, 49_999), (100_000, None)]
    for start, end in bounds:
        header = f"bytes={start}-{'' if end is None else end}"
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 206
        last = size - 1 if end is None else end
        assert response.headers["content-range"] == f"bytes {start}-{last}/{size}"
        assert response.headers["content-length"] == str(last - start + 1)
        pieces.append((start, response.content))
    assert b"".join(piece for _, piece in sorted(pieces)) == data
    suffix = await client.get(url, headers={"Range": "bytes=-1000"})
    assert suffix.status_code == 206 and suffix.content == data[-1000:]
    clamped = await client.get(url, headers={"Range": f"bytes={size - 10}-{size + 5000}"})
    assert clamped.status_code == 206 and clamped.content == data[-10:]
    beyond = await client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    several = await client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == data


async def test_etag_revalidation_and_if_range(client: httpx.AsyncClient, library: Library) -> None:
    url = media_path((await stream(client, library, quality="low"))["url"])
    first = await client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await client.get(url, headers={"If-Modified-Since": modified})).status_code == 304
    assert (await client.get(url, headers={"If-None-Match": '"stale"'})).status_code == 200
    resumed = await client.get(url, headers={"Range": "bytes=10-19", "If-Range": etag})
    assert resumed.status_code == 206 and resumed.content == library.data["low"][10:20]
    changed = await client.get(url, headers={"Range": "bytes=10-19", "If-Range": '"old"'})
    assert changed.status_code == 200 and changed.content == library.data["low"]
    head = await client.head(url, headers={"Range": "bytes=0-9"})
    assert head.status_code == 206 and head.headers["content-length"] == "10"
    assert head.content == b""


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"network": "wifi"}, "high"),
        ({"network": "4g"}, "medium"),
        ({"network": "3g"}, "low"),
        ({"network": "wifi", "bandwidth_kbps": "800"}, "low"),
        ({"network": "wifi", "bandwidth_kbps": "3000"}, "medium"),
        ({"network": "4g", "bandwidth_kbps": "20000"}, "medium"),
        ({"bandwidth_kbps": "9000"}, "high"),
        ({}, "medium"),
        ({"network": "4g", "opus": "true"}, "efficient"),
        ({"network": "wifi", "opus": "true"}, "high"),
    ],
)
async def test_auto_quality(
    client: httpx.AsyncClient, library: Library, params: dict[str, str], expected: str
) -> None:
    assert (await stream(client, library, quality="auto", **params))["quality"] == expected


async def test_auto_reads_client_hints(client: httpx.AsyncClient, library: Library) -> None:
    response = await client.get(
        f"/api/songs/{library.song_id}/stream",
        headers={**library.headers, "Downlink": "0.5", "Accept": "audio/webm; codecs=opus"},
    )
    assert response.json()["quality"] == "low"
    response = await client.get(
        f"/api/songs/{library.song_id}/stream",
        headers={**library.headers, "ECT": "4g", "Accept": "audio/webm; codecs=opus"},
    )
    assert response.json()["quality"] == "efficient"


def _renditions_off(services: Runtime) -> None:
    # Under `off` nothing is made on request: a missing quality falls back to what is stored.
    # (Under eager and on_demand it is made; tests/api/test_on_demand.py.)
    services.domains.streaming.policy = replace(
        services.domains.streaming.policy, import_renditions=RenditionPolicy.OFF
    )


async def test_a_missing_rendition_is_replaced_by_the_best_present(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    _renditions_off(services)
    async with services.database.sessions.begin() as session:
        await session.execute(
            delete(RenditionRow).where(
                RenditionRow.song_id == library.song_id, RenditionRow.kind == "high"
            )
        )
    body = await stream(client, library, quality="high")
    assert body["quality"] == "medium"
    assert (await client.get(media_path(body["url"]))).content == library.data["medium"]


async def test_bad_requests(client: httpx.AsyncClient, library: Library) -> None:
    unknown = await client.get(f"/api/songs/{uuid.uuid4()}/stream", headers=library.headers)
    assert unknown.status_code == 404
    assert (await client.get(f"/api/songs/{library.song_id}/stream")).status_code == 401
    bad_quality = await client.get(
        f"/api/songs/{library.song_id}/stream?quality=ultra", headers=library.headers
    )
    assert bad_quality.status_code == 400
    bad_network = await client.get(
        f"/api/songs/{library.song_id}/stream?network=pigeon", headers=library.headers
    )
    assert bad_network.status_code == 400 and "network" in bad_network.json()["error"]["message"]


async def test_art_waveform_and_lyrics(client: httpx.AsyncClient, library: Library) -> None:
    art = await client.get(f"/api/songs/{library.song_id}/art?size=400", headers=library.headers)
    assert art.status_code == 307
    image = await client.get(media_path(art.headers["location"]))
    assert image.status_code == 200 and image.content == library.data["art-600-jpg"]
    assert image.headers["content-type"] == "image/jpeg"
    # Same URL all day: browsers and CDNs keep the image.
    again = await client.get(f"/api/songs/{library.song_id}/art?size=400", headers=library.headers)
    assert again.headers["location"] == art.headers["location"]
    small = await client.get(f"/api/songs/{library.song_id}/art?size=100", headers=library.headers)
    assert (await client.get(media_path(small.headers["location"]))).content == library.data[
        "art-300-jpg"
    ]
    waveform = await client.get(f"/api/songs/{library.song_id}/waveform", headers=library.headers)
    assert waveform.status_code == 200 and waveform.json() == WAVEFORM
    lyrics = await client.get(f"/api/songs/{library.song_id}/lyrics", headers=library.headers)
    assert lyrics.json() == {
        "song_id": str(library.song_id),
        "plain": "la la",
        "synced": [{"time_ms": 1500, "text": "la la"}],
    }


async def test_original_quality_serves_the_original(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    song = await services.songs.get(library.song_id)
    assert song.original_key is not None
    original = os.urandom(1000)
    await services.store.put_stream(song.original_key, _chunks(original))
    body = await stream(client, library, quality="original")
    assert body["quality"] == "original" and body["codec"] == "flac"
    response = await client.get(media_path(body["url"]))
    assert response.content == original and response.headers["content-type"] == "audio/flac"


async def test_popular_songs_are_marked_for_the_edge(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    services.domains.streaming._policy = type(services.domains.streaming._policy)(
        edge_cache_min_plays=1000
    )
    async with services.database.sessions.begin() as session:
        await session.execute(
            update(SongRow).where(SongRow.id == library.song_id).values(play_count=1001)
        )
    response = await client.get(media_path((await stream(client, library, quality="low"))["url"]))
    assert response.headers["cdn-cache-control"] == "public, max-age=86400"
    assert response.headers["cache-control"].startswith("private")
    assert response.headers["x-edge-cache-key"] == f"/api/media/{library.song_id}/low"


async def test_redirect_mode_sends_s3_clients_to_the_bucket(
    client: httpx.AsyncClient, library: Library, services: Runtime, app: FastAPI
) -> None:
    services.settings = services.settings.model_copy(update={"media_delivery": "redirect"})
    attach_runtime(app, services)  # the API reads the settings that were attached
    url = media_path((await stream(client, library, quality="low"))["url"])
    response = await client.get(url)
    if services.settings.storage_url is None:
        # Local disk cannot presign: tonearm serves the bytes itself.
        assert response.status_code == 200 and response.content == library.data["low"]
        return
    assert response.status_code == 307
    location = response.headers["location"]
    assert "X-Amz-Signature" in location and "X-Amz-Expires" in location
    async with httpx.AsyncClient() as bucket:
        whole = await bucket.get(location)
        assert whole.status_code == 200 and whole.content == library.data["low"]
        part = await bucket.get(location, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == library.data["low"][100:200]
    # The token is still checked first: a tampered URL never reaches the bucket.
    assert (await client.get(url.replace("?t=", "?t=x"))).status_code == 401


async def test_auto_follows_the_users_preferences(
    client: httpx.AsyncClient, library: Library
) -> None:
    saved = await client.put(
        "/api/user/preferences",
        headers=library.headers,
        json={"quality": {"wifi": "low"}, "max_quality": "medium", "data_saver": True},
    )
    assert saved.status_code == 200, saved.text
    assert (await stream(client, library, network="wifi"))["quality"] == "low"
    assert (await stream(client, library, network="ethernet"))["quality"] == "medium"
    assert (await stream(client, library, network="4g"))["quality"] == "low"


async def test_a_url_to_a_removed_rendition_is_forgotten_so_asking_again_recovers(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    _renditions_off(services)
    stale = await stream(client, library, quality="high")
    async with services.database.sessions.begin() as session:
        await session.execute(
            delete(RenditionRow).where(
                RenditionRow.song_id == library.song_id, RenditionRow.kind == "high"
            )
        )
    # The cached URL still names `high` (as during a tiering run, before its cache drop).
    assert (await stream(client, library, quality="high"))["url"] == stale["url"]
    assert (await client.get(media_path(stale["url"]))).status_code == 404
    fresh = await stream(client, library, quality="high")
    assert fresh["quality"] == "medium"
    assert (await client.get(media_path(fresh["url"]))).content == library.data["medium"]
