"""Signed media over real HTTP: `tonearm serve` alone, and behind nginx in offload mode.

The library (a user, one song with objects in the local store and an original in a music
folder) is written with open_runtime before the server starts; the server then reads the
same data directory. nginx runs the configuration documented in docs/nginx.conf.example.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import tonearm
from tests.cli.conftest import TONEARM, clean_environment
from tests.factories import make_draft
from tests.servers import RunningServer, free_port, running_nginx, stop_process
from tonearm.app import load_secret_key, open_runtime
from tonearm.library.models import StoredRendition
from tonearm.library.paths import path_to_text
from tonearm.settings import Settings
from tonearm.streaming import MediaGrant, MediaTokens
from tonearm.users import Role

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
SOURCE_ROOT = Path(tonearm.__file__).parents[1]
NGINX_EXAMPLE = Path(__file__).parents[2] / "docs" / "nginx.conf.example"
BIG_BYTES = 10 * 1024 * 1024 + 17
CONCURRENT_DOWNLOADS = 8
# A non-ASCII name with spaces: the X-Accel-Redirect path is percent-encoded and nginx
# must decode it back to the file's name.
ORIGINAL_NAME = "Café Garden/01 - Rising Meadow.mp3"


@dataclass(frozen=True)
class MediaLibrary:
    """What was put into the data directory, to compare the served bytes with."""

    settings: Settings
    song_id: uuid.UUID
    user_id: uuid.UUID
    data: dict[str, bytes]  # by kind: high (10 MB), medium, original; latin1 (below)
    # A second song whose folder and file are named in Latin-1 bytes (not valid UTF-8).
    latin1_song_id: uuid.UUID


@dataclass(frozen=True)
class Deployment:
    """A running server (tonearm, or nginx in front of it), signed in."""

    url: str
    server_pid: int
    library: MediaLibrary
    headers: dict[str, str]

    def stream_url(self, quality: str, song_id: uuid.UUID | None = None) -> str:
        """A fresh signed URL for the song in `quality`, as the client gets it."""
        response = httpx.get(
            f"{self.url}/api/songs/{song_id or self.library.song_id}/stream",
            params={"quality": quality},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        url = str(response.json()["url"])
        # Links are built from the Host the client used: through nginx, nginx's address.
        assert url.startswith(self.url + "/api/media/"), url
        return url


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _fill_library(settings: Settings, music: Path) -> MediaLibrary:
    data = {
        "high": random.randbytes(BIG_BYTES),
        "medium": random.randbytes(300_007),
        "original": random.randbytes(200_003),
        "latin1": random.randbytes(100_019),
    }
    original = music / ORIGINAL_NAME
    original.parent.mkdir(parents=True)
    original.write_bytes(data["original"])
    services = await open_runtime(settings)
    try:
        user = await services.domains.users.add_user("alice", PASSWORD, Role.USER)
        song_id = uuid.uuid4()
        draft = make_draft(
            original_path=str(original),
            original_key=None,
            folder_path=str(original.parent),
            original_format="mp3",
            original_size_bytes=len(data["original"]),
            original_mtime_ns=original.stat().st_mtime_ns,
        )
        await services.songs.add(song_id, draft, datetime.now(UTC))
        for kind in ("high", "medium"):
            key = f"{kind}/{song_id}.mp3"
            await services.store.put_stream(key, _chunks(data[kind]))
            rendition = StoredRendition(
                kind, "mp3", 320, len(data[kind]), key, datetime.now(UTC) - timedelta(hours=1)
            )
            await services.songs.add_rendition(song_id, rendition)
        latin1 = music / os.fsdecode(b"Caf\xe9 Old/02 caf\xe9 & 100%.mp3")
        latin1.parent.mkdir()
        latin1.write_bytes(data["latin1"])
        latin1_id = uuid.uuid4()
        await services.songs.add(
            latin1_id,
            make_draft(
                original_path=path_to_text(latin1),
                original_key=None,
                folder_path=path_to_text(latin1.parent),
                original_format="mp3",
                original_size_bytes=len(data["latin1"]),
                original_mtime_ns=latin1.stat().st_mtime_ns,
            ),
            datetime.now(UTC),
        )
    finally:
        await services.close()
    return MediaLibrary(settings, song_id, user.id, data, latin1_id)


@contextmanager
def running_tonearm(library: MediaLibrary, logs: Path, **env: str) -> Iterator[RunningServer]:
    """`tonearm serve` on the library's data directory (one worker), stopped by its pid."""
    port = free_port()
    settings = library.settings
    environment = clean_environment(
        TONEARM_DATA_DIR=str(settings.data_dir),
        TONEARM_MUSIC_FOLDERS=os.pathsep.join(str(f) for f in settings.music_folders),
        TONEARM_SCAN_CRON="",
        TONEARM_LOG_LEVEL="warning",
        # The server must run the code under test, not whatever the venv installed.
        PYTHONPATH=str(SOURCE_ROOT),
        **env,
    )
    with (logs / f"tonearm-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [str(TONEARM), "serve", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=logs,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"tonearm serve exited with {process.returncode}"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "tonearm serve never became healthy"
            time.sleep(0.2)
        yield RunningServer(f"http://127.0.0.1:{port}", process.pid)
    finally:
        stop_process(process)


def sign_in(url: str) -> dict[str, str]:
    """Bearer headers for alice."""
    response = httpx.post(f"{url}/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def nginx_site(library: MediaLibrary, port: int, tonearm: RunningServer) -> str:
    """docs/nginx.conf.example with its placeholders pointed at this test's servers."""
    text = NGINX_EXAMPLE.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8080;": f"server {urlsplit(tonearm.url).netloc};",
        "/var/lib/tonearm/objects/": f"{library.settings.data_dir.absolute() / 'objects'}/",
        "/srv/music/": f"{library.settings.music_folders[0]}/",
    }
    for placeholder, value in replacements.items():
        assert placeholder in text, f"{NGINX_EXAMPLE} no longer has {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> MediaLibrary:
    root = tmp_path_factory.mktemp("media")
    music = root / "music"
    settings = Settings(data_dir=root / "data", music_folders=[music])
    return asyncio.run(_fill_library(settings, music))


@pytest.fixture(scope="module")
def direct(library: MediaLibrary, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """`tonearm serve` sending the bytes itself."""
    logs = tmp_path_factory.mktemp("direct")
    with running_tonearm(library, logs) as server:
        yield Deployment(server.url, server.pid, library, sign_in(server.url))


@pytest.fixture(scope="module")
def offload(
    library: MediaLibrary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """nginx in front of `tonearm serve` in accel mode: tonearm checks, nginx sends."""
    work = tmp_path_factory.mktemp("offload")
    with running_tonearm(library, work, TONEARM_MEDIA_DELIVERY="accel") as server:
        port = free_port()
        with running_nginx(work / "nginx", nginx_site(library, port, server), port) as nginx:
            yield Deployment(nginx.url, server.pid, library, sign_in(nginx.url))


def media_token(library: MediaLibrary, kind: str, expires_at: datetime) -> str:
    """A token signed with the server's own key (from its data directory)."""
    tokens = MediaTokens(load_secret_key(library.settings))
    return tokens.sign(MediaGrant(library.song_id, kind, library.user_id, expires_at, False))


def library_file(library: MediaLibrary, key: str) -> Path:
    """The file that holds a storage key in the local store (the default, data_dir/objects)."""
    return library.settings.data_dir / "objects" / key


def reset_peak_rss(pid: int) -> None:
    """Start the process's VmHWM afresh from its current resident set (Linux clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def vm_hwm_kib(pid: int) -> int:
    """The process's peak resident set since start or the last reset (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


# tonearm serving the bytes itself


def test_open_ended_suffix_and_clamped_ranges(direct: Deployment) -> None:
    url = direct.stream_url("medium")
    data = direct.library.data["medium"]
    size = len(data)
    with httpx.Client() as http:
        whole = http.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.headers["content-length"] == str(size)
        opened = http.get(url, headers={"Range": "bytes=1000-"})
        assert opened.status_code == 206 and opened.content == data[1000:]
        assert opened.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
        suffix = http.get(url, headers={"Range": "bytes=-4096"})
        assert suffix.status_code == 206 and suffix.content == data[-4096:]
        assert suffix.headers["content-range"] == f"bytes {size - 4096}-{size - 1}/{size}"
        longer = http.get(url, headers={"Range": f"bytes=-{size + 10}"})
        assert longer.status_code == 206 and longer.content == data
        clamped = http.get(url, headers={"Range": f"bytes={size - 5}-{size + 100}"})
        assert clamped.status_code == 206 and clamped.content == data[-5:]
        last = http.get(url, headers={"Range": f"bytes={size - 1}-{size - 1}"})
        assert last.status_code == 206 and last.content == data[-1:]


def test_a_range_beyond_the_end_is_416_without_a_body(direct: Deployment) -> None:
    url = direct.stream_url("medium")
    size = len(direct.library.data["medium"])
    for header in (f"bytes={size}-", f"bytes={size + 1000}-{size + 2000}", "bytes=-0"):
        response = httpx.get(url, headers={"Range": header})
        assert response.status_code == 416, header
        assert response.headers["content-range"] == f"bytes */{size}"
        assert response.content == b""


def test_seeks_in_any_order_rebuild_the_file_byte_exactly(direct: Deployment) -> None:
    url = direct.stream_url("high")
    data = direct.library.data["high"]
    rng = random.Random(5)
    cuts = sorted(rng.sample(range(1, len(data)), 40))
    spans = list(zip([0, *cuts], [*cuts, len(data)], strict=True))
    rng.shuffle(spans)
    pieces: dict[int, bytes] = {}
    # One keep-alive connection, like a player seeking around a track.
    with httpx.Client() as http:
        for start, stop in spans:
            end = "" if stop == len(data) else str(stop - 1)
            response = http.get(url, headers={"Range": f"bytes={start}-{end}"})
            assert response.status_code == 206
            assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(data)}"
            pieces[start] = response.content
    assert b"".join(pieces[start] for start in sorted(pieces)) == data


def test_whole_file_downloads_do_not_hold_files_in_memory(direct: Deployment) -> None:
    url = direct.stream_url("high")
    data = direct.library.data["high"]
    expected = hashlib.sha256(data).hexdigest()
    assert hashlib.sha256(httpx.get(url).content).hexdigest() == expected  # warm up
    # The peak of start-up (migrations, imports) would hide the downloads' own: reset it.
    reset_peak_rss(direct.server_pid)
    before = vm_hwm_kib(direct.server_pid)
    results: list[str] = []
    all_started = threading.Barrier(CONCURRENT_DOWNLOADS)

    def download() -> None:
        digest = hashlib.sha256()
        with httpx.stream("GET", url, timeout=60) as response:
            assert response.status_code == 200
            all_started.wait()
            for number, chunk in enumerate(response.iter_bytes(64 * 1024)):
                digest.update(chunk)
                if number < 40:
                    # Read slowly at first, so that all downloads are in flight together.
                    time.sleep(0.01)
        results.append(digest.hexdigest())

    threads = [threading.Thread(target=download) for _ in range(CONCURRENT_DOWNLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results == [expected] * CONCURRENT_DOWNLOADS
    grown_mib = (vm_hwm_kib(direct.server_pid) - before) / 1024
    # Whole files in memory would cost 8 x 10 MiB = 80 MiB; streaming costs a few chunks each.
    assert grown_mib < BIG_BYTES * CONCURRENT_DOWNLOADS / 1024 / 1024 / 4, grown_mib


# nginx in front, tonearm in accel mode


def test_nginx_sends_the_stored_file_byte_exactly_with_tonearms_cache_headers(
    offload: Deployment,
) -> None:
    url = offload.stream_url("high")
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == offload.library.data["high"]
    headers = response.headers
    assert headers["content-type"] == "audio/mpeg"
    assert headers["content-length"] == str(BIG_BYTES)
    assert headers["accept-ranges"] == "bytes"
    assert "x-accel-redirect" not in headers
    max_age = int(headers["cache-control"].split("max-age=")[1])
    assert headers["cache-control"].startswith("private, ") and 1700 < max_age <= 1800
    # nginx replaces tonearm's validators with its own for the file ("<mtime>-<size>" in
    # hex, and the file's mtime), and answers conditionals against those: see the example.
    stored = library_file(offload.library, f"high/{offload.library.song_id}.mp3").stat()
    assert headers.get_list("etag") == [f'"{int(stored.st_mtime):x}-{stored.st_size:x}"']
    assert headers["last-modified"] == format_datetime(
        datetime.fromtimestamp(int(stored.st_mtime), UTC), usegmt=True
    )
    assert httpx.get(url, headers={"If-None-Match": headers["etag"]}).status_code == 304
    with httpx.Client() as http:
        resumed = http.get(url, headers={"Range": "bytes=100-199", "If-Range": headers["etag"]})
        assert (
            resumed.status_code == 206 and resumed.content == offload.library.data["high"][100:200]
        )


def test_nginx_serves_ranges_for_the_signed_url(offload: Deployment) -> None:
    url = offload.stream_url("medium")
    data = offload.library.data["medium"]
    size = len(data)
    with httpx.Client() as http:
        for header, start, stop in [
            ("bytes=0-65535", 0, 65536),
            ("bytes=1000-", 1000, size),
            ("bytes=-4096", size - 4096, size),
        ]:
            response = http.get(url, headers={"Range": header})
            assert response.status_code == 206, header
            assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{size}"
            assert response.content == data[start:stop]
        beyond = http.get(url, headers={"Range": f"bytes={size}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{size}"


def test_nginx_sends_an_original_from_a_music_folder(offload: Deployment) -> None:
    url = offload.stream_url("original")
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    assert response.content == offload.library.data["original"]
    assert response.headers["content-type"] == "audio/mpeg"
    tail = httpx.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == offload.library.data["original"][-100:]


def test_nginx_sends_an_original_with_a_latin1_name_by_folder_id(offload: Deployment) -> None:
    # The X-Accel-Redirect path is the folder's id plus the file's exact bytes
    # percent-encoded (%E9), which nginx decodes back to the Latin-1 name on disk.
    response = httpx.get(offload.stream_url("original", offload.library.latin1_song_id))
    assert response.status_code == 200, response.text
    assert response.content == offload.library.data["latin1"]


def test_nginx_sends_no_bytes_for_a_tampered_or_expired_token(offload: Deployment) -> None:
    url = offload.stream_url("high")
    path, _, query = url.partition("?")
    token = parse_qs(query)["t"][0]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    library = offload.library
    expired = media_token(library, "high", datetime.now(UTC) - timedelta(seconds=1))
    attempts = [
        f"{path}?t={flipped}",
        f"{path.replace('/high', '/medium')}?t={token}",
        f"{path}?t={expired}",
    ]
    for attempt in attempts:
        for headers in ({}, {"Range": "bytes=0-1023"}):
            response = httpx.get(attempt, headers=headers)
            assert response.status_code == 401, attempt
            assert response.headers["content-type"] == "application/json"
            assert response.json()["error"]["code"] == "bad_credentials"
            assert len(response.content) < 500
    # The internal locations cannot be asked for from outside.
    key = f"high/{library.song_id}.mp3"
    assert httpx.get(f"{offload.url}/_tonearm/store/{key}").status_code == 404
    assert httpx.get(url).status_code == 200
    assert urlsplit(url).path == f"/api/media/{library.song_id}/high"
