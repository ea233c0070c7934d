"""Internet radio: stations admins add (an endless stream each) and what they play now."""

from tonearm.radio.models import (
    MAX_NAME_LENGTH,
    MAX_STATIONS,
    MAX_URL_LENGTH,
    InvalidStation,
    Station,
    StationNotFound,
    url_origin,
)
from tonearm.radio.repository import StationRepository, StreamTitleReader
from tonearm.radio.service import KEEP, Keep, RadioService

__all__ = [
    "KEEP",
    "MAX_NAME_LENGTH",
    "MAX_STATIONS",
    "MAX_URL_LENGTH",
    "InvalidStation",
    "Keep",
    "RadioService",
    "Station",
    "StationNotFound",
    "StationRepository",
    "StreamTitleReader",
    "url_origin",
]
