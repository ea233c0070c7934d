"""Public, expiring share links that play songs without an account."""

from tonearm.sharing.models import (
    KEEP,
    MAX_DESCRIPTION_LENGTH,
    MAX_SHARED_SONGS,
    InvalidShare,
    Keep,
    OpenedShare,
    Share,
    SharedSong,
    ShareExpired,
    ShareKind,
    ShareNotFound,
    SongListing,
)
from tonearm.sharing.repository import ShareRepository
from tonearm.sharing.service import ShareService

__all__ = [
    "KEEP",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_SHARED_SONGS",
    "InvalidShare",
    "Keep",
    "OpenedShare",
    "Share",
    "ShareExpired",
    "ShareKind",
    "ShareNotFound",
    "ShareRepository",
    "ShareService",
    "SharedSong",
    "SongListing",
]
