"""prefetch.js: which songs come next, when to prefetch, and how many bytes make ~30 s."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest

from .conftest import MEDIA_PREFIX, JsRunner

NEXT = "return m.nextSongs(arg.queue, arg.index, arg.options);"
QUEUE = ["a", "b", "c", "d", "e"]


def next_songs(
    pure_js: JsRunner, queue: Sequence[object], index: int, **options: object
) -> list[str]:
    return list(pure_js("prefetch.js", NEXT, {"queue": queue, "index": index, "options": options}))


def test_next_three_of_the_queue(pure_js: JsRunner) -> None:
    assert next_songs(pure_js, QUEUE, 0) == ["b", "c", "d"]
    assert next_songs(pure_js, QUEUE, 1, count=2) == ["c", "d"]
    assert next_songs(pure_js, QUEUE, -1) == ["a", "b", "c"]  # nothing playing yet


def test_stops_at_the_end_without_repeat(pure_js: JsRunner) -> None:
    assert next_songs(pure_js, QUEUE, 3) == ["e"]
    assert next_songs(pure_js, QUEUE, 4) == []
    assert next_songs(pure_js, QUEUE, 4, repeat="one") == []  # repeat one: a skip moves on
    assert next_songs(pure_js, [], 0) == []


def test_repeat_all_wraps_to_the_start(pure_js: JsRunner) -> None:
    assert next_songs(pure_js, QUEUE, 3, repeat="all") == ["e", "a", "b"]
    assert next_songs(pure_js, QUEUE, 4, repeat=True) == ["a", "b", "c"]
    # A queue shorter than the count: each other song once, never the current one.
    assert next_songs(pure_js, ["a", "b"], 1, repeat="all") == ["a"]
    assert next_songs(pure_js, ["a"], 0, repeat="all") == []


def test_repeated_ids_are_predicted_once(pure_js: JsRunner) -> None:
    assert next_songs(pure_js, ["a", "b", "a", "b", "c", "d"], 0) == ["b", "c", "d"]


def test_queue_items_may_be_song_objects(pure_js: JsRunner) -> None:
    queue = [{"id": "a", "title": "A"}, {"id": "b"}, {"id": "c"}]
    assert next_songs(pure_js, queue, 0) == ["b", "c"]


@pytest.mark.parametrize(
    ("kbps", "expected"),
    [
        (128, 128_000 // 8 * 30 * 11 // 10 + 8192),  # 528,000 + 8 KiB
        (320, 320_000 // 8 * 30 * 11 // 10 + 8192),
        (64, 64_000 // 8 * 30 * 11 // 10 + 8192),
        (96, 96_000 // 8 * 30 * 11 // 10 + 8192),
    ],
)
def test_range_bytes_from_the_bitrate(pure_js: JsRunner, kbps: int, expected: int) -> None:
    assert pure_js("prefetch.js", "return m.prefetchRangeBytes(arg);", kbps) == expected
    header = pure_js("prefetch.js", "return m.prefetchRangeHeader(arg);", kbps)
    assert header == f"bytes=0-{expected - 1}"


def test_range_bytes_for_other_lengths_and_bad_input(pure_js: JsRunner) -> None:
    assert pure_js("prefetch.js", "return m.prefetchRangeBytes(128, 10);") == 176_000 + 8192
    body = "try { m.prefetchRangeBytes(arg, 30); return 'no error'; } catch (e) { return e.name; }"
    for bad in (0, -1, None):
        assert pure_js("prefetch.js", body, bad) == "RangeError"


@pytest.mark.parametrize(
    ("name", "quality"),
    [
        ("high.mp3", "high"),
        ("medium.mp3", "medium"),
        ("low.mp3", "low"),
        ("efficient.webm", "efficient"),
    ],
)
def test_the_range_holds_at_least_30_s_of_each_real_rendition_and_not_much_more(
    pure_js: JsRunner, renditions: dict[str, Path], name: str, quality: str
) -> None:
    """Cut tonearm's own rendition where the Range would end and let Chromium decode it."""
    body = """
      const {QUALITIES} = await import('/js/lib/quality.js');
      const size = m.prefetchRangeBytes(QUALITIES[arg.quality].bitrateKbps);
      const bytes = await (await fetch(arg.url)).arrayBuffer();
      const ctx = new OfflineAudioContext(1, 1, 48000);
      const audio = await ctx.decodeAudioData(bytes.slice(0, size));
      return {size, seconds: audio.duration, total: bytes.byteLength};
    """
    result = pure_js("prefetch.js", body, {"url": MEDIA_PREFIX + name, "quality": quality})
    assert result["size"] < result["total"]  # a real cut, not the whole file
    assert 30 <= result["seconds"] <= 30 * 1.25


PREFETCH = "return m.shouldPrefetch(arg);"


@pytest.mark.parametrize(
    ("position", "duration", "expected"),
    [
        (0, 200, False),
        (159.9, 200, False),
        (160, 200, True),  # 80%
        (199, 200, True),
        (2.4, 3, True),  # 80% despite 0.8 × 3 = 2.4000000000000004
        (2.39, 3, False),
        (100, 0, False),  # duration unknown
        (100, None, False),
    ],
)
def test_prefetch_from_80_percent(
    pure_js: JsRunner, position: float, duration: float | None, expected: bool
) -> None:
    state = {"positionSeconds": position, "durationSeconds": duration}
    assert pure_js("prefetch.js", PREFETCH, state) is expected


def test_never_on_a_metered_connection_and_only_once(pure_js: JsRunner) -> None:
    base = {"positionSeconds": 190, "durationSeconds": 200}
    assert pure_js("prefetch.js", PREFETCH, base | {"metered": False}) is True
    assert pure_js("prefetch.js", PREFETCH, base | {"metered": True}) is False
    assert pure_js("prefetch.js", PREFETCH, base | {"alreadyPrefetched": True}) is False


def test_infinite_duration_of_a_live_stream_never_prefetches(pure_js: JsRunner) -> None:
    body = "return m.shouldPrefetch({positionSeconds: 1e9, durationSeconds: Infinity});"
    assert pure_js("prefetch.js", body) is False


WINDOWS = "return m.rangeWindows(arg);"


def test_windows_start_at_the_skip_horizon_and_grow(pure_js: JsRunner) -> None:
    # 300 s at 128 kbps (16,000 bytes a second): 30 s (with the prefetch's margins), then 60,
    # then 120 s, which takes the rest too (shorter than the 240 s window that would follow).
    size = 16_000 * 300
    windows = pure_js("prefetch.js", WINDOWS, {"sizeBytes": size, "bitrateKbps": 128})
    first = 128_000 // 8 * 30 * 11 // 10 + 8192  # the same bytes as a prefetch
    second = 16_000 * 60 * 11 // 10
    assert windows == [
        {"start": 0, "end": first - 1},
        {"start": first, "end": first + second - 1},
        {"start": first + second, "end": size - 1},
    ]


def test_windows_after_a_prefetched_beginning_and_at_most_four_minutes(
    pure_js: JsRunner,
) -> None:
    size = 16_000 * 900  # 15 minutes
    plan = {"sizeBytes": size, "bitrateKbps": 128, "startByte": 500_000, "firstWindow": 1}
    windows = pure_js("prefetch.js", WINDOWS, plan)
    assert windows[0]["start"] == 500_000
    sizes = [w["end"] - w["start"] + 1 for w in windows]
    assert sizes[:3] == [16_000 * seconds * 11 // 10 for seconds in (60, 120, 240)]
    assert windows[-1]["end"] == size - 1
    assert all(b["start"] == a["end"] + 1 for a, b in itertools.pairwise(windows))
    # The rest (less than another four minutes) joined the last window.
    assert len(windows) == 4 and sizes[3] < 2 * 16_000 * 240 * 11 // 10
    # Nor does the second (asked for just before the skip horizon): 200 s is 30 + 60 + 110.
    song = pure_js("prefetch.js", WINDOWS, {"sizeBytes": 16_000 * 200, "bitrateKbps": 128})
    assert [w["end"] - w["start"] + 1 for w in song][1] == 16_000 * 60 * 11 // 10
    assert len(song) == 3 and song[-1]["end"] == 16_000 * 200 - 1
    # The first window never takes the rest: it is the skip horizon.
    short = pure_js("prefetch.js", WINDOWS, {"sizeBytes": 16_000 * 40, "bitrateKbps": 128})
    assert len(short) == 2 and short[0]["end"] == 128_000 // 8 * 30 * 11 // 10 + 8192 - 1
    # A file smaller than the first window: one range, the whole file.
    small = pure_js("prefetch.js", WINDOWS, {"sizeBytes": 1000, "bitrateKbps": 128})
    assert small == [{"start": 0, "end": 999}]
    body = "try { m.rangeWindows(arg); return 'no error'; } catch (e) { return e.name; }"
    assert pure_js("prefetch.js", body, {"sizeBytes": 0, "bitrateKbps": 128}) == "RangeError"


@pytest.mark.parametrize(
    ("window_bytes", "kbps", "expected"),
    [
        (800_000, None, 15),  # nothing measured yet: ask early
        (800_000, 9000, 4),  # 4G: 0.5 + 0.71 s, three times over, is below the floor
        (800_000, 1600, 3 * (0.5 + 4.0)),  # 3G: 13.5 s
        (2_640_000, 1600, 15),  # a large window on 3G: capped
    ],
)
def test_the_next_window_is_asked_for_when_the_buffer_runs_low(
    pure_js: JsRunner, window_bytes: int, kbps: int | None, expected: float
) -> None:
    state = {"windowBytes": window_bytes, "throughputKbps": kbps}
    assert pure_js("prefetch.js", "return m.lowWaterSeconds(arg);", state) == pytest.approx(
        expected
    )


def test_windows_are_sized_from_the_average_bitrate_when_it_is_higher(pure_js: JsRunner) -> None:
    body = "return m.effectiveKbps(arg);"
    # 96 kbps nominal Opus that averages 106 kbps over the song.
    vbr = {"bitrateKbps": 96, "sizeBytes": 106_000 // 8 * 200, "durationSeconds": 200}
    assert pure_js("prefetch.js", body, vbr) == pytest.approx(106)
    assert pure_js("prefetch.js", body, vbr | {"bitrateKbps": 320}) == 320
    assert pure_js("prefetch.js", body, {"bitrateKbps": None, "sizeBytes": 0}) is None
