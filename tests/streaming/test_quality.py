"""The `auto` rule at each threshold, preferences, Opus, and the best rendition present."""

from __future__ import annotations

import pytest

from tonearm.errors import InvalidInput
from tonearm.streaming.quality import (
    ClientConditions,
    Quality,
    QualityPreferences,
    best_present,
    choose_auto,
    normalize_network,
)

H, M, L, E = Quality.HIGH, Quality.MEDIUM, Quality.LOW, Quality.EFFICIENT
NONE = QualityPreferences()


@pytest.mark.parametrize(
    ("network", "kbps", "expected"),
    [
        ("wifi", None, H),
        ("ethernet", None, H),
        ("5g", None, M),
        ("4g", None, M),
        ("cellular", None, M),
        ("3g", None, L),
        ("2g", None, L),
        ("slow-2g", None, L),
        # Throughput steps down below the network tier...
        ("wifi", 999, L),
        ("wifi", 1000, M),
        ("wifi", 5000, M),
        ("wifi", 5001, H),
        # ...but never above the cellular cap.
        ("4g", 50_000, M),
        ("3g", 50_000, L),
        ("4g", 500, L),
        # No network type (headless browsers, Safari, Firefox): throughput alone.
        (None, 999, L),
        (None, 3000, M),
        (None, 8000, H),
        # Nothing known: the middle.
        (None, None, M),
    ],
)
def test_auto_follows_network_type_and_throughput(
    network: str | None, kbps: float | None, expected: Quality
) -> None:
    assert choose_auto(ClientConditions(network, kbps), NONE) is expected


@pytest.mark.parametrize(
    ("network", "kbps", "expected"),
    [("4g", None, E), ("wifi", 3000, E), ("wifi", None, H), ("3g", None, L), (None, None, E)],
)
def test_efficient_replaces_medium_for_opus_players(
    network: str | None, kbps: float | None, expected: Quality
) -> None:
    assert choose_auto(ClientConditions(network, kbps, plays_opus=True), NONE) is expected


def test_preferences_force_cap_and_save_data() -> None:
    wifi = ClientConditions("wifi")
    forced = QualityPreferences(forced={"wifi": Quality.LOW, "4g": Quality.HIGH})
    assert choose_auto(wifi, forced) is L
    # A forced quality may exceed the cellular tier: the user asked for it.
    assert choose_auto(ClientConditions("4g"), forced) is H
    assert choose_auto(wifi, QualityPreferences(max_quality=M)) is M
    assert choose_auto(ClientConditions("3g"), QualityPreferences(max_quality=M)) is L
    # Data saver is for cellular data: Wi-Fi keeps its tier.
    assert choose_auto(ClientConditions("4g"), QualityPreferences(data_saver=True)) is L
    assert choose_auto(wifi, QualityPreferences(data_saver=True)) is H
    assert choose_auto(wifi, QualityPreferences(forced={"wifi": Quality.AUTO})) is H


def test_the_best_present_rendition_replaces_a_missing_one() -> None:
    everything = {"high", "medium", "low", "efficient", "preview"}
    assert best_present(H, everything, plays_opus=False) is H
    assert best_present(H, {"medium", "low"}, plays_opus=False) is M
    assert best_present(M, {"high", "low"}, plays_opus=False) is L
    assert best_present(M, {"high"}, plays_opus=False) is H
    assert best_present(M, {"efficient", "low"}, plays_opus=True) is E
    # Opus is not offered to a client that cannot play it.
    assert best_present(M, {"efficient", "low"}, plays_opus=False) is L
    assert best_present(L, set(), plays_opus=False) is Quality.ORIGINAL
    assert best_present(Quality.PREVIEW, {"low", "high"}, plays_opus=False) is L
    assert best_present(Quality.ORIGINAL, set(), plays_opus=False) is Quality.ORIGINAL


def test_network_names_are_checked() -> None:
    assert normalize_network(" WiFi ") == "wifi"
    assert normalize_network(None) is None
    with pytest.raises(InvalidInput, match="unknown network type"):
        normalize_network("carrier-pigeon")
