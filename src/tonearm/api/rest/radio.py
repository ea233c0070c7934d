"""/api/radio/stations: internet radio stations (RadioService). Everyone signed in lists
them and asks what one plays now; admins add, change and remove them.

A station's stream is played by the browser straight from the station's server: the web
player's Content-Security-Policy names the origin of every station's stream (api/webapp.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from tonearm.api.deps import AdminUser, CurrentUser, RadioDep
from tonearm.api.rest.schemas import PlainText
from tonearm.radio import KEEP, MAX_NAME_LENGTH, MAX_URL_LENGTH, Station

router = APIRouter(prefix="/radio/stations", tags=["radio"])

URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://"
StationName = Annotated[PlainText, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
StreamUrl = Annotated[
    str,
    Field(
        min_length=8,
        max_length=MAX_URL_LENGTH,
        pattern=URL_PATTERN,
        description="An http:// or https:// URL of the endless audio stream.",
        examples=["https://radio.example.org/live.mp3"],
    ),
]
HomepageUrl = Annotated[
    str,
    Field(
        max_length=MAX_URL_LENGTH,
        description="The station's web page (http or https); empty for none.",
    ),
]


class StationIn(BaseModel):
    """A new station."""

    name: StationName
    stream_url: StreamUrl
    homepage_url: HomepageUrl | None = None


class StationChangeIn(BaseModel):
    """What to change: a field left out stays; `homepage_url: null` or "" clears it."""

    name: StationName | None = None
    stream_url: StreamUrl | None = None
    homepage_url: HomepageUrl | None = None


class StationOut(BaseModel):
    """An internet radio station."""

    id: UUID
    name: str
    stream_url: str
    homepage_url: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, station: Station) -> StationOut:
        """The API form of a station."""
        return cls(
            id=station.id,
            name=station.name,
            stream_url=station.stream_url,
            homepage_url=station.homepage_url,
            created_at=station.created_at,
            updated_at=station.updated_at,
        )


class NowPlayingOut(BaseModel):
    """What a station's stream announces it plays now; null when it says nothing."""

    title: str | None


@router.get("")
async def list_stations(user: CurrentUser, radio: RadioDep) -> list[StationOut]:
    """Every station, by name."""
    return [StationOut.from_domain(station) for station in await radio.stations()]


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_station(body: StationIn, admin: AdminUser, radio: RadioDep) -> StationOut:
    """Add a station (admins only)."""
    station = await radio.add(admin, body.name, body.stream_url, body.homepage_url)
    return StationOut.from_domain(station)


@router.patch("/{station_id}")
async def change_station(
    station_id: UUID, body: StationChangeIn, admin: AdminUser, radio: RadioDep
) -> StationOut:
    """Change a station's name, stream URL or homepage (admins only)."""
    fields = body.model_fields_set
    station = await radio.update(
        admin,
        station_id,
        name=body.name if body.name is not None else KEEP,
        stream_url=body.stream_url if body.stream_url is not None else KEEP,
        homepage_url=body.homepage_url if "homepage_url" in fields else KEEP,
    )
    return StationOut.from_domain(station)


@router.delete("/{station_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_station(station_id: UUID, admin: AdminUser, radio: RadioDep) -> None:
    """Remove a station (admins only)."""
    await radio.delete(admin, station_id)


@router.get("/{station_id}/now-playing")
async def now_playing(station_id: UUID, user: CurrentUser, radio: RadioDep) -> NowPlayingOut:
    """The title the station's stream announces now (read at most every 15 s)."""
    return NowPlayingOut(title=await radio.now_playing(station_id))
