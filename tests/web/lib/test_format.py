"""format.js: one byte formatter (base 1024, KiB/MiB/GiB) and plurals; the usage chart's
byte axis (ui/usage-charts.js) built on it, with whole-byte ticks."""

from __future__ import annotations

import pytest

from .conftest import JsRunner

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (None, "0 B"),
        (950, "950 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (12_595, "12.3 KiB"),
        (500 * MIB, "500 MiB"),  # the default cache limit reads as its setting does
        (524_288_000, "500 MiB"),
        (int(1.2 * 1024 * MIB), "1.20 GiB"),
    ],
)
def test_bytes_in_one_base(pure_js: JsRunner, size: int | None, text: str) -> None:
    assert pure_js("format.js", "return m.formatBytes(arg);", size) == text


def test_plurals(pure_js: JsRunner) -> None:
    body = """return [m.count(1, "album"), m.count(0, "album"), m.count(2, "song"),
        m.count(1, "entry", "entries"), m.count(3, "entry", "entries"),
        `1 of ${m.count(1, "song")}`, m.noun(1, "song"), m.noun(2, "song")];"""
    assert pure_js("format.js", body) == [
        "1 album",
        "0 albums",
        "2 songs",
        "1 entry",
        "3 entries",
        "1 of 1 song",
        "song",
        "songs",
    ]


@pytest.mark.parametrize(
    ("largest", "top"),
    [
        (0, 2),  # an empty chart: 0, 1, 2 B — never "0.5 B"
        (1, 2),
        (3, 10),  # 5 would put its middle tick at 2.5 B
        (700, 1000),
        (3000, 5 * 1024),
        (300 * MIB, 500 * MIB),
    ],
)
def test_the_byte_axis_has_whole_ticks(pure_js: JsRunner, largest: int, top: int) -> None:
    body = "return m.niceBytesCeiling(arg);"
    assert pure_js("../ui/usage-charts.js", body, largest) == top
