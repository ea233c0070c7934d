"""A user's listening preferences: quality per network type, caps, genres, cache size."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tonearm.errors import InvalidInput

MIN_OFFLINE_CACHE_MB = 50
MAX_OFFLINE_CACHE_MB = 100_000
DEFAULT_OFFLINE_CACHE_MB = 500
MAX_FAVOURITE_GENRES = 50
MAX_GENRE_LENGTH = 100


class NetworkType(enum.StrEnum):
    """The kind of connection a client declares."""

    WIFI = "wifi"
    ETHERNET = "ethernet"
    CELLULAR = "cellular"  # a phone network of unknown generation
    FIVE_G = "5g"
    FOUR_G = "4g"
    THREE_G = "3g"
    TWO_G = "2g"

    @property
    def is_cellular(self) -> bool:
        """True for phone networks, where data costs money."""
        return self not in (NetworkType.WIFI, NetworkType.ETHERNET)


class PreferredQuality(enum.StrEnum):
    """A quality a user may ask for; `auto` leaves it to the network and throughput."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    EFFICIENT = "efficient"  # Opus; sounds like medium or better, fewer bytes
    AUTO = "auto"


class QualityCap(enum.StrEnum):
    """The highest quality ever streamed to this user."""

    HIGH = "high"
    MEDIUM = "medium"  # efficient (Opus) is allowed too: it is no bigger
    LOW = "low"


class ReplayGainMode(enum.StrEnum):
    """How players level loudness."""

    OFF = "off"
    TRACK = "track"
    ALBUM = "album"
    AUTO = "auto"  # album gain when playing an album in order, else track gain


class Theme(enum.StrEnum):
    """The web player's colours: as the system prefers, or always light or dark."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class InvalidPreferences(InvalidInput):
    """Preferences with a value out of range or a key that does not exist."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a user chose; every field has a default, used until they choose.

    `quality` lists only the network types the user set; the rest are `auto`.
    `data_saver` caps every cellular network at `low`.
    """

    quality: Mapping[NetworkType, PreferredQuality] = field(default_factory=dict)
    max_quality: QualityCap | None = None
    data_saver: bool = False
    favourite_genres: tuple[str, ...] = ()
    offline_cache_mb: int = DEFAULT_OFFLINE_CACHE_MB
    replaygain: ReplayGainMode = ReplayGainMode.TRACK
    theme: Theme = Theme.SYSTEM

    def __post_init__(self) -> None:
        if not MIN_OFFLINE_CACHE_MB <= self.offline_cache_mb <= MAX_OFFLINE_CACHE_MB:
            raise InvalidPreferences(
                f"offline_cache_mb: {self.offline_cache_mb} is outside "
                f"{MIN_OFFLINE_CACHE_MB}–{MAX_OFFLINE_CACHE_MB}"
            )
        if len(self.favourite_genres) > MAX_FAVOURITE_GENRES:
            raise InvalidPreferences(
                f"favourite_genres: at most {MAX_FAVOURITE_GENRES}, not {len(self.favourite_genres)}"
            )
        for genre in self.favourite_genres:
            if not genre.strip() or len(genre) > MAX_GENRE_LENGTH:
                raise InvalidPreferences(
                    f"favourite_genres: {genre[:40]!r} must have 1–{MAX_GENRE_LENGTH} characters"
                )

    def quality_for(self, network: NetworkType) -> PreferredQuality:
        """The quality the user asked for on `network` (`auto` when they did not say)."""
        return self.quality.get(network, PreferredQuality.AUTO)

    def cap_for(self, network: NetworkType) -> QualityCap | None:
        """The highest quality to stream on `network`: `max_quality`, lowered to `low` by
        the data saver on cellular networks; None when nothing caps it."""
        if self.data_saver and network.is_cellular:
            return QualityCap.LOW
        return self.max_quality

    def to_document(self) -> dict[str, Any]:
        """The preferences as a JSON-ready dict (what is stored and what the API shows)."""
        return {
            "quality": {network.value: self.quality_for(network).value for network in NetworkType},
            "max_quality": self.max_quality.value if self.max_quality else None,
            "data_saver": self.data_saver,
            "favourite_genres": list(self.favourite_genres),
            "offline_cache_mb": self.offline_cache_mb,
            "replaygain": self.replaygain.value,
            "theme": self.theme.value,
        }


PREFERENCE_KEYS = frozenset(Preferences().to_document())


def preferences_from_document(document: Mapping[str, Any]) -> Preferences:
    """Preferences from a dict shaped like `to_document()`; missing keys take defaults.

    Raises InvalidPreferences naming the first unknown key or bad value.
    """
    unknown = sorted(set(document) - PREFERENCE_KEYS)
    if unknown:
        raise InvalidPreferences(f"{unknown[0]}: not a preference")
    try:
        quality_doc = document.get("quality") or {}
        quality = {
            NetworkType(network): PreferredQuality(value) for network, value in quality_doc.items()
        }
        cap = document.get("max_quality")
        return Preferences(
            quality={n: q for n, q in quality.items() if q is not PreferredQuality.AUTO},
            max_quality=QualityCap(cap) if cap is not None else None,
            data_saver=bool(document.get("data_saver", False)),
            favourite_genres=tuple(document.get("favourite_genres") or ()),
            offline_cache_mb=int(document.get("offline_cache_mb", DEFAULT_OFFLINE_CACHE_MB)),
            replaygain=ReplayGainMode(document.get("replaygain", ReplayGainMode.TRACK.value)),
            theme=Theme(document.get("theme", Theme.SYSTEM.value)),
        )
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidPreferences(f"preferences: {error}") from None


__all__ = [
    "DEFAULT_OFFLINE_CACHE_MB",
    "InvalidPreferences",
    "NetworkType",
    "Preferences",
    "PreferredQuality",
    "QualityCap",
    "ReplayGainMode",
    "Theme",
    "preferences_from_document",
]
