"""Every Subsonic method, every parameter it reads, hostile values: never a server fault.

For each method in routes.HANDLERS a valid call (the baseline, with a real song, album, artist,
playlist and share) is made once while recording which parameters the handler reads; then each
of those (and the client name `c`, the format `f` and an unknown name) is sent with every
hostile value below in place of its valid one, as GET or POST and JSON or XML (picked by a
seeded random, so every run sends the same calls). It fails on an HTTP 5xx, on Subsonic error
code 0 (a bad value must be answered 10, 40, 50 or 70), on XML that is not well-formed, and on
any ERROR log line (stdlib or structlog).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import structlog
from fastapi import FastAPI
from lxml import etree

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.api.subsonic.params import Params
from tonearm.api.subsonic.routes import HANDLERS
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import User

pytestmark = pytest.mark.anyio

NS = "{http://subsonic.org/restapi}"
SEED = 16
# Already percent-encoded, so a value can also be bytes that are not UTF-8.
HOSTILE: dict[str, str] = {
    "huge": "9223372036854775808",
    "huge negative": "-9223372036854775809",
    "past int32": "2147483648",
    "negative": "-1",
    "exponent": "1e20",
    "nan": "nan",
    "infinity": "inf",
    "minus infinity": "-Infinity",
    "empty": "",
    "50,000 digits": "9" * 50_000,
    "50,000 wildcards": quote("%_" * 25_000, safe=""),
    "control character": quote("Evil\x01App", safe=""),
    "NUL": "%00",
    "not UTF-8": "%FF%FE",
}
MAX_URL_CHARS = 60_000
AUTH = ("u", "p", "t", "s", "apiKey", "v")
# Sent to every method besides what it reads: the app's name, the format, an unknown name.
ALWAYS = ("c", "f", "bogus")


@dataclass(frozen=True)
class Library:
    """Ids of a small library the baselines name."""

    song: str
    other_song: str
    album: str
    artist: str
    playlist: str
    share: str


def baselines(lib: Library) -> dict[str, list[dict[str, str | list[str]]]]:
    """Valid parameters per method (several where a parameter picks a branch); a method not
    listed is called without any."""
    song, album, artist = lib.song, lib.album, lib.artist
    # Media methods read every parameter before they look the song up: an unknown song keeps
    # the sweep from running ffmpeg thousands of times (the stream tests cover real media).
    gone = "00000000-0000-4000-8000-000000000000"
    report = {"mediaId": song, "mediaType": "song", "state": "playing", "positionMs": "1000"}
    return {
        "getUser": [{"username": "alice"}],
        # Another user's: alice is no admin, so no hostile value ever becomes her password.
        "changePassword": [{"username": "nobody-else", "password": "a new password"}],
        "stream": [{"id": gone, "maxBitRate": "128", "format": "mp3", "timeOffset": "1"}],
        "download": [{"id": gone}],
        "getTranscodeDecision": [{"songId": gone, "mediaId": gone, "mediaType": "song"}],
        "getTranscodeStream": [
            {"mediaId": gone, "mediaType": "song", "transcodeParams": "mp3-96", "offset": "1"}
        ],
        "star": [{"id": song, "albumId": album, "artistId": artist}],
        "unstar": [{"id": song, "albumId": album, "artistId": artist}],
        "setRating": [{"id": song, "rating": "3"}],
        "scrobble": [{"id": song, "time": "1700000000000", "submission": "false"}],
        "reportPlayback": [report | {"playbackRate": "1.5", "ignoreScrobble": "true"}],
        "getLyrics": [{"artist": "Nina Vale", "title": "Harbour"}],
        "getLyricsBySongId": [{"id": song}],
        "getPlaylists": [{"username": "alice"}],
        "getPlaylist": [{"id": lib.playlist}],
        "createPlaylist": [{"name": "Mix", "songId": song}, {"playlistId": lib.playlist}],
        "updatePlaylist": [
            {
                "playlistId": lib.playlist,
                "name": "Mix",
                "comment": "c",
                "public": "false",
                "songIdToAdd": song,
                "songIndexToRemove": "0",
            }
        ],
        "deletePlaylist": [{"id": lib.playlist}],
        "createBookmark": [{"id": song, "position": "1000", "comment": "here"}],
        "deleteBookmark": [{"id": song}],
        "savePlayQueue": [{"id": [song, lib.other_song], "current": song, "position": "5"}],
        "savePlayQueueByIndex": [{"id": [song, lib.other_song], "currentIndex": "1"}],
        "createShare": [{"id": song, "description": "d", "expires": "4102444800000"}],
        "updateShare": [{"id": lib.share, "description": "d", "expires": "4102444800000"}],
        "deleteShare": [{"id": lib.share}],
        "getAvatar": [{"username": "alice"}],
        "getArtistInfo": [{"id": artist, "count": "5", "includeNotPresent": "true"}],
        "getArtistInfo2": [{"id": artist, "count": "5", "includeNotPresent": "true"}],
        "getAlbumInfo": [{"id": album}],
        "getAlbumInfo2": [{"id": album}],
        "getSimilarSongs": [{"id": song, "count": "5"}],
        "getSimilarSongs2": [{"id": artist, "count": "5"}],
        "getTopSongs": [{"artist": "Nina Vale", "count": "5"}],
        "getSonicSimilarTracks": [{"id": song, "count": "5"}],
        "findSonicPath": [{"startSongId": song, "endSongId": lib.other_song, "count": "5"}],
        "getIndexes": [{"musicFolderId": "1", "ifModifiedSince": "1"}],
        "getMusicDirectory": [{"id": album}],
        "getArtists": [{"musicFolderId": "1"}],
        "getArtist": [{"id": artist}],
        "getAlbum": [{"id": album}],
        "getSong": [{"id": song}],
        "getAlbumList": [
            {"type": "byYear", "fromYear": "1990", "toYear": "2020", "size": "5", "offset": "0"},
            {"type": "byGenre", "genre": "Ambient", "musicFolderId": "1"},
        ],
        "getAlbumList2": [
            {"type": "byYear", "fromYear": "1990", "toYear": "2020", "size": "5", "offset": "0"},
            {"type": "byGenre", "genre": "Ambient", "musicFolderId": "1"},
        ],
        "getRandomSongs": [
            {"size": "5", "genre": "Ambient", "fromYear": "1990", "toYear": "2020"},
            {"musicFolderId": "1"},
        ],
        "getSongsByGenre": [
            {"genre": "Ambient", "count": "5", "offset": "0", "musicFolderId": "1"}
        ],
        "search2": [{"query": "harbour", "artistCount": "5", "albumCount": "5", "songCount": "5"}],
        "search3": [
            {
                "query": "harbour",
                "artistCount": "5",
                "artistOffset": "0",
                "albumCount": "5",
                "albumOffset": "0",
                "songCount": "5",
                "songOffset": "0",
                "musicFolderId": "1",
            },
            {"query": "", "songCount": "5"},
        ],
        "getCoverArt": [{"id": f"al-{album}", "size": "64"}],
    }


@dataclass(frozen=True)
class Finding:
    """One call that broke a rule."""

    method: str
    name: str
    value: str
    how: str
    what: str


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    """No rate limit: the sweep makes thousands of calls as one user."""
    return stack_settings.model_copy(update={"rate_limit_subsonic_per_minute": 10**9})


@contextmanager
def error_logs() -> Iterator[list[str]]:
    """Every ERROR-level (or worse) log line written inside, stdlib and structlog."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.name}: {record.getMessage()} {record.exc_info or ''}")

    handler = Collect(logging.ERROR)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with structlog.testing.capture_logs() as events:
            yield lines
    finally:
        root.removeHandler(handler)
    lines.extend(str(e) for e in events if e.get("log_level") in {"error", "critical"})


def _query(items: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in items)


def _encoded(params: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    items = []
    for name, value in params.items():
        for one in value if isinstance(value, list) else [value]:
            items.append((name, quote(one, safe="")))
    return items


async def _send(
    http: httpx.AsyncClient, method: str, items: list[tuple[str, str]], how: str
) -> httpx.Response:
    verb, fmt = how.split("/")
    if sum(len(value) for _, value in items) > MAX_URL_CHARS:
        verb = "POST"  # httpx (and HTTP servers) refuse such a URL before the app sees it
    items = [*items, ("f", "json")] if fmt == "json" and "f" not in dict(items) else items
    if verb == "POST":
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return await http.post(f"/rest/{method}.view", content=_query(items), headers=headers)
    return await http.get(f"/rest/{method}.view?{_query(items)}")


def _fault(response: httpx.Response, method: str) -> str | None:
    """What is wrong with an answer, or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    kind = response.headers.get("content-type", "")
    if kind.startswith("text/xml"):
        try:
            root = etree.fromstring(response.content)
        except etree.XMLSyntaxError as error:
            return f"XML not well-formed: {error}"
        error_element = root.find(f"{NS}error")
        if error_element is not None and error_element.get("code") == "0":
            return f"code 0: {error_element.get('message')}"
    elif kind.startswith(("application/json", "application/javascript")):
        text = response.text
        if kind.startswith("application/javascript"):
            text = text[text.index("(") + 1 : text.rindex(")")]
        document = json.loads(text)["subsonic-response"]
        if document["status"] == "failed" and document["error"]["code"] == 0:
            return f"code 0: {document['error']['message']}"
    elif response.status_code != 200 and method not in {"stream", "download"}:
        return f"HTTP {response.status_code} {kind}"
    return None


async def _library(services: Runtime, alice: User) -> Library:
    song = await add_song(
        services,
        title="Harbour Lights",
        artists=("Nina Vale",),
        album="Harbour",
        genres=("Ambient",),
        year=2001,
        duration_ms=200_000,
    )
    other = await add_song(services, title="Low Tide", artists=("Nina Vale",), album="Harbour")
    detail = await services.domains.catalog.song(song)
    playlist = await services.domains.playlists.create_playlist(alice.id, "Mix", None, [song])
    share = await services.domains.sharing.create_share(alice.id, [song], description="d")
    return Library(
        song=str(song),
        other_song=str(other),
        album=str(detail.album_id),
        artist=str(detail.artist_ids[0]),
        playlist=str(playlist.playlist.id),
        share=str(share.id),
    )


async def _names_read(
    subsonic: SubsonicClient, method: str, params: dict[str, str | list[str]]
) -> set[str]:
    read: set[str] = set()
    original_get, original_list = Params.get, Params.get_list

    def get(self: Params, name: str, default: str | None = None) -> str | None:
        read.add(name)
        return original_get(self, name, default)

    def get_list(self: Params, name: str) -> list[str]:
        read.add(name)
        return original_list(self, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Params, "get", get)
        patch.setattr(Params, "get_list", get_list)
        await subsonic.request(method, params)
    return read - set(AUTH)


async def test_hostile_values_never_fault_any_method(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    lib = await _library(services, alice)
    valid = baselines(lib)
    assert set(valid) <= set(HANDLERS), set(valid) - set(HANDLERS)
    chooser = random.Random(SEED)
    auth = [(k, quote(v, safe="")) for k, v in subsonic.auth_params().items() if k != "c"]
    findings: list[Finding] = []
    covered: dict[str, set[str]] = {}
    with error_logs() as errors:
        for method in sorted(HANDLERS):
            for baseline in valid.get(method, [{}]):
                names = await _names_read(subsonic, method, baseline) | set(ALWAYS)
                covered.setdefault(method, set()).update(names)
                for name in sorted(names):
                    kept = [(k, v) for k, v in _encoded(baseline) if k != name]
                    for label, value in HOSTILE.items():
                        how = chooser.choice(["GET/json", "GET/xml", "POST/json", "POST/xml"])
                        items = [*auth, ("c", "fuzz"), *kept]
                        items = [(k, v) for k, v in items if k != name] + [(name, value)]
                        response = await _send(subsonic.http, method, items, how)
                        fault = _fault(response, method)
                        if fault:
                            findings.append(Finding(method, name, label, how, fault[:300]))
    assert not errors, errors[:5]
    assert not findings, "\n".join(map(str, findings[:40]))
    # Every method was called, and the sweep reached the parameters the issue names.
    assert set(covered) == set(HANDLERS)
    assert {"offset", "fromYear", "toYear", "size"} <= covered["getAlbumList2"]
    assert {"position", "comment"} <= covered["createBookmark"]
    assert {"positionMs", "playbackRate"} <= covered["reportPlayback"]
    assert {"query", "artistOffset", "songOffset"} <= covered["search3"]


@pytest.mark.parametrize("http_method", ["GET", "POST"])
async def test_out_of_range_numbers_name_the_parameter_and_range(
    subsonic: SubsonicClient, services: Runtime, alice: User, http_method: str
) -> None:
    lib = await _library(services, alice)
    huge = "9223372036854775808"
    cases: list[tuple[str, dict[str, str], str]] = [
        ("getAlbumList2", {"type": "newest", "offset": huge}, "offset"),
        ("getRandomSongs", {"fromYear": huge}, "fromYear"),
        ("getAlbumList2", {"type": "byYear", "fromYear": "1", "toYear": huge}, "toYear"),
        ("savePlayQueue", {"id": lib.song, "position": huge}, "position"),
        ("createBookmark", {"id": lib.song, "position": huge}, "position"),
        ("search3", {"query": "x", "artistOffset": huge}, "artistOffset"),
        ("reportPlayback", {"mediaId": lib.song, "positionMs": "1e20"}, "positionMs"),
        ("reportPlayback", {"mediaId": lib.song, "positionMs": "1", "playbackRate": "nan"}, ""),
        ("setRating", {"id": lib.song, "rating": "-1"}, "rating"),
        ("search3", {"query": "a" * 50_000}, "query"),
    ]
    for method, params, name in cases:
        if method == "reportPlayback":
            params = params | {"mediaType": "song", "state": "playing"}
        error = await subsonic.fail(method, params, http_method=http_method)
        assert error["code"] == 10, (method, error)
        assert (name or "playbackRate") in error["message"], (method, error)
    offset = await subsonic.fail("getAlbumList2", {"type": "newest", "offset": huge})
    assert offset["message"] == (
        "offset must be an integer between 0 and 2147483647, got '9223372036854775808'"
    )
    rate = {"mediaId": lib.song, "mediaType": "song", "state": "playing", "positionMs": "1"}
    error = await subsonic.fail("reportPlayback", rate | {"playbackRate": "nan"})
    assert error["message"] == "playbackRate must be a number between 0 and 100, got 'nan'"
    too_long = await subsonic.fail("search3", {"query": "a" * 50_000})
    assert too_long["message"] == "query is too long: at most 200 characters, got 50000"


async def _asgi_get(app: FastAPI, method: str, query: str) -> dict[str, Any]:
    """A GET straight to the app, with a query string no HTTP client or server would pass."""
    path = f"/rest/{method}.view"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"tonearm.test")],
        "client": ("127.0.0.1", 1),
        "server": ("tonearm.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return json.loads(body)["subsonic-response"]  # type: ignore[no-any-return]


async def test_oversized_forms_and_query_strings_are_refused(
    subsonic: SubsonicClient, app: FastAPI, alice: User
) -> None:
    auth = [(k, quote(v, safe="")) for k, v in subsonic.auth_params().items()]
    many = [*auth, *(("id", str(n)) for n in range(1001))]
    big = [*auth, ("comment", "x" * (1024 * 1024 + 1))]
    with error_logs() as errors:
        for items in (many, big):
            form = await subsonic.http.post(
                "/rest/savePlayQueue.view?f=json",
                content=_query(items),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            error = form.json()["subsonic-response"]["error"]
            assert error["code"] == 10 and "form body refused" in error["message"], error
        error = (await _asgi_get(app, "savePlayQueue", _query([("f", "json"), *many])))["error"]
        assert error == {"code": 10, "message": "too many parameters: at most 1000, got 1006"}
        error = (await _asgi_get(app, "savePlayQueue", _query([("f", "json"), *big])))["error"]
        assert error == {"code": 10, "message": "parameter 'comment' is over 1048576 bytes"}
        multipart = await subsonic.http.post(
            "/rest/ping.view",
            params=dict(auth) | {"f": "json"},
            files={f"field{n}": (None, "x") for n in range(1001)},
        )
        assert multipart.json()["subsonic-response"]["error"]["code"] == 10
    assert not errors, errors
