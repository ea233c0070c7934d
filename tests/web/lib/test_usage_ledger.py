"""usage-ledger.js: bytes per day and network, bytes saved, tap-to-audio p50/p95, kept in
IndexedDB."""

from __future__ import annotations

import pytest

from .conftest import JsRunner

# 2026-03-10 12:00 local time, as the page's clock sees it.
NOON = "new Date(2026, 2, 10, 12).getTime()"
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


@pytest.mark.parametrize(
    ("type_", "kind"),
    [("wifi", "wifi"), ("ethernet", "wifi"), ("cellular", "cellular"), ("4g", "cellular"),
     ("slow-2g", "cellular"), (None, "unknown"), ("bluetooth", "unknown"), ("", "unknown")],
    ids=["wifi", "ethernet", "cellular", "4g", "slow-2g", "none", "bluetooth", "empty"],
)  # fmt: skip
def test_network_kinds(pure_js: JsRunner, type_: str | None, kind: str) -> None:
    assert pure_js("usage-ledger.js", "return m.networkKind(arg);", type_) == kind


def test_days_are_local_calendar_days_oldest_first(pure_js: JsRunner) -> None:
    days = pure_js(
        "usage-ledger.js",
        "return [m.dayKey(new Date(2026, 0, 5, 23, 59).getTime()),"
        " m.lastDays(new Date(2026, 2, 2, 0, 30).getTime(), 4)];",
    )
    assert days == ["2026-01-05", ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]]


@pytest.mark.parametrize(
    ("values", "p50", "p95"),
    [
        ([], None, None),
        ([300], 300, 300),
        ([400, 100, 300, 200], 200, 400),
        (list(range(1, 101)), 50, 95),
        (list(range(1, 21)), 10, 19),
    ],
    ids=["none", "one", "four", "hundred", "twenty"],
)
def test_percentiles_are_nearest_rank(
    pure_js: JsRunner, values: list[int], p50: int | None, p95: int | None
) -> None:
    got = pure_js(
        "usage-ledger.js", "return [m.percentile(arg, 50), m.percentile(arg, 95)];", values
    )
    assert got == [p50, p95]


def test_a_prefetched_song_not_played_saves_the_rest_of_its_rendition(pure_js: JsRunner) -> None:
    got = pure_js(
        "usage-ledger.js",
        """const watch = new m.PrefetchWatch();
        watch.prefetched("a", 5_000_000, 1_200_000);
        watch.prefetched("b", 4_000_000, 1_200_000);
        watch.prefetched("c", 800_000, 800_000);  // shorter than 30 s: all of it
        const kept = watch.abandoned(["a", "b", "c"]);
        watch.played("a");
        const moved = watch.abandoned(["x"]);
        return {kept, moved, again: watch.abandoned([]), pending: watch.pending};""",
    )
    assert got == {
        "kept": [],
        "moved": [{"songId": "b", "savedBytes": 2_800_000}, {"songId": "c", "savedBytes": 0}],
        "again": [],
        "pending": [],
    }


OPEN = f"""
let now = {NOON};
const ledger = await m.UsageLedger.open({{ clock: () => now }});
"""


def test_bytes_are_counted_per_day_and_network_and_kept(js: JsRunner) -> None:
    days = js(
        "usage-ledger.js",
        OPEN
        + f"""
        ledger.received(1000, "wifi");
        ledger.received(234, "wifi");
        ledger.received(500, "cellular");
        ledger.received(7, null);
        ledger.received(0, "wifi");
        now -= {DAY_MS};
        ledger.received(42, "ethernet");
        now += {DAY_MS};
        await ledger.flush();
        ledger.close();
        // Another ledger on the same database: what was written is there.
        const again = await m.UsageLedger.open({{ clock: () => now }});
        return again.days(3);""",
    )
    assert [d["day"] for d in days] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert [d["receivedBytes"] for d in days] == [
        {"wifi": 0, "cellular": 0, "unknown": 0},
        {"wifi": 42, "cellular": 0, "unknown": 0},
        {"wifi": 1234, "cellular": 500, "unknown": 7},
    ]
    assert [d["totalReceivedBytes"] for d in days] == [0, 42, 1741]


def test_what_is_counted_shows_without_an_explicit_flush(js: JsRunner) -> None:
    got = js(
        "usage-ledger.js",
        OPEN
        + """
        ledger.received(10, "wifi");
        const shown = (await ledger.days(1))[0].receivedBytes.wifi;  // days() flushes
        ledger.received(5, "wifi");
        await new Promise((resolve) => setTimeout(resolve, m.FLUSH_DELAY_MS + 300));
        const other = await m.UsageLedger.open({ clock: () => now });
        return [shown, (await other.days(1))[0].receivedBytes.wifi];""",
    )
    assert got == [10, 15]


def test_savings_and_tap_to_audio_per_day(js: JsRunner) -> None:
    days = js(
        "usage-ledger.js",
        OPEN
        + f"""
        ledger.servedFromCache(3_000_000);
        ledger.servedFromCache(2_000_000);
        ledger.prefetchUnplayed(700_000);
        ledger.prefetchUnplayed(0);
        for (const ms of [120, 80, 400, 95.6]) ledger.tapToAudio(ms, {{ origin: "api" }});
        ledger.tapToAudio(NaN);
        ledger.tapToAudio(-1);
        now -= {DAY_MS};
        ledger.tapToAudio(900);
        now += {DAY_MS};
        return ledger.days(2);""",
    )
    yesterday, today = days
    assert (today["savedCacheBytes"], today["cachePlays"]) == (5_000_000, 2)
    assert (today["savedPrefetchBytes"], today["prefetchesUnplayed"]) == (700_000, 2)
    assert today["tapToAudio"] == {"count": 4, "p50": 96, "p95": 400}  # 95.6 kept as 96
    assert yesterday["tapToAudio"] == {"count": 1, "p50": 900, "p95": 900}
    assert yesterday["savedCacheBytes"] == 0


def test_plays_older_than_90_days_are_dropped(js: JsRunner) -> None:
    got = js(
        "usage-ledger.js",
        OPEN
        + f"""
        const start = now;
        ledger.tapToAudio(111);
        ledger.received(9, "wifi");
        await ledger.flush();
        now = start + {91 * DAY_MS};
        ledger.tapToAudio(222);
        await ledger.flush();
        const db = await (await import('/js/lib/idb.js')).openDatabase("tonearm");
        const plays = await new Promise((resolve) => {{
          const request = db.transaction("usage_plays").objectStore("usage_plays").getAll();
          request.onsuccess = () => resolve(request.result.map((p) => p.tapToAudioMs));
        }});
        const day = await new Promise((resolve) => {{
          const request = db.transaction("usage_days").objectStore("usage_days").get("2026-03-10");
          request.onsuccess = () => resolve(request.result.receivedBytes.wifi);
        }});
        return {{ plays, day }};""",
    )
    # The old play is gone; the day's byte total stays.
    assert got == {"plays": [222], "day": 9}


def test_clear_forgets_everything(js: JsRunner) -> None:
    got = js(
        "usage-ledger.js",
        OPEN
        + """
        ledger.received(10, "wifi");
        ledger.tapToAudio(50);
        await ledger.flush();
        ledger.received(5, "cellular");
        await ledger.clear();
        const [today] = await ledger.days(1);
        return [today.totalReceivedBytes, today.tapToAudio.count];""",
    )
    assert got == [0, 0]
