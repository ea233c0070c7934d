"""Edge-verified media (TONEARM_MEDIA_DELIVERY=edge) behind a real nginx.

nginx runs docs/nginx-edge.conf.example; its secure_link module checks the signed URLs
tonearm hands out and sends the files itself. To show that no request reaches Python while
the bytes flow (or while a bad URL is refused), tonearm is stopped (SIGSTOP) during those
requests: a request nginx passed on to it would hang until the client's timeout.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import pytest

from tests.e2e.test_media_server import (
    PASSWORD,
    Deployment,
    MediaLibrary,
    _fill_library,
    library_file,
    running_tonearm,
    sign_in,
)
from tests.servers import free_port, running_nginx
from tonearm.settings import Settings
from tonearm.streaming.edge import EdgeLinks, edge_signature

pytestmark = pytest.mark.slow

EDGE_EXAMPLE = Path(__file__).parents[2] / "docs" / "nginx-edge.conf.example"
SECRET = "test-edge-secret-0123456789"
# Short: a request nginx forwarded to the stopped tonearm fails fast instead of hanging.
STOPPED_TIMEOUT = 3.0


def edge_site(library: MediaLibrary, port: int, upstream: str) -> str:
    """docs/nginx-edge.conf.example with its placeholders pointed at this test's servers."""
    text = EDGE_EXAMPLE.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8080;": f"server {upstream};",
        "/var/lib/tonearm/objects/": f"{library.settings.data_dir.absolute() / 'objects'}/",
        "/srv/music/": f"{library.settings.music_folders[0]}/",
        "CHANGE-ME-edge-secret": SECRET,
    }
    for placeholder, value in replacements.items():
        assert placeholder in text, f"{EDGE_EXAMPLE} no longer has {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """nginx in front of `tonearm serve` in edge mode, on test_media_server's library."""
    work = tmp_path_factory.mktemp("edge")
    music = work / "music"
    settings = Settings(data_dir=work / "data", music_folders=[music])
    library = asyncio.run(_fill_library(settings, music))
    with running_tonearm(
        library, work, TONEARM_MEDIA_DELIVERY="edge", TONEARM_EDGE_SECRET=SECRET
    ) as server:
        port = free_port()
        site = edge_site(library, port, urlsplit(server.url).netloc)
        with running_nginx(work / "nginx", site, port) as nginx:
            yield Deployment(nginx.url, server.pid, library, sign_in(nginx.url))


@contextmanager
def tonearm_stopped(deployment: Deployment) -> Iterator[None]:
    """tonearm frozen (SIGSTOP) for the block: only nginx can answer."""
    os.kill(deployment.server_pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(deployment.server_pid, signal.SIGCONT)


def edge_url(deployment: Deployment, quality: str, song_id: object = None) -> str:
    """The stream URL the REST API hands out: through nginx, straight at the edge path."""
    response = httpx.get(
        f"{deployment.url}/api/songs/{song_id or deployment.library.song_id}/stream",
        params={"quality": quality},
        headers=deployment.headers,
    )
    assert response.status_code == 200, response.text
    url = str(response.json()["url"])
    assert url.startswith(deployment.url + "/edge/"), url
    return url


def with_query(url: str, **changes: str) -> str:
    """`url` with some of its query arguments replaced."""
    path, _, query = url.partition("?")
    args = {name: values[0] for name, values in parse_qs(query).items()}
    return f"{path}?{urlencode({**args, **changes})}"


def test_a_stored_rendition_streams_from_nginx_with_ranges_and_no_python(
    edge: Deployment,
) -> None:
    library = edge.library
    url = edge_url(edge, "high")
    assert urlsplit(url).path == f"/edge/store/high/{library.song_id}.mp3"
    data = library.data["high"]
    with tonearm_stopped(edge), httpx.Client(timeout=STOPPED_TIMEOUT) as http:
        whole = http.get(url)
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["content-type"] == "audio/mpeg"
        assert whole.headers["cache-control"] == "private"
        for header, start, stop in [
            ("bytes=0-65535", 0, 65536),
            ("bytes=1048576-2097151", 1048576, 2097152),
            ("bytes=-4096", len(data) - 4096, len(data)),
        ]:
            part = http.get(url, headers={"Range": header})
            assert part.status_code == 206, header
            assert part.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(data)}"
            assert part.content == data[start:stop]
    stored = library_file(library, f"high/{library.song_id}.mp3").stat()
    assert whole.headers["etag"] == f'"{int(stored.st_mtime):x}-{stored.st_size:x}"'


def test_in_place_originals_stream_by_folder_id_including_a_latin1_name(
    edge: Deployment,
) -> None:
    library = edge.library
    url = edge_url(edge, "original")
    assert urlsplit(url).path == "/edge/music/1/" + quote("Café Garden/01 - Rising Meadow.mp3")
    latin1 = edge_url(edge, "original", library.latin1_song_id)
    assert "Caf%E9%20Old/" in latin1
    with tonearm_stopped(edge), httpx.Client(timeout=STOPPED_TIMEOUT) as http:
        response = http.get(url)
        assert response.status_code == 200 and response.content == library.data["original"]
        tail = http.get(url, headers={"Range": "bytes=-100"})
        assert tail.status_code == 206 and tail.content == library.data["original"][-100:]
        odd = http.get(latin1)
        assert odd.status_code == 200 and odd.content == library.data["latin1"]


def test_tampered_foreign_and_expired_urls_are_refused_by_nginx_alone(
    edge: Deployment,
) -> None:
    library = edge.library
    high = edge_url(edge, "high")
    medium = edge_url(edge, "medium")
    original = edge_url(edge, "original")
    args = parse_qs(urlsplit(high).query)
    md5 = args["md5"][0]
    flipped = md5[:-2] + ("A" if md5[-2] != "A" else "B") + md5[-1]
    links = EdgeLinks(SECRET, "/edge/", folders=None, local_store=True)  # type: ignore[arg-type]
    past = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())
    expired = edge.url + links.sign(
        f"/edge/store/high/{library.song_id}.mp3".encode(), library.user_id, "high", past
    )
    other_secret = edge_signature(
        b"not-the-secret-at-all",
        int(args["expires"][0]),
        urlsplit(high).path.encode(),
        library.user_id,
        "high",
    )
    forbidden = [
        with_query(high, md5=flipped),  # tampered signature
        with_query(high, u="00000000-0000-4000-8000-000000000000"),  # another user's
        with_query(high, q="medium"),  # another quality's
        high.replace("/high/", "/medium/"),  # the signature of another object
        medium.replace("/medium/", "/high/"),  # a cheaper quality's URL used for a better one
        with_query(high, expires=str(int(args["expires"][0]) + 3600)),  # lifetime stretched
        with_query(high, md5=other_secret),  # signed with another secret
        high.partition("?")[0],  # no signature at all
        with_query(original, q="high"),
    ]
    with tonearm_stopped(edge), httpx.Client(timeout=STOPPED_TIMEOUT) as http:
        for attempt in forbidden:
            for headers in ({}, {"Range": "bytes=0-1023"}):
                response = http.get(attempt, headers=headers)
                assert response.status_code == 403, attempt
                assert len(response.content) < 1000
        for headers in ({}, {"Range": "bytes=0-1023"}):
            gone = http.get(expired, headers=headers)
            assert gone.status_code == 410
            assert len(gone.content) < 1000
        # Nothing but the two signed trees is served under the prefix.
        assert http.get(f"{edge.url}/edge/other/{library.song_id}").status_code == 404
        assert http.get(high).status_code == 200


def test_subsonic_stream_and_download_redirect_to_the_edge(edge: Deployment) -> None:
    library = edge.library
    auth = {"u": "alice", "p": PASSWORD, "v": "1.16.1", "c": "edge-test", "f": "json"}
    with httpx.Client(timeout=30) as http:
        stream = http.get(
            f"{edge.url}/rest/stream", params={**auth, "id": str(library.song_id), "format": "raw"}
        )
        assert stream.status_code == 307, stream.text
        location = stream.headers["location"]
        assert urlsplit(location).path.startswith("/edge/music/1/")
        download = http.get(
            f"{edge.url}/rest/download", params={**auth, "id": str(library.song_id)}
        )
        assert download.status_code == 307, download.text
        saved = download.headers["location"]
        assert "&dl=" in saved
    with tonearm_stopped(edge), httpx.Client(timeout=STOPPED_TIMEOUT) as http:
        played = http.get(location)
        assert played.status_code == 200 and played.content == library.data["original"]
        fetched = http.get(saved)
        assert fetched.status_code == 200 and fetched.content == library.data["original"]
        disposition = fetched.headers["content-disposition"]
        assert disposition.startswith("attachment; filename*=UTF-8''")
        assert "content-disposition" not in played.headers
