"""A local stand-in for ListenBrainz and Last.fm, as their documented APIs behave.

One threaded HTTP server on 127.0.0.1 answers both:

- ListenBrainz (https://listenbrainz.readthedocs.io/en/latest/users/api/): `Authorization:
  Token <token>`; GET /1/validate-token → {"code": 200, "message": "Token valid.", "valid":
  true, "user_name": …} (valid false for an unknown token); POST /1/submit-listens with
  {"listen_type": "single" | "import" | "playing_now", "payload": [...]} → {"status": "ok"},
  401 {"code": 401, "error": "Invalid authorization token."}, 400 for a malformed payload;
  POST /1/feedback/recording-feedback {"recording_mbid", "score"}. Like ListenBrainz it
  keeps one listen per user, listened_at and track name.
- Last.fm (https://www.last.fm/api): form POSTs to /2.0/ checked for api_key and api_sig
  (md5 of the sorted parameters but format, then the secret); errors as {"error": code,
  "message": …} (4 bad token, 9 bad session, 13 bad signature, 29 rate limit);
  auth.getSession, track.scrobble (artist[i], track[i], timestamp[i], …, up to 50),
  track.updateNowPlaying, track.love/unlove, user.getRecentTracks; GET /api/auth/ approves
  at once and redirects to `cb` with `&token=`. Last.fm documents no de-duplication, so
  every scrobble accepted is kept, repeats included.

Switches for tests: `down` (503 to everything), `rate_limited` (429 / error 29), `hold`
(a request is taken, stored, and its answer held until `release()`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

API_KEY = "fake-api-key"
SECRET = "fake-shared-secret"


@dataclass
class FakeState:
    """What the fake services know and what they were sent."""

    lb_tokens: dict[str, str] = field(default_factory=dict)  # token -> user name
    lb_listens: dict[tuple[str, int, str], dict[str, Any]] = field(default_factory=dict)
    lb_submissions: list[dict[str, Any]] = field(default_factory=list)  # every accepted POST
    lb_playing_now: list[dict[str, Any]] = field(default_factory=list)
    lb_feedback: list[dict[str, Any]] = field(default_factory=list)
    fm_tokens: dict[str, str] = field(default_factory=dict)  # approved token -> user name
    fm_sessions: dict[str, str] = field(default_factory=dict)  # session key -> user name
    fm_scrobbles: list[dict[str, str]] = field(default_factory=list)  # every one accepted
    fm_scrobble_calls: int = 0
    fm_now_playing: list[dict[str, str]] = field(default_factory=list)
    fm_loves: list[tuple[str, str, str]] = field(default_factory=list)  # (method, artist, track)
    requests: int = 0
    down: bool = False
    rate_limited: bool = False
    hold_path: str | None = None  # hold the answer to a request for this method/path
    hold_skip: int = 0  # after letting this many through
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeServices:
    """The server; `url` is its base (ListenBrainz at `url`, Last.fm at `url`/2.0/)."""

    def __init__(self, port: int = 0) -> None:
        self.state = FakeState()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def lastfm_api_url(self) -> str:
        return f"{self.url}/2.0/"

    @property
    def lastfm_auth_url(self) -> str:
        return f"{self.url}/api/auth/"

    def start(self) -> FakeServices:
        state = self.state

        class Handler(_Handler):
            fake = state

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def hold(self, path: str, skip: int = 0) -> None:
        """Take the next request for `path` (a ListenBrainz path or a Last.fm method) but
        `skip`, store what it sends, and hold its answer until `release()`."""
        self.state.held.clear()
        self.state.released.clear()
        self.state.hold_skip = skip
        self.state.hold_path = path

    def release(self) -> None:
        self.state.hold_path = None
        self.state.released.set()

    def listens_of(self, user: str) -> list[dict[str, Any]]:
        return [listen for key, listen in self.state.lb_listens.items() if key[0] == user]


@contextmanager
def running_fake(port: int = 0) -> Iterator[FakeServices]:
    fake = FakeServices(port).start()
    try:
        yield fake
    finally:
        fake.stop()


def lastfm_signature(params: dict[str, str]) -> str:
    text = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("format", "api_sig"))
    return hashlib.md5((text + SECRET).encode()).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _hold_if(self, what: str) -> None:
        if self.fake.hold_path == what:
            if self.fake.hold_skip > 0:
                self.fake.hold_skip -= 1
                return
            self.fake.hold_path = None
            self.fake.held.set()
            self.fake.released.wait(60)

    def do_GET(self) -> None:
        self.fake.requests += 1
        url = urlsplit(self.path)
        if url.path == "/api/auth/":
            # The user approves at once; Last.fm sends them to the callback with a token.
            query = parse_qs(url.query)
            if query.get("api_key") != [API_KEY]:
                self._send(400, {"error": 10, "message": "Invalid API key"})
                return
            token = f"approved-{len(self.fake.fm_tokens)}"
            self.fake.fm_tokens[token] = "fm-listener"
            cb = query["cb"][0]
            separator = "&" if "?" in cb else "?"
            self.send_response(302)
            self.send_header("Location", f"{cb}{separator}{urlencode({'token': token})}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.fake.down:
            self._send(503, {"code": 503, "error": "Service unavailable"})
            return
        if url.path == "/1/validate-token":
            user = self.fake.lb_tokens.get(self._token())
            if user is None:
                self._send(200, {"code": 200, "message": "Token invalid.", "valid": False})
            else:
                self._send(
                    200,
                    {"code": 200, "message": "Token valid.", "valid": True, "user_name": user},
                )
            return
        self._send(404, {"code": 404, "error": "Not found"})

    def _token(self) -> str:
        header = self.headers.get("Authorization", "")
        return header.removeprefix("Token ").strip()

    def do_POST(self) -> None:
        self.fake.requests += 1
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.fake.down:
            self._send(503, {"code": 503, "error": "Service unavailable"})
            return
        path = urlsplit(self.path).path
        if path == "/2.0/":
            self._lastfm(
                {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            )
            return
        if self.fake.rate_limited:
            self._send(
                429,
                {"code": 429, "error": "Too many requests"},
                {"X-RateLimit-Reset-In": "120"},
            )
            return
        user = self.fake.lb_tokens.get(self._token())
        if user is None:
            self._send(401, {"code": 401, "error": "Invalid authorization token."})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"code": 400, "error": "Cannot parse JSON document."})
            return
        if path == "/1/submit-listens":
            self._submit(user, body)
        elif path == "/1/feedback/recording-feedback":
            with self.fake.lock:
                self.fake.lb_feedback.append({"user": user, **body})
            self._send(200, {"status": "ok"})
        else:
            self._send(404, {"code": 404, "error": "Not found"})

    def _submit(self, user: str, body: dict[str, Any]) -> None:
        kind = body.get("listen_type")
        payload = body.get("payload")
        if kind not in ("single", "import", "playing_now") or not isinstance(payload, list):
            self._send(400, {"code": 400, "error": "JSON document must contain listen_type."})
            return
        if (kind != "import" and len(payload) != 1) or len(payload) > 1000:
            self._send(400, {"code": 400, "error": "Wrong number of listens for listen_type."})
            return
        for listen in payload:
            metadata = listen.get("track_metadata") or {}
            if not metadata.get("artist_name") or not metadata.get("track_name"):
                self._send(400, {"code": 400, "error": "artist_name and track_name required."})
                return
            if kind == "playing_now" and "listened_at" in listen:
                self._send(400, {"code": 400, "error": "playing_now has no listened_at."})
                return
            if kind != "playing_now" and not isinstance(listen.get("listened_at"), int):
                self._send(400, {"code": 400, "error": "listened_at must be an integer."})
                return
        with self.fake.lock:
            if kind == "playing_now":
                self.fake.lb_playing_now.append({"user": user, **payload[0]})
            else:
                self.fake.lb_submissions.append({"user": user, **body})
                for listen in payload:
                    key = (user, listen["listened_at"], listen["track_metadata"]["track_name"])
                    self.fake.lb_listens.setdefault(key, listen)
        self._hold_if("/1/submit-listens")
        self._send(200, {"status": "ok"})

    def _lastfm(self, params: dict[str, str]) -> None:
        method = params.get("method", "")
        if params.get("api_key") != API_KEY:
            self._send(403, {"error": 10, "message": "Invalid API key"})
            return
        if params.get("api_sig") != lastfm_signature(params):
            self._send(403, {"error": 13, "message": "Invalid method signature supplied"})
            return
        if self.fake.rate_limited:
            self._send(429, {"error": 29, "message": "Rate limit exceeded"})
            return
        if method == "auth.getSession":
            name = self.fake.fm_tokens.pop(params.get("token", ""), None)
            if name is None:
                self._send(403, {"error": 4, "message": "Invalid authentication token supplied"})
                return
            key = f"session-{len(self.fake.fm_sessions)}"
            self.fake.fm_sessions[key] = name
            self._send(200, {"session": {"name": name, "key": key, "subscriber": 0}})
            return
        user = self.fake.fm_sessions.get(params.get("sk", ""))
        if user is None:
            self._send(403, {"error": 9, "message": "Invalid session key - Please re-authenticate"})
            return
        if method == "track.scrobble":
            self._scrobble(params)
        elif method == "track.updateNowPlaying":
            self.fake.fm_now_playing.append(params)
            self._send(200, {"nowplaying": {"track": {"#text": params.get("track")}}})
        elif method in ("track.love", "track.unlove"):
            self.fake.fm_loves.append((method, params.get("artist", ""), params.get("track", "")))
            self._send(200, {})
        elif method == "user.getRecentTracks":
            low, high = int(params["from"]), int(params["to"])
            tracks = [
                {
                    "name": s["track"],
                    "artist": {"#text": s["artist"]},
                    "date": {"uts": s["timestamp"], "#text": ""},
                }
                for s in self.fake.fm_scrobbles
                if low <= int(s["timestamp"]) <= high
            ]
            self._send(200, {"recenttracks": {"track": tracks, "@attr": {"user": user}}})
        else:
            self._send(400, {"error": 3, "message": "Invalid Method - No method with that name"})

    def _scrobble(self, params: dict[str, str]) -> None:
        batch = []
        index = 0
        while f"artist[{index}]" in params:
            batch.append(
                {
                    "artist": params[f"artist[{index}]"],
                    "track": params[f"track[{index}]"],
                    "timestamp": params[f"timestamp[{index}]"],
                    "album": params.get(f"album[{index}]", ""),
                }
            )
            index += 1
        if not batch or len(batch) > 50:
            self._send(400, {"error": 6, "message": "Invalid parameters"})
            return
        with self.fake.lock:
            self.fake.fm_scrobble_calls += 1
            self.fake.fm_scrobbles.extend(batch)
        self._hold_if("track.scrobble")
        self._send(
            200,
            {
                "scrobbles": {
                    "scrobble": [{"track": {"#text": s["track"]}} for s in batch],
                    "@attr": {"accepted": len(batch), "ignored": 0},
                }
            },
        )
