"""The web player, measured in headless Chromium against a real `tonearm serve` on loopback.

1. Tap-to-audio (click → the audio element's `playing` event, as the player measures it for
   every play), p50/p95 over `--taps` taps each:
   - from the offline cache;
   - uncached (no offline copy, no signed URL in memory, browser HTTP cache cleared) through
     the throttling proxy at 4G (9 Mbps, 60 ms) and at 3G (1.6 Mbps, 150 ms), the network
     type injected as the browser would report it.
2. The gap between gapless tracks, measured from the audio: two songs cut from one
   continuous sine play back to back while a ScriptProcessor records the player's output;
   the longest near-silent run around the join is the gap (MP3 on Wi-Fi, Opus on 4G).
3. Data used by a simulated one-hour session of 3–4 minute songs with 30% skips on 4G
   (Opus), counted by the proxy, with the player's prefetch (only the first 30 s of the
   next song at 80%) and with a whole-song prefetch instead. Time is compressed with the
   media element's playbackRate (not seeking, which would skip bytes); the offline cache is
   off so every song is fetched.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_web_player.py [--taps N] [--rate X]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port
from tests.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    USERNAME,
    RunningTonearm,
    run_tonearm,
    stub_connection,
    wait_until,
)
from tests.web.proxy import ThrottlingProxy

from tonearm.adapters.ffmpeg import find_ffmpeg

SKIP_SHARE = 0.3
# A join counts as silent where the level stays this far below the tone's amplitude.
SILENCE_FRACTION = 0.02
NETWORKS = {
    "4G (9 Mbps, 60 ms)": ({"type": "cellular", "effectiveType": "4g", "downlink": 9}, 9000, 60),
    "3G (1.6 Mbps, 150 ms)": (
        {"type": "cellular", "effectiveType": "3g", "downlink": 1.6},
        1600,
        150,
    ),
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def build_library(root: Path, songs: int) -> Path:
    """`songs` 3–4 minute songs and two halves of one continuous sine, imported."""
    music = root / "music"
    rng = random.Random(7)
    for index in range(songs):
        make_audio_file(
            music,
            "flac",
            seconds=rng.uniform(180, 240),
            tags={"title": f"Song {index:02d}", "artists": "Bench Band", "album": "Long Play",
                  "track_number": index + 1, "genres": "Test"},
            name=f"long/{index:02d}.flac",
            frequency_hz=220 + 20 * index,
        )  # fmt: skip
    ffmpeg = find_ffmpeg(None).ffmpeg
    joined = music / "joined"
    joined.mkdir(parents=True)
    for part, start in (("Join A", 0), ("Join B", 5)):
        subprocess.run(
            [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "sine=frequency=441:sample_rate=44100:duration=10", "-af",
             f"volume=0.5,atrim=start={start}:duration=5,asetpts=PTS-STARTPTS",
             "-metadata", f"title={part}", "-metadata", "artist=Gapless",
             "-metadata", "album=Seamless", "-metadata", f"track={1 + start // 5}",
             str(joined / f"{part}.flac")],
            check=True,
        )  # fmt: skip
    data = root / "data"
    run_tonearm(data, "import", "--jobs", "1", str(music))
    run_tonearm(data, "user", "add", USERNAME, "--password", PASSWORD)
    return data


def open_player(browser, server: RunningTonearm, connection: dict) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server.url)
    stub_connection(context, **connection)
    page = context.new_page()
    page.goto(server.url + "#/songs")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector("li.song")
    return page


def tap(page: Page, title: str) -> dict:  # type: ignore[type-arg]
    before = page.evaluate("() => tonearm.player.plays.length")
    page.locator("li.song", has_text=title).locator("button.song-main").click()
    wait_until(page, f"() => tonearm.player.plays.length > {before}", timeout_ms=30_000)
    play = page.evaluate("() => tonearm.player.plays.at(-1)")
    page.evaluate("() => tonearm.engine.pause()")
    return play  # type: ignore[no-any-return]


def forget_everything(page: Page) -> None:
    """No offline copy, no signed URL in memory, nothing prefetched, no HTTP cache."""
    page.evaluate(
        """async () => {
          for (const e of await tonearm.cache.list()) await tonearm.cache.remove(e.songId);
          tonearm.source.urls.clear();
          tonearm.source.prefetched.clear();
        }"""
    )
    page.context.new_cdp_session(page).send("Network.clearBrowserCache")


def bench_tap_to_audio(browser, server: RunningTonearm, taps: int) -> None:  # type: ignore[no-untyped-def]
    titles = sorted(t for t in server.songs if t.startswith("Song"))
    page = open_player(browser, server, {"type": "wifi", "downlink": 50})
    tap(page, titles[0])
    # The player reads only a minute ahead: play the song through (fast) so it is kept.
    page.evaluate("() => { tonearm.engine.audio.playbackRate = 16; tonearm.engine.resume(); }")
    wait_until(
        page,
        f"async () => (await tonearm.cache.entry('{server.songs[titles[0]]['id']}'))?.partial === false",
        60_000,
    )
    cached = [tap(page, titles[0]) for _ in range(taps)]
    assert all(p["origin"] == "cache" for p in cached)
    figures = [p["tapToAudioMs"] for p in cached]
    print(
        f"tap-to-audio, offline cache: p50 {percentile(figures, 0.5):.0f} ms, p95 {percentile(figures, 0.95):.0f} ms (n={taps})"
    )
    page.context.close()
    for name, (connection, kbps, latency) in NETWORKS.items():
        page = open_player(browser, server, connection)
        server.proxy.shape(kbps, latency)
        figures = []
        qualities = set()
        try:
            for i in range(taps):
                forget_everything(page)
                play = tap(page, titles[i % len(titles)])
                assert play["origin"] == "api", play
                figures.append(play["tapToAudioMs"])
                qualities.add(play["quality"])
        finally:
            server.proxy.shape(None)
            page.context.close()
        print(
            f"tap-to-audio, uncached, {name}: p50 {percentile(figures, 0.5):.0f} ms, "
            f"p95 {percentile(figures, 0.95):.0f} ms (n={taps}, quality {', '.join(sorted(qualities))})"
        )


RECORDER = """() => {
  const engine = tonearm.engine;
  const context = engine.context;
  const recorder = context.createScriptProcessor(4096, 1, 1);
  window.__recorded = [];
  window.__recording = false;
  recorder.onaudioprocess = (event) => {
    if (window.__recording) window.__recorded.push(Array.from(event.inputBuffer.getChannelData(0)));
    event.outputBuffer.getChannelData(0).fill(0);
  };
  engine.master.connect(recorder);
  recorder.connect(context.destination);
  window.__recorder = recorder;
  return context.sampleRate;
}"""


def bench_gap(browser, server: RunningTonearm) -> None:  # type: ignore[no-untyped-def]
    for label, connection in (("MP3 (Wi-Fi, high)", {"type": "wifi", "downlink": 50}),
                              ("Opus (4G, efficient)", {"type": "cellular", "effectiveType": "4g", "downlink": 9})):  # fmt: skip
        page = open_player(browser, server, connection)
        pair = [server.songs["Join A"], server.songs["Join B"]]
        page.evaluate("(songs) => { tonearm.player.playList(songs, 0); }", pair)
        wait_until(page, "() => tonearm.player.plays.length > 0", 30_000)
        sample_rate = page.evaluate(RECORDER)
        schedule = wait_until(
            page,
            "() => tonearm.engine.lastSchedule && tonearm.engine.lastSchedule.window && tonearm.engine.lastSchedule",
            30_000,
        )
        join_at = schedule["start"]
        wait_until(page, f"() => tonearm.engine.audio.currentTime > {join_at} - 1.0", 30_000)
        page.evaluate("() => { window.__recording = true; }")
        wait_until(page, f"() => tonearm.engine.audio.currentTime > {join_at} + 1.0", 30_000)
        page.evaluate("() => { window.__recording = false; }")
        samples = [x for block in page.evaluate("() => window.__recorded") for x in block]
        page.context.close()
        amplitude = max(abs(x) for x in samples) or 1.0
        quiet = [abs(x) < amplitude * SILENCE_FRACTION for x in samples]
        longest = run = 0
        for is_quiet in quiet:
            run = run + 1 if is_quiet else 0
            longest = max(longest, run)
        print(f"gapless join, {label}: longest silence {longest / sample_rate * 1000:.2f} ms "
              f"({longest} samples at {sample_rate} Hz; {len(samples) / sample_rate:.1f} s recorded around the join)")  # fmt: skip


def bench_session_data(
    browser, server: RunningTonearm, rate: float, minutes: float, whole_song_prefetch: bool
) -> tuple[float, float, int, int]:  # type: ignore[no-untyped-def]
    titles = sorted(t for t in server.songs if t.startswith("Song"))
    page = open_player(browser, server, {"type": "cellular", "effectiveType": "4g", "downlink": 9})
    # Every song from the network: the cache would hide the rule being measured.
    page.evaluate("() => { tonearm.player.cache = null; tonearm.source.cache = null; }")
    if whole_song_prefetch:
        page.evaluate(
            """() => {
              const source = tonearm.source;
              source.prefetch = async (song, quality) => {
                if (source.prefetched.has(song.id)) return false;
                const ticket = await source.ticket(song.id, quality);
                const parts = [];
                for await (const chunk of source.download(ticket.url, 0, undefined, 'prefetch')) parts.push(chunk);
                const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
                let at = 0;
                for (const p of parts) { bytes.set(p, at); at += p.length; }
                source.prefetched.set(song.id, {quality: ticket.quality, codec: ticket.codec, bitrate: ticket.bitrate, size: ticket.size, bytes});
                return true;
              };
            }"""
        )
    server.proxy.shape(9000, 60)
    server.proxy.clear()
    rng = random.Random(11)
    order = [titles[i % len(titles)] for i in range(40)]
    songs = [server.songs[t] for t in order]
    page.evaluate("(songs) => { tonearm.player.playList(songs, 0); }", songs)
    listened = 0.0
    played = skipped = 0
    started = time.monotonic()
    try:
        while listened < minutes * 60:
            wait_until(page, f"() => tonearm.player.plays.length > {played}", 60_000)
            played += 1
            page.evaluate(f"() => {{ tonearm.engine.audio.playbackRate = {rate}; }}")
            current = page.evaluate(
                "() => ({id: tonearm.engine.current.song.id, d: tonearm.engine.current.durationSeconds})"
            )
            if rng.random() < SKIP_SHARE:
                leave_at = rng.uniform(5, 28)
                wait_until(page, f"() => tonearm.engine.position >= {leave_at}", 120_000)
                listened += leave_at
                skipped += 1
                page.evaluate("() => tonearm.player.next()")
            else:
                wait_until(
                    page,
                    f"() => !tonearm.engine.current || tonearm.engine.current.song.id !== '{current['id']}'"
                    " || tonearm.engine.audio.ended",
                    600_000,
                )
                listened += current["d"]
    finally:
        server.proxy.shape(None)
    page.evaluate("() => tonearm.engine.pause()")
    media_bytes = server.proxy.bytes_for("/api/media/")
    page.context.close()
    hours = listened / 3600
    return media_bytes / 1e6 / hours, time.monotonic() - started, played, skipped


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taps", type=int, default=20, help="taps per condition")
    parser.add_argument("--songs", type=int, default=8, help="3–4 minute songs in the library")
    parser.add_argument("--rate", type=float, default=16.0, help="playbackRate of the data session")
    parser.add_argument("--minutes", type=float, default=60.0, help="listening time simulated")
    parser.add_argument(
        "--library", type=Path, help="keep the generated library here and reuse it next time"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to leave out: taps, gap, data"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    root = args.library or Path(tempfile.mkdtemp(prefix="tonearm-bench-web-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        began = time.monotonic()
        if (root / "data" / "tonearm.db").exists():
            data = root / "data"
            print(f"library: reused from {root}")
        else:
            data = build_library(root, args.songs)
            print(
                f"library: {args.songs} songs of 3–4 min + a split sine, imported in {time.monotonic() - began:.0f} s"
            )
        port = free_port()
        proxy = ThrottlingProxy(port).start()
        server = RunningTonearm(data, port, proxy, root / "tonearm.log")
        server.start()
        with server.api() as client:
            server.songs = {
                s["title"]: s
                for s in client.get("/api/songs", params={"limit": 100}).json()["items"]
            }
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                if "taps" not in skip:
                    bench_tap_to_audio(browser, server, args.taps)
                if "gap" not in skip:
                    bench_gap(browser, server)
                for whole in () if "data" in skip else (False, True):
                    mb_per_hour, wall, played, skipped = bench_session_data(
                        browser, server, args.rate, args.minutes, whole
                    )
                    rule = (
                        "whole next song prefetched at 80%"
                        if whole
                        else "prefetch only the first 30 s (the player's rule)"
                    )
                    print(f"data per listening hour, 4G (Opus), {rule}: {mb_per_hour:.1f} MB "
                          f"({played} songs started, {skipped} skipped; {wall:.0f} s wall at {args.rate}x)")  # fmt: skip
                browser.close()
        finally:
            server.stop()
            proxy.stop()
    finally:
        if args.library is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
