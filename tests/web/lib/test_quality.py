"""quality.js: the server's `auto` rule in the browser, networkInfo, ThroughputMeter and the
mid-song downgrade rule."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tonearm.streaming.quality import ClientConditions, Quality, QualityPreferences, choose_auto

from .conftest import JsRunner

CHOOSE = "return arg.map((conditions) => m.chooseQuality(conditions));"


def choose(pure_js: JsRunner, **conditions: object) -> str:
    return str(pure_js("quality.js", "return m.chooseQuality(arg);", conditions))


@pytest.mark.parametrize(
    ("kbps", "expected"),
    [(999, "low"), (1000, "medium"), (5000, "medium"), (5001, "high"), (20_000, "high")],
)
def test_throughput_alone_decides_at_each_threshold(
    pure_js: JsRunner, kbps: int, expected: str
) -> None:
    assert choose(pure_js, throughputKbps=kbps) == expected


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ("wifi", "high"),
        ("ethernet", "high"),
        ("5g", "medium"),
        ("4g", "medium"),
        ("cellular", "medium"),
        ("3g", "low"),
        ("2g", "low"),
        ("slow-2g", "low"),
        ("WiFi", "high"),  # declared types are case-insensitive
        ("bluetooth", "medium"),  # unknown type: as if none was declared
        (None, "medium"),  # neither type nor throughput: the safe middle
    ],
)
def test_network_type_alone_sets_the_tier(
    pure_js: JsRunner, network: str | None, expected: str
) -> None:
    assert choose(pure_js, networkType=network) == expected


def test_throughput_steps_down_below_the_network_tier(pure_js: JsRunner) -> None:
    assert choose(pure_js, networkType="wifi", throughputKbps=999) == "low"
    assert choose(pure_js, networkType="wifi", throughputKbps=3000) == "medium"
    assert choose(pure_js, networkType="wifi", throughputKbps=5001) == "high"


def test_cellular_never_goes_above_its_cap_however_fast(pure_js: JsRunner) -> None:
    assert choose(pure_js, networkType="4g", throughputKbps=50_000) == "medium"
    assert choose(pure_js, networkType="5g", throughputKbps=50_000) == "medium"
    assert choose(pure_js, networkType="3g", throughputKbps=50_000) == "low"
    assert choose(pure_js, networkType="4g", throughputKbps=999) == "low"


def test_unmeasured_or_nonsense_throughput_counts_as_unknown(pure_js: JsRunner) -> None:
    for kbps in (None, 0, -5):
        assert choose(pure_js, networkType="wifi", throughputKbps=kbps) == "high"
    assert pure_js("quality.js", "return m.chooseQuality({throughputKbps: NaN});") == "medium"


def test_forced_quality_per_network_type_wins_over_the_rule(pure_js: JsRunner) -> None:
    prefs = {"quality": {"4g": "high", "wifi": "low"}}
    assert choose(pure_js, networkType="4g", throughputKbps=500, preferences=prefs) == "high"
    assert choose(pure_js, networkType="wifi", throughputKbps=9000, preferences=prefs) == "low"
    # Only the network type it names: 3g follows the rule.
    assert choose(pure_js, networkType="3g", preferences=prefs) == "low"
    # "auto" forces nothing.
    assert choose(pure_js, networkType="wifi", preferences={"quality": {"wifi": "auto"}}) == "high"


def test_max_quality_caps_even_a_forced_quality(pure_js: JsRunner) -> None:
    assert choose(pure_js, networkType="wifi", preferences={"max_quality": "medium"}) == "medium"
    assert choose(pure_js, networkType="wifi", preferences={"max_quality": "low"}) == "low"
    forced_high = {"quality": {"wifi": "high"}, "max_quality": "medium"}
    assert choose(pure_js, networkType="wifi", preferences=forced_high) == "medium"
    # A medium cap lets Opus through: it is no bigger.
    assert (
        choose(
            pure_js, networkType="wifi", preferences={"max_quality": "medium"}, opusPlayable=True
        )
        == "efficient"
    )


def test_data_saver_means_low_on_every_cellular_network_only(pure_js: JsRunner) -> None:
    saver = {"data_saver": True, "quality": {"4g": "high"}}
    for network in ("5g", "4g", "cellular", "3g", "2g", "slow-2g"):
        assert choose(pure_js, networkType=network, preferences=saver) == "low"
    assert choose(pure_js, networkType="wifi", preferences=saver) == "high"
    assert choose(pure_js, throughputKbps=9000, preferences=saver) == "high"  # type unknown


def test_opus_replaces_medium_only(pure_js: JsRunner) -> None:
    assert choose(pure_js, networkType="4g", opusPlayable=True) == "efficient"
    assert choose(pure_js, throughputKbps=3000, opusPlayable=True) == "efficient"
    assert choose(pure_js, networkType="wifi", opusPlayable=True) == "high"
    assert choose(pure_js, networkType="3g", opusPlayable=True) == "low"


def test_forced_efficient_becomes_medium_where_opus_does_not_play(pure_js: JsRunner) -> None:
    prefs = {"quality": {"wifi": "efficient"}}
    assert choose(pure_js, networkType="wifi", preferences=prefs, opusPlayable=True) == "efficient"
    assert choose(pure_js, networkType="wifi", preferences=prefs, opusPlayable=False) == "medium"


def test_agrees_with_the_servers_rule_on_every_combination(pure_js: JsRunner) -> None:
    networks = [None, "wifi", "ethernet", "5g", "4g", "cellular", "3g", "2g", "slow-2g"]
    throughputs = [None, 500, 999, 1000, 3000, 5000, 5001, 9000]
    preference_sets: list[dict[str, Any]] = [
        {},
        {"max_quality": "medium"},
        {"max_quality": "low"},
        {"data_saver": True},
        {"quality": {"4g": "high", "wifi": "low"}},
        {"quality": {"3g": "medium"}, "max_quality": "high"},
        {"quality": {"wifi": "efficient", "4g": "auto"}, "data_saver": True},
    ]
    cases = []
    expected = []
    for network, kbps, prefs, opus in itertools.product(
        networks, throughputs, preference_sets, (False, True)
    ):
        server_prefs = QualityPreferences(
            forced={k: Quality(v) for k, v in prefs.get("quality", {}).items()},
            max_quality=Quality(prefs["max_quality"]) if "max_quality" in prefs else None,
            data_saver=prefs.get("data_saver", False),
        )
        server = choose_auto(ClientConditions(network, kbps, opus), server_prefs).value
        if server == "efficient" and not opus:
            server = "medium"  # the client's one deliberate difference: it cannot play Opus
        cases.append(
            {
                "networkType": network,
                "throughputKbps": kbps,
                "preferences": prefs,
                "opusPlayable": opus,
            }
        )
        expected.append(server)
    assert len(cases) == 1008
    assert pure_js("quality.js", CHOOSE, cases) == expected


def test_qualities_match_the_encoded_renditions(pure_js: JsRunner) -> None:
    from tonearm.adapters.ffmpeg.renditions import ENCODINGS

    qualities = pure_js("quality.js", "return m.QUALITIES;")
    for kind, encoding in ENCODINGS.items():
        if kind.value == "preview":
            continue
        assert qualities[kind.value]["bitrateKbps"] == encoding.bitrate_kbps
        assert qualities[kind.value]["codec"] == encoding.codec
        assert qualities[kind.value]["container"] == encoding.container


NETWORK_INFO = "return m.networkInfo(arg.nav, arg.options);"


@pytest.mark.parametrize(
    ("connection", "expected_type"),
    [
        ({"type": "wifi", "effectiveType": "4g"}, "wifi"),
        ({"type": "ethernet", "effectiveType": "4g"}, "ethernet"),
        ({"type": "cellular", "effectiveType": "4g"}, "4g"),
        ({"type": "cellular", "effectiveType": "3g"}, "3g"),
        ({"type": "cellular", "effectiveType": "slow-2g"}, "slow-2g"),
        ({"type": "cellular"}, "cellular"),
        # Desktop Chromium: effectiveType only, "4g" on any fast link: not a network type.
        ({"effectiveType": "4g", "downlink": 10}, None),
        ({"type": "unknown", "effectiveType": "3g"}, None),
        ({"type": "none"}, None),
    ],
)
def test_network_info_reads_an_injected_connection(
    pure_js: JsRunner, connection: dict[str, object], expected_type: str | None
) -> None:
    info = pure_js("quality.js", NETWORK_INFO, {"nav": {"connection": connection}})
    assert info["type"] == expected_type
    assert info["effectiveType"] == connection.get("effectiveType")


def test_network_info_converts_downlink_and_derives_metered(pure_js: JsRunner) -> None:
    nav = {"connection": {"type": "cellular", "effectiveType": "4g", "downlink": 1.45}}
    info = pure_js("quality.js", NETWORK_INFO, {"nav": nav})
    assert info["downlinkKbps"] == pytest.approx(1450)
    assert info["saveData"] is False
    assert info["metered"] is False
    marked = pure_js("quality.js", NETWORK_INFO, {"nav": nav, "options": {"markedMetered": True}})
    assert marked["metered"] is True
    saving = {"connection": {"saveData": True}}
    assert pure_js("quality.js", NETWORK_INFO, {"nav": saving})["metered"] is True


def test_network_info_without_the_api_knows_nothing(pure_js: JsRunner) -> None:
    info = pure_js("quality.js", NETWORK_INFO, {"nav": {}})
    assert info == {
        "type": None,
        "effectiveType": None,
        "downlinkKbps": None,
        "saveData": False,
        "metered": False,
    }


def test_network_info_feeds_choose_quality(pure_js: JsRunner) -> None:
    body = """
      const info = m.networkInfo({connection: {type: 'cellular', effectiveType: '4g', downlink: 10}});
      return m.chooseQuality({networkType: info.type, throughputKbps: info.downlinkKbps});
    """
    assert pure_js("quality.js", body) == "medium"  # 10 Mbps, but a 4G cap


def test_real_navigator_in_headless_chromium_declares_no_network_type(pure_js: JsRunner) -> None:
    info = pure_js("quality.js", "return m.networkInfo();")
    assert info["type"] is None
    assert info["metered"] is False


METER = """
  const meter = new m.ThroughputMeter(arg.options ?? {});
  const counted = arg.samples.map(([bytes, ms]) => meter.record(bytes, ms));
  return {kbps: meter.kbps, counted};
"""


def test_meter_reports_the_median_of_counted_samples(pure_js: JsRunner) -> None:
    # 1 MB in 1 s = 8000 kbps; 500 kB in 1 s = 4000; 250 kB in 1 s = 2000.
    result = pure_js(
        "quality.js", METER, {"samples": [[1_000_000, 1000], [500_000, 1000], [250_000, 1000]]}
    )
    assert result == {"kbps": 4000, "counted": [True, True, True]}


def test_meter_ignores_tiny_and_instant_samples(pure_js: JsRunner) -> None:
    result = pure_js("quality.js", METER, {"samples": [[2000, 1], [500_000, 1000], [600_000, 0]]})
    assert result == {"kbps": 4000, "counted": [False, True, False]}
    assert pure_js("quality.js", METER, {"samples": []})["kbps"] is None


def test_meter_keeps_only_the_last_window_of_samples(pure_js: JsRunner) -> None:
    slow = [[125_000, 1000]] * 3  # 1000 kbps each
    fast = [[1_250_000, 1000]] * 3  # 10000 kbps each
    result = pure_js("quality.js", METER, {"samples": slow + fast, "options": {"window": 3}})
    assert result["kbps"] == 10_000
    # One outlier among the window does not move the median.
    mixed = pure_js("quality.js", METER, {"samples": [*slow, [1_250_000, 1000]]})
    assert mixed["kbps"] == 1000


def test_meter_even_count_averages_the_middle_two(pure_js: JsRunner) -> None:
    result = pure_js("quality.js", METER, {"samples": [[125_000, 1000], [250_000, 1000]]})
    assert result["kbps"] == 1500


DOWNGRADE = "return m.shouldDowngradeMidSong(arg);"


@pytest.mark.parametrize(
    ("quality", "kbps", "buffered", "expected"),
    [
        ("high", 400, 5, True),  # 320 kbps needs 480 to refill: collapsing
        ("high", 480, 5, False),  # exactly the headroom: keeps up
        ("high", 400, 15, False),  # 15 s buffered rides out the dip
        ("high", 400, 14.9, True),
        ("medium", 150, 10, True),
        ("medium", 192, 10, False),
        ("efficient", 100, 3, True),
        ("low", 10, 0, False),  # nothing lower to go to
        ("high", None, 0, False),  # throughput unknown: no evidence of a collapse
    ],
)
def test_mid_song_downgrade_rule(
    pure_js: JsRunner, quality: str, kbps: float | None, buffered: float, expected: bool
) -> None:
    state = {"currentQuality": quality, "throughputKbps": kbps, "bufferedAheadSeconds": buffered}
    assert pure_js("quality.js", DOWNGRADE, state) is expected


@pytest.mark.parametrize(
    ("quality", "kbps", "opus", "expected"),
    [
        ("high", 400, False, "medium"),  # 128 × 1.5 = 192 fits
        ("high", 150, True, "efficient"),  # 96 × 1.5 = 144 fits, 192 does not
        ("high", 150, False, "low"),
        ("medium", 150, True, "efficient"),
        ("efficient", 100, True, "low"),
        ("high", 20, False, "low"),  # nothing fits: the smallest
    ],
)
def test_downgrade_target_is_the_best_lower_rendition_that_fits(
    pure_js: JsRunner, quality: str, kbps: float, opus: bool, expected: str
) -> None:
    state = {"currentQuality": quality, "throughputKbps": kbps, "opusPlayable": opus}
    assert pure_js("quality.js", "return m.downgradeTarget(arg);", state) == expected
