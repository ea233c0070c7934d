"""The Songs view with 10,000 songs: time to draw, and scroll frame times, before and after
windowed rows (issue 19, "Scale").

Both lists run in headless Chromium on the same page, from a static copy of the web app:
  * before: ui/song-list.js of `--base` (default: the merge base with main), app.css only —
    every row in the document. The old view drew 200 rows and re-drew the whole list on each
    "More" (200 more songs): reaching 10,000 songs took 49 re-draws, the last of them all.
  * after: this checkout's windowedSongList, app.css + lists.css — rows near the screen only.
Figures, median of `--rounds`:
  * first draw: build, insert, layout and the next two frames, for the first page (200 rows
    before, 100 after) and for the whole 10,000 (before: the last "More"; after: the list
    with all of them loaded).
  * scroll: the panel scrolled 40 px a frame for 180 frames with all 10,000 loaded; the
    frame intervals' p50, p95 and max (60 Hz: 16.7 ms is smooth).
The machine is shared: compare the columns of one run, not with another run's.

Run: PYTHONPATH=.:src .venv/bin/python bench/bench_song_list.py [--rounds 3] [--base REV]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import shutil
import statistics
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "src" / "tonearm" / "web"
CHROMIUM = "/usr/bin/chromium"
SONGS = 10_000

SETUP = """async ({ module, css, count }) => {
  for (const href of css) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    const loaded = new Promise((resolve) => (link.onload = resolve));
    document.head.append(link);
    await loaded;
  }
  window.m = await import(module);
  const player = Object.assign(new EventTarget(), { song: null, playList() {} });
  window.app = Object.assign(new EventTarget(), { player, likes: new Set(), announce() {} });
  window.songs = Array.from({ length: count }, (_, i) => ({
    id: `s${i}`, title: `Song ${i} with a title of a usual length`, artists: ["Some Artist"],
    artist_ids: ["a1"], album: "An Album", album_id: "b1", duration_ms: 180000,
    has_art: false }));
  const panel = document.createElement("div");
  panel.id = "panel";
  panel.style.cssText = "height: 700px; overflow-y: auto; width: 1000px";
  document.body.replaceChildren(panel);
}"""

DRAW = """async ({ windowed, count }) => {
  const panel = document.getElementById("panel");
  panel.scrollTop = 0;
  const songs = window.songs.slice(0, count);
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await frames();
  const started = performance.now();
  const list = windowed
    ? m.windowedSongList(songs, { app, label: "Songs", more: async () => false })
    : m.songList(songs, { app, label: "Songs" });
  panel.replaceChildren(list);
  void panel.scrollHeight; // layout
  await frames();
  return performance.now() - started;
}"""

SCROLL = """async () => {
  const panel = document.getElementById("panel");
  const gaps = [];
  let last = performance.now();
  for (let i = 0; i < 180; i++) {
    panel.scrollTop += 40;
    await new Promise((r) => requestAnimationFrame(r));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }
  return gaps;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_site(base: str) -> Iterator[str]:
    """A copy of the web app with the `base` song list beside this one, served on a port."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "web"
        shutil.copytree(WEB, root)
        before = subprocess.run(
            ["git", "show", f"{base}:src/tonearm/web/js/ui/song-list.js"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        (root / "js" / "ui" / "song-list-before.js").write_text(before)
        handler = functools.partial(_Quiet, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def measure(page: Page, url: str, windowed: bool) -> dict[str, float]:
    page.goto(url + "/index.html")
    page.evaluate("() => document.body.replaceChildren()")
    module = "/js/ui/song-list.js" if windowed else "/js/ui/song-list-before.js"
    css = ["/css/app.css", "/css/lists.css"] if windowed else ["/css/app.css"]
    page.evaluate(SETUP, {"module": module, "css": css, "count": SONGS})
    out: dict[str, float] = {}
    if windowed:
        out["first page"] = page.evaluate(DRAW, {"windowed": True, "count": 100})
    else:
        out["first page"] = page.evaluate(DRAW, {"windowed": False, "count": 200})
    out["all 10,000"] = page.evaluate(DRAW, {"windowed": windowed, "count": SONGS})
    out["rows in DOM"] = page.evaluate("() => document.querySelectorAll('li.song').length")
    gaps = sorted(page.evaluate(SCROLL)[1:])
    out["scroll p50"] = statistics.median(gaps)
    out["scroll p95"] = gaps[int(len(gaps) * 0.95) - 1]
    out["scroll max"] = gaps[-1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", default=None, help="git revision of the 'before' list")
    args = parser.parse_args()
    base = (
        args.base
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with static_site(base) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("pageerror", lambda error: print("page error:", error))
        for _ in range(args.rounds):
            results["before"].append(measure(page, url, windowed=False))
            results["after"].append(measure(page, url, windowed=True))
        browser.close()
    keys = list(dict.fromkeys(k for runs in results.values() for run in runs for k in run))
    print(
        f"Songs view, {SONGS:,} songs, median of {args.rounds} (ms; rows: count); before = {base[:10]}"
    )
    print(f"{'':<16}{'before':>12}{'after':>12}")
    for key in keys:
        cells = []
        for name in ("before", "after"):
            values = [run[key] for run in results[name] if key in run]
            cells.append(f"{statistics.median(values):>12.1f}" if values else f"{'—':>12}")
        print(f"{key:<16}{''.join(cells)}")


if __name__ == "__main__":
    main()
