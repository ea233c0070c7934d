"""/api/me/scrobbling: connect ListenBrainz (a user token) and Last.fm (web authentication),
see each service's state, disconnect. Tokens and session keys never come back out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from tonearm.api.deps import CurrentUser, PublicBase, ScrobblingDep
from tonearm.scrobbling import ConnectionState, ScrobbleTarget, TargetStatus

router = APIRouter(tags=["scrobbling"])

CALLBACK_PATH = "/api/me/scrobbling/lastfm/callback"


class ScrobbleStatusOut(BaseModel):
    """One service as the user sees it: connected as whom, how delivery goes."""

    service: ScrobbleTarget
    available: bool = Field(description="false: this server has no Last.fm API key")
    connected: bool
    account_name: str | None = Field(None, description='shown as "connected as <name>"')
    state: ConnectionState | None = Field(None, description="paused: reconnect to resume")
    last_error: str | None
    last_sent_at: datetime | None
    retry_at: datetime | None = Field(None, description="when the next delivery is tried")
    queued: int = Field(description="plays and loves waiting to be sent")

    @classmethod
    def from_domain(cls, item: TargetStatus) -> ScrobbleStatusOut:
        """The API form of a service's state."""
        return cls(
            service=item.target,
            available=item.available,
            connected=item.connected,
            account_name=item.account_name,
            state=item.state,
            last_error=item.last_error,
            last_sent_at=item.last_sent_at,
            retry_at=item.retry_at,
            queued=item.queued,
        )


class ScrobblingOut(BaseModel):
    """Every service."""

    services: list[ScrobbleStatusOut]


class ListenBrainzTokenIn(BaseModel):
    """The user token from https://listenbrainz.org/settings/."""

    token: str = Field(min_length=1, max_length=200)


class AuthorizeOut(BaseModel):
    """Where to send the user to approve tonearm on Last.fm."""

    url: str


@router.get("/me/scrobbling")
async def scrobbling_status(user: CurrentUser, scrobbling: ScrobblingDep) -> ScrobblingOut:
    """Each service: connected as whom, queued, last sent, last error."""
    statuses = await scrobbling.status(user.id)
    return ScrobblingOut(services=[ScrobbleStatusOut.from_domain(s) for s in statuses])


UNREACHABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The service did not answer, or answered 5xx; try later"}
}


@router.put("/me/scrobbling/listenbrainz", responses=UNREACHABLE)
async def connect_listenbrainz(
    body: ListenBrainzTokenIn, user: CurrentUser, scrobbling: ScrobblingDep
) -> ScrobbleStatusOut:
    """Check the token with ListenBrainz, then keep it (400 when ListenBrainz refuses it)."""
    return ScrobbleStatusOut.from_domain(await scrobbling.connect_listenbrainz(user.id, body.token))


@router.post("/me/scrobbling/lastfm/authorize")
async def authorize_lastfm(
    user: CurrentUser, scrobbling: ScrobblingDep, base: PublicBase
) -> AuthorizeOut:
    """The Last.fm page to send the user to; Last.fm brings them back to the callback."""
    return AuthorizeOut(url=scrobbling.lastfm_authorize_url(user.id, base + CALLBACK_PATH))


@router.get(
    "/me/scrobbling/lastfm/callback",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses=UNREACHABLE,
)
async def lastfm_callback(
    state: Annotated[str, Query(max_length=200)],
    token: Annotated[str, Query(max_length=200)],
    scrobbling: ScrobblingDep,
    base: PublicBase,
) -> RedirectResponse:
    """Where Last.fm sends the user back: the signed `state` names the user; the token
    becomes a session key. Then on to the player's settings."""
    await scrobbling.finish_lastfm(state, token)
    return RedirectResponse(f"{base}/#/settings", status_code=status.HTTP_303_SEE_OTHER)


@router.delete("/me/scrobbling/{service}", status_code=status.HTTP_204_NO_CONTENT)
async def disconnect(service: ScrobbleTarget, user: CurrentUser, scrobbling: ScrobblingDep) -> None:
    """Forget the connection, its secret and whatever was still queued for it."""
    await scrobbling.disconnect(user.id, service)
