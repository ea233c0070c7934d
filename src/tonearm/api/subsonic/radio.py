"""Internet radio: getInternetRadioStations, createInternetRadioStation,
updateInternetRadioStation, deleteInternetRadioStation. All over RadioService.

A station's id is its UUID (api/subsonic/ids.py). Changes need an admin (code 50
otherwise, from the service's PermissionDenied); a bad name or URL is code 10 with a
message naming the field (InvalidStation is an InvalidInput). updateInternetRadioStation
describes the whole station, as the method's required streamUrl and name suggest: a
missing homepageUrl clears it, as on Navidrome.
"""

from __future__ import annotations

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.errors import MissingParameter
from tonearm.api.subsonic.render import Payload, compact
from tonearm.radio import MAX_NAME_LENGTH, MAX_URL_LENGTH, RadioService, Station


def station_payload(station: Station) -> Payload:
    """One internetRadioStation, attributes in the XSD's order."""
    return compact(
        id=str(station.id),
        name=station.name,
        streamUrl=station.stream_url,
        homePageUrl=station.homepage_url,
    )


async def get_internet_radio_stations(call: SubsonicCall, radio: RadioService) -> Payload:
    """Every station, by name."""
    stations = await radio.stations()
    return {
        "internetRadioStations": {
            "internetRadioStation": [station_payload(station) for station in stations]
        }
    }


async def create_internet_radio_station(call: SubsonicCall, radio: RadioService) -> Payload:
    """Add a station (`streamUrl`, `name`, optional `homepageUrl`); admins only."""
    params = call.params
    await radio.add(
        call.user,
        _required(call, "name", MAX_NAME_LENGTH),
        _required(call, "streamUrl", MAX_URL_LENGTH),
        params.get_text("homepageUrl", max_length=MAX_URL_LENGTH),
    )
    return {}


async def update_internet_radio_station(call: SubsonicCall, radio: RadioService) -> Payload:
    """Replace a station's stream URL, name and homepage (`id`); admins only."""
    params = call.params
    await radio.update(
        call.user,
        params.get_id("id"),
        name=_required(call, "name", MAX_NAME_LENGTH),
        stream_url=_required(call, "streamUrl", MAX_URL_LENGTH),
        homepage_url=params.get_text("homepageUrl", max_length=MAX_URL_LENGTH),
    )
    return {}


async def delete_internet_radio_station(call: SubsonicCall, radio: RadioService) -> Payload:
    """Remove a station (`id`); admins only."""
    await radio.delete(call.user, call.params.get_id("id"))
    return {}


def _required(call: SubsonicCall, name: str, max_length: int) -> str:
    value = call.params.get_text(name, max_length=max_length)
    if value is None:
        raise MissingParameter(name)
    return value


__all__ = [
    "create_internet_radio_station",
    "delete_internet_radio_station",
    "get_internet_radio_stations",
    "station_payload",
    "update_internet_radio_station",
]
