"""Last.fm's API 2.0 (https://www.last.fm/api): every call is a form POST to one endpoint
with `method`, `api_key`, the user's session key `sk` and `api_sig` (the md5 of every
parameter but `format`, sorted by name, name and value run together, then the shared
secret); `format=json` makes answers JSON, errors `{"error": code, "message": …}`.

Web authentication: the user approves tonearm at https://www.last.fm/api/auth/?api_key=…
&cb=…, Last.fm sends them to the callback with `token`, and auth.getSession trades that for
a session key that does not expire.

Last.fm promises no de-duplication of scrobbles, so a batch that may have reached it before
a crash is checked against user.getRecentTracks (`recorded`) and only what it lacks is sent
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from tonearm.adapters.sources.http import retry_after_seconds
from tonearm.scrobbling.models import (
    CredentialsRejected,
    InvalidScrobbleToken,
    ScrobbleTarget,
    ServiceUnreachable,
    Submission,
    SubmissionRefused,
    Track,
)

DEFAULT_API_URL = "https://ws.audioscrobbler.com/2.0/"
DEFAULT_AUTH_URL = "https://www.last.fm/api/auth/"
MAX_SCROBBLES_PER_CALL = 50
_TARGET = ScrobbleTarget.LASTFM
# Error codes (https://www.last.fm/api/errorcodes): the session or token is no good ...
_BAD_CREDENTIALS = frozenset({4, 9, 14, 15})
# ... try again later (8 operation failed, 11 offline, 16 temporary, 29 rate limit) ...
_TRY_LATER = frozenset({8, 11, 16, 29})
# ... and this server's API key is no good: every user's deliveries must wait for the admin.
_BAD_KEY = frozenset({10, 26})


def api_signature(params: Mapping[str, str], secret: str) -> str:
    """Last.fm's `api_sig` for the parameters (`format` and `callback` are not signed)."""
    text = "".join(
        f"{name}{params[name]}" for name in sorted(params) if name not in ("format", "callback")
    )
    return hashlib.md5((text + secret).encode("utf-8"), usedforsecurity=False).hexdigest()


class LastfmClient:
    """Scrobbles, now playing, loves, and the web-auth session exchange."""

    target = _TARGET
    max_batch = MAX_SCROBBLES_PER_CALL

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        secret: str,
        api_url: str = DEFAULT_API_URL,
        auth_url: str = DEFAULT_AUTH_URL,
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._secret = secret
        self._api_url = api_url
        self._auth_url = auth_url

    def authorize_url(self, callback_url: str) -> str:
        """The approval page, coming back to `callback_url`."""
        return f"{self._auth_url}?{urlencode({'api_key': self._api_key, 'cb': callback_url})}"

    async def session_for(self, token: str) -> tuple[str, str]:
        """auth.getSession: (user name, session key)."""
        try:
            document = await self._call({"method": "auth.getSession", "token": token})
        except CredentialsRejected as error:
            raise InvalidScrobbleToken(
                f"Last.fm refused the authorisation: {error.message}"
            ) from None
        session = document.get("session") or {}
        if not session.get("key"):
            raise ServiceUnreachable(_TARGET, "auth.getSession answered without a session")
        return str(session.get("name") or ""), str(session["key"])

    async def submit_listens(self, secret: str, listens: Sequence[Submission]) -> None:
        """track.scrobble with up to 50 scrobbles (artist[i], track[i], timestamp[i], …)."""
        params = {"method": "track.scrobble", "sk": secret}
        for index, listen in enumerate(listens):
            for name, value in _track_params(listen.track).items():
                params[f"{name}[{index}]"] = value
            params[f"timestamp[{index}]"] = str(int(listen.occurred_at.timestamp()))
        await self._call(params)

    async def playing_now(self, secret: str, track: Track) -> None:
        """track.updateNowPlaying."""
        await self._call({"method": "track.updateNowPlaying", "sk": secret, **_track_params(track)})

    async def love(self, secret: str, track: Track, loved: bool) -> None:
        """track.love or track.unlove."""
        method = "track.love" if loved else "track.unlove"
        await self._call(
            {"method": method, "sk": secret, "artist": track.artist, "track": track.title}
        )

    async def recorded(self, account: str, secret: str, listens: Sequence[Submission]) -> set[int]:
        """The ids of `listens` Last.fm already has (same time, same title): what a batch
        cut short by a crash delivered."""
        if not listens:
            return set()
        times = [int(listen.occurred_at.timestamp()) for listen in listens]
        document = await self._call(
            {
                "method": "user.getRecentTracks",
                "user": account,
                "from": str(min(times)),
                "to": str(max(times) + int(timedelta(seconds=1).total_seconds())),
                "limit": "200",
                "sk": secret,
            }
        )
        tracks = (document.get("recenttracks") or {}).get("track") or []
        if isinstance(tracks, dict):
            tracks = [tracks]
        seen = {
            (str((t.get("date") or {}).get("uts")), str(t.get("name", "")).casefold())
            for t in tracks
            if isinstance(t, dict)
        }
        return {
            listen.id
            for listen in listens
            if (str(int(listen.occurred_at.timestamp())), listen.track.title.casefold()) in seen
        }

    async def _call(self, params: dict[str, str]) -> dict[str, Any]:
        signed = {**params, "api_key": self._api_key}
        signed["api_sig"] = api_signature(signed, self._secret)
        signed["format"] = "json"
        try:
            response = await self._http.post(self._api_url, data=signed)
        except httpx.HTTPError as error:
            raise ServiceUnreachable(_TARGET, f"{type(error).__name__}: {error}") from None
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            if response.status_code == 429 or response.status_code >= 500:
                wait = retry_after_seconds(response, "Retry-After")
                raise ServiceUnreachable(_TARGET, f"HTTP {response.status_code}", wait)
            raise ServiceUnreachable(_TARGET, f"HTTP {response.status_code}: not JSON")
        if "error" in document:
            _raise_error(response, document)
        if not 200 <= response.status_code < 300:
            raise ServiceUnreachable(_TARGET, f"HTTP {response.status_code}")
        return document


def _track_params(track: Track) -> dict[str, str]:
    params = {"artist": track.artist, "track": track.title}
    if track.album:
        params["album"] = track.album
    if track.duration_ms:
        params["duration"] = str(track.duration_ms // 1000)
    if track.recording_mbid:
        params["mbid"] = track.recording_mbid
    return params


def _raise_error(response: httpx.Response, document: dict[str, Any]) -> None:
    try:
        code = int(document["error"])
    except (TypeError, ValueError):
        code = 0
    message = f"error {code}: {str(document.get('message') or '')[:300]}"
    if code in _BAD_CREDENTIALS:
        raise CredentialsRejected(_TARGET, message)
    if code in _TRY_LATER or code in _BAD_KEY or response.status_code >= 500:
        wait = retry_after_seconds(response, "Retry-After")
        raise ServiceUnreachable(_TARGET, message, wait)
    raise SubmissionRefused(_TARGET, message)
