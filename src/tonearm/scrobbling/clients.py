"""What scrobbling needs from each service's HTTP API. Implemented by the clients in
adapters/sources/ (listenbrainz.py, lastfm.py), which raise CredentialsRejected for a
refused token or session and ServiceUnreachable for anything worth retrying."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tonearm.scrobbling.models import ScrobbleTarget, Submission, Track


class ScrobbleClient(Protocol):
    """Sends to one service, with a user's secret (token or session key)."""

    @property
    def target(self) -> ScrobbleTarget:
        """The service."""
        ...

    @property
    def max_batch(self) -> int:
        """The most listens one request may carry."""
        ...

    async def submit_listens(self, secret: str, listens: Sequence[Submission]) -> None:
        """Record the listens (returns once the service answered 2xx)."""
        ...

    async def recorded(self, account: str, secret: str, listens: Sequence[Submission]) -> set[int]:
        """The ids of `listens` the service already has: a delivery cut short by a crash
        may have reached it. (A service that drops repeated listens itself answers none.)"""
        ...

    async def playing_now(self, secret: str, track: Track) -> None:
        """Show the track as playing now."""
        ...

    async def love(self, secret: str, track: Track, loved: bool) -> None:
        """Love or unlove the track."""
        ...


class ListenBrainzAccounts(Protocol):
    """ListenBrainz's side of connecting: a user token, checked before it is kept."""

    async def validate_token(self, token: str) -> str:
        """The token's user name; raises InvalidScrobbleToken, ServiceUnreachable."""
        ...


class LastfmAccounts(Protocol):
    """Last.fm's web authentication: the user approves tonearm on last.fm, which sends
    them back with a token that tonearm trades for a session key."""

    def authorize_url(self, callback_url: str) -> str:
        """Where to send the user to approve tonearm."""
        ...

    async def session_for(self, token: str) -> tuple[str, str]:
        """(user name, session key) for an approved token (auth.getSession); raises
        InvalidScrobbleToken, ServiceUnreachable."""
        ...
