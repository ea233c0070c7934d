"""Which rendition to stream: the `auto` rule, and the best present when one is missing.

The rule (the specification's, refined by the API issue):
- the network type the client declares sets a tier, and on cellular a cap:
  wifi/ethernet → high; 4g/5g/cellular → medium; 3g/2g → low;
- measured throughput steps down below it (< 1 Mbps → low, 1–5 Mbps → medium, > 5 → high),
  never above the cellular cap; with no network type, throughput alone decides;
- with neither, medium (a safe middle for an unknown connection);
- the user's preferences can force a quality per network type, cap it, or save data (low
  on every cellular network);
- a client that plays Opus gets `efficient` in place of `medium` (same sound, fewer bytes).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field

from tonearm.errors import InvalidInput


class Quality(enum.StrEnum):
    """What a client may ask for; every one but `auto` names a stored kind."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    EFFICIENT = "efficient"
    ORIGINAL = "original"
    PREVIEW = "preview"
    AUTO = "auto"


# Encoded renditions from the most bytes to the fewest; `efficient` sounds like medium or
# better on fewer bytes, so it ranks just below medium.
LADDER = (Quality.HIGH, Quality.MEDIUM, Quality.EFFICIENT, Quality.LOW)
_RANK = {quality: rank for rank, quality in enumerate(LADDER)}

# Network types as the Network Information API names them (effectiveType and type).
_NETWORK_TIER = {
    "wifi": Quality.HIGH,
    "ethernet": Quality.HIGH,
    "5g": Quality.MEDIUM,
    "4g": Quality.MEDIUM,
    "cellular": Quality.MEDIUM,
    "3g": Quality.LOW,
    "2g": Quality.LOW,
    "slow-2g": Quality.LOW,
}
CELLULAR = frozenset({"5g", "4g", "cellular", "3g", "2g", "slow-2g"})
NETWORK_TYPES = frozenset(_NETWORK_TIER)

LOW_BELOW_KBPS = 1000
HIGH_ABOVE_KBPS = 5000


@dataclass(frozen=True, slots=True)
class QualityPreferences:
    """What a user set: a forced quality per network type, a cap, data saver."""

    forced: dict[str, Quality] = field(default_factory=dict)  # network type → quality
    max_quality: Quality | None = None
    data_saver: bool = False


@dataclass(frozen=True, slots=True)
class ClientConditions:
    """What the client says about itself for one request."""

    network: str | None = None  # declared network type, lower case
    bandwidth_kbps: float | None = None  # measured throughput
    plays_opus: bool = False


def normalize_network(value: str | None) -> str | None:
    """A declared network type, lower-cased; unknown names raise InvalidInput."""
    if value is None or not value.strip():
        return None
    network = value.strip().lower()
    if network not in NETWORK_TYPES:
        allowed = ", ".join(sorted(NETWORK_TYPES))
        raise InvalidInput(f"unknown network type {value!r}; use one of {allowed}")
    return network


def _lower(a: Quality, b: Quality) -> Quality:
    return a if _RANK[a] >= _RANK[b] else b


def _throughput_tier(kbps: float) -> Quality:
    if kbps < LOW_BELOW_KBPS:
        return Quality.LOW
    if kbps <= HIGH_ABOVE_KBPS:
        return Quality.MEDIUM
    return Quality.HIGH


def choose_auto(conditions: ClientConditions, preferences: QualityPreferences) -> Quality:
    """The quality `auto` means for these conditions and preferences (before availability)."""
    network = conditions.network
    forced = preferences.forced.get(network) if network else None
    chosen: Quality
    if forced is not None and forced is not Quality.AUTO:
        chosen = forced
    else:
        tier = _NETWORK_TIER.get(network) if network else None
        if conditions.bandwidth_kbps is not None:
            measured = _throughput_tier(conditions.bandwidth_kbps)
            chosen = measured if tier is None else _lower(tier, measured)
        else:
            chosen = tier or Quality.MEDIUM
        if network in CELLULAR and tier is not None:
            chosen = _lower(chosen, tier)
    if chosen in _RANK:
        cap = preferences.max_quality
        if cap is not None and cap in _RANK:
            chosen = _lower(chosen, cap)
        if preferences.data_saver and network in CELLULAR:
            chosen = Quality.LOW
    if conditions.plays_opus and chosen is Quality.MEDIUM:
        chosen = Quality.EFFICIENT
    return chosen


def best_present(wanted: Quality, present: Collection[str], *, plays_opus: bool) -> Quality:
    """`wanted` if stored, else the nearest stored rendition below it, else above it, else
    the original (always there). `efficient` is only offered to clients that play Opus."""
    if wanted is Quality.ORIGINAL or wanted.value in present:
        return wanted
    ladder = [q for q in LADDER if plays_opus or q is not Quality.EFFICIENT]
    if wanted is Quality.PREVIEW or wanted not in ladder:
        # A missing preview falls back to the smallest full rendition.
        start = len(ladder) - 1 if wanted is Quality.PREVIEW else _RANK.get(wanted, 1)
    else:
        start = ladder.index(wanted)
    below = [q for q in ladder[start:] if q.value in present]
    above = [q for q in reversed(ladder[:start]) if q.value in present]
    for candidate in (*below, *above):
        return candidate
    return Quality.ORIGINAL
