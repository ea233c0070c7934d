"""ListenBrainz's API (https://listenbrainz.readthedocs.io/en/latest/users/api/): a user
token in `Authorization: Token …`; listens to POST /1/submit-listens as JSON (`single`,
`import` of up to 1000, or `playing_now` without a time); loves as recording feedback
(POST /1/feedback/recording-feedback, score 1 or 0), which needs a MusicBrainz recording
id; GET /1/validate-token says whose token it is.

ListenBrainz keeps one listen per user, time and track name, so a batch sent again after a
crash adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import structlog

from tonearm import __version__
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

log = structlog.get_logger(__name__)

DEFAULT_URL = "https://api.listenbrainz.org"
MAX_LISTENS_PER_IMPORT = 1000
_TARGET = ScrobbleTarget.LISTENBRAINZ


def track_metadata(track: Track) -> dict[str, Any]:
    """A track as ListenBrainz's `track_metadata`."""
    info: dict[str, Any] = {
        "media_player": "tonearm",
        "submission_client": "tonearm",
        "submission_client_version": __version__,
    }
    if track.duration_ms:
        info["duration_ms"] = track.duration_ms
    if track.recording_mbid:
        info["recording_mbid"] = track.recording_mbid
    metadata: dict[str, Any] = {"artist_name": track.artist, "track_name": track.title}
    if track.album:
        metadata["release_name"] = track.album
    metadata["additional_info"] = info
    return metadata


class ListenBrainzClient:
    """Submits listens, now playing and feedback; checks tokens."""

    target = _TARGET
    max_batch = MAX_LISTENS_PER_IMPORT

    def __init__(self, http: httpx.AsyncClient, base_url: str = DEFAULT_URL) -> None:
        self._http = http
        self._base = base_url.rstrip("/")

    async def validate_token(self, token: str) -> str:
        """The token's user name; raises InvalidScrobbleToken, ServiceUnreachable."""
        response = await self._call("GET", "/1/validate-token", token)
        document = _json(response)
        if response.status_code == 401 or not document.get("valid"):
            raise InvalidScrobbleToken("ListenBrainz does not know this token")
        _check(response)
        return str(document.get("user_name") or "")

    async def submit_listens(self, secret: str, listens: Sequence[Submission]) -> None:
        """POST the listens (`single` for one, `import` for more)."""
        payload = [
            {
                "listened_at": int(listen.occurred_at.timestamp()),
                "track_metadata": track_metadata(listen.track),
            }
            for listen in listens
        ]
        kind = "single" if len(payload) == 1 else "import"
        body = {"listen_type": kind, "payload": payload}
        _check(await self._call("POST", "/1/submit-listens", secret, body))

    async def recorded(self, account: str, secret: str, listens: Sequence[Submission]) -> set[int]:
        """None: ListenBrainz itself keeps one listen per time and track, so a batch sent
        again adds nothing."""
        return set()

    async def playing_now(self, secret: str, track: Track) -> None:
        """POST a `playing_now` listen."""
        body = {
            "listen_type": "playing_now",
            "payload": [{"track_metadata": track_metadata(track)}],
        }
        _check(await self._call("POST", "/1/submit-listens", secret, body))

    async def love(self, secret: str, track: Track, loved: bool) -> None:
        """Recording feedback: score 1 (love) or 0 (none); nothing without a recording id."""
        if not track.recording_mbid:
            # ListenBrainz's feedback names recordings by MBID only.
            log.info("listenbrainz.feedback_skipped", reason="no recording MBID")
            return
        body = {"recording_mbid": track.recording_mbid, "score": 1 if loved else 0}
        _check(await self._call("POST", "/1/feedback/recording-feedback", secret, body))

    async def _call(
        self, method: str, path: str, token: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        try:
            return await self._http.request(
                method,
                self._base + path,
                json=body,
                headers={"Authorization": f"Token {token}"},
            )
        except httpx.HTTPError as error:
            raise ServiceUnreachable(_TARGET, f"{type(error).__name__}: {error}") from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _check(response: httpx.Response) -> None:
    """Raise what a non-2xx answer means."""
    status = response.status_code
    if 200 <= status < 300:
        return
    message = str(_json(response).get("error") or f"HTTP {status}")[:300]
    if status == 401:
        raise CredentialsRejected(_TARGET, f"token refused ({message})")
    if status == 429 or status >= 500:
        wait = retry_after_seconds(response, "X-RateLimit-Reset-In", "Retry-After")
        raise ServiceUnreachable(_TARGET, f"HTTP {status}: {message}", wait)
    raise SubmissionRefused(_TARGET, f"HTTP {status}: {message}")
