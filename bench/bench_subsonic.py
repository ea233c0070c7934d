"""Subsonic API latency through py-sonic: tonearm beside supysonic, on one library, in one run.

The library: ../shared/peers/make_library.py, `--songs` short tracks (5-10 s; every 20th a
FLAC, the rest MP3 128k; ~songs/10 albums with a cover.jpg, ~songs/30 artists), made once
into /tmp/tonearm-bench/subsonic-lib-<N> and reused. Both servers read it in place:

  tonearm    `tonearm scan` (TONEARM_MUSIC_FOLDERS = the library) and `tonearm enrich`
             (cover art; no renditions), then `tonearm serve` on 127.0.0.1 (embedded defaults: SQLite, in-process cache
             and jobs), every rate limit raised through the settings. The first full scan is
             slow, so its data directory is kept in
             /tmp/tonearm-bench/subsonic-tonearm-<N>; each run copies it (objects hard-linked)
             and runs `tonearm scan` again on the copy, which finds every file unchanged
             (`--fresh-scan` rebuilds the kept one).
  supysonic  ../shared/peers/run_supysonic.sh: its own scan, waitress on 127.0.0.1.

The client is py-sonic (`libsonic.Connection`, POST, a new connection per call, JSON), the
same for both servers, signing in with `p=enc:` (supysonic refuses token auth). The same work
items for both: 10 albums picked from the manifest (seeded), their artists, the first MP3 of
each, found by name through getArtists → getArtist → getAlbum before timing starts; the same
search queries, chosen from the manifest's words. Each call type is measured on its own:
`--warmup` untimed rounds, then `--iterations` rounds in which the two servers alternate
(which one goes first flips every round), cycling through the 10 items. A timing is the
client's: from sending the request to the parsed answer (for stream, to the first 64 KiB or
to the whole body). Calls a server does not answer show as "n/a (error N)".

Printed: p50 and p95 per call (ms), the ratio supysonic p50 / tonearm p50, the entities each
answer held (dicts with an id; bytes for media) so unequal work is visible, and the targets
of issue 6: faster than supysonic on every call, at least 2× at p50 on browsing and search.
Then the SQL statements each call sends in tonearm (tests/statements.py: the same calls,
in-process on the same data directory, each counted the second time it is made).
Client and servers share the machine's 2 cores: the ratios from one run are what counts.

Run: PYTHONPATH=.:src .venv/bin/python bench/bench_subsonic.py [--songs N] [--iterations N]
     [--warmup N] [--only tonearm] [--keep] [--fresh-scan]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import libsonic
from bench_streaming import (
    PEERS,
    PEERS_VENV,
    TONEARM,
    percentile,
    running_supysonic,
    running_tonearm,
    tonearm_environment,
)
from libsonic import errors as sonic_errors
from tests.statements import count_statements

import tonearm
from tonearm.app import attach_runtime, create_app, open_runtime
from tonearm.settings import Settings

BENCH_ROOT = Path("/tmp/tonearm-bench")
SOURCE_ROOT = Path(tonearm.__file__).parents[1]
MIGRATIONS = SOURCE_ROOT / "tonearm" / "adapters" / "db" / "migrations" / "versions"
LIBRARY_SEED = 1
PICK_SEED = 6
ITEMS = 10  # albums (with their artist and first MP3) cycled through by the per-id calls
PREFIX_BYTES = 64 * 1024
LIST_SIZE = 20  # getAlbumList2 and getRandomSongs
USER, PASSWORD = "bench", "bench password 1"
# No pre-encoded renditions: they are ~2/3 of the scan's CPU, and without them both servers
# stream the same original bytes. Cover art is still made.
RENDITIONS = ""
TONEARM_NAME, SUPYSONIC_NAME = "tonearm", "supysonic"
BROWSE, SEARCH, OTHER = "browse", "search", "other"
# Issue 6's targets: every call faster, browsing and search at least 2× at p50.
TARGET_RATIO = {BROWSE: 2.0, SEARCH: 2.0, OTHER: 1.0}
ERROR_CODES = {
    sonic_errors.ParameterError: "10",
    sonic_errors.VersionError: "20/30",
    sonic_errors.CredentialError: "40",
    sonic_errors.AuthError: "50",
    sonic_errors.LicenseError: "60",
    sonic_errors.DataNotFoundError: "70",
}


# The library and the work items


def ensure_library(songs: int) -> tuple[Path, dict[str, Any]]:
    """The generated library (make_library.py reuses an identical one) and its manifest."""
    library = BENCH_ROOT / f"subsonic-lib-{songs}"
    subprocess.run(
        [
            sys.executable, str(PEERS / "make_library.py"), str(library), "-n", str(songs),
            "--min-dur", "5", "--max-dur", "10", "--seed", str(LIBRARY_SEED), "-j", "1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    manifest = json.loads((library / ".manifest.json").read_text())
    return library, manifest


@dataclass(frozen=True)
class Pick:
    """One work item, by name: an album, its artist and its first MP3's title."""

    artist: str
    album: str
    song: str


def pick_items(manifest: dict[str, Any]) -> list[Pick]:
    """ITEMS albums with an MP3 (seeded), by their names."""
    first_mp3: dict[tuple[str, str], str] = {}
    for track in manifest["tracks"]:
        if track["format"] == "mp3":
            first_mp3.setdefault((track["album_artist"], track["album"]), track["title"])
    albums = [a for a in manifest["albums"] if (a["artist"], a["name"]) in first_mp3]
    chosen = random.Random(PICK_SEED).sample(albums, min(ITEMS, len(albums)))
    return [Pick(a["artist"], a["name"], first_mp3[(a["artist"], a["name"])]) for a in chosen]


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text) if w.isascii() and w.isalpha() and len(w) >= 3]


def search_queries(manifest: dict[str, Any]) -> dict[str, str]:
    """The five search3 queries, by kind, from the manifest's words (ASCII only)."""
    titles = Counter(w for t in manifest["tracks"] for w in _words(t["title"]))
    albums = Counter(w for a in manifest["albums"] for w in _words(a["name"]))
    artists = Counter(w for a in manifest["artists"] for w in _words(a))
    everywhere = titles + albums + artists

    def median_word(counts: Counter[str], allowed: Callable[[str], bool]) -> str:
        ranked = sorted((n, w) for w, n in counts.items() if allowed(w))
        return ranked[len(ranked) // 2][1]

    title_word = median_word(titles, lambda w: w not in artists)
    return {
        "title word": title_word,
        "artist word": median_word(artists, lambda w: w not in titles and w not in albums),
        "common word": max(sorted(everywhere), key=lambda w: everywhere[w]),
        "rare word": min(sorted(titles), key=lambda w: everywhere[w]),
        "prefix": title_word[:3].lower(),
    }


# tonearm's data directory


def _scan_key() -> str:
    """What a kept scan depends on: the schema (migration files) and the renditions made."""
    migrations = ",".join(sorted(p.name for p in MIGRATIONS.glob("*.py")))
    return f"renditions={RENDITIONS!r} migrations={migrations}"


def tonearm_env(data_dir: Path, library: Path) -> dict[str, str]:
    """Environment of a `tonearm` command or server on `data_dir` (this checkout's code)."""
    settings = Settings(data_dir=data_dir, music_folders=[library])
    return tonearm_environment(settings, TONEARM_RENDITIONS=RENDITIONS)


def run_tonearm_command(env: dict[str, str], *args: str, nice: bool = False) -> float:
    """One `tonearm` command; its wall seconds. Exits on failure."""
    started = time.perf_counter()
    command = [str(TONEARM), *args]
    if nice:
        command = ["nice", "-n", "10", *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"tonearm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def prepare_tonearm(library: Path, work: Path, fresh: bool) -> tuple[dict[str, str], str]:
    """A scanned data directory in `work` with the bench user: its environment, and a note.

    The kept scan is resumed if an earlier run was interrupted, rebuilt if its key changed.
    """
    kept = BENCH_ROOT / f"subsonic-tonearm-{library.name.removeprefix('subsonic-lib-')}"
    note = ""
    if fresh or not (kept / ".key").exists() or (kept / ".key").read_text() != _scan_key():
        shutil.rmtree(kept, ignore_errors=True)
        run_tonearm_command(tonearm_env(kept, library), "user", "add", USER, "--password", PASSWORD)
        (kept / ".key").write_text(_scan_key())
    if not (kept / ".complete").exists():
        print(f"tonearm: full scan of {library} into {kept} (kept for later runs) ...", flush=True)
        # One import job: two at once can each create the same new artist or album (the
        # ingest looks a name up, then inserts, and nothing unique stops the second insert),
        # which splits albums and would give the two servers different work.
        env = tonearm_env(kept, library) | {"TONEARM_IMPORT_JOBS": "1"}
        seconds = run_tonearm_command(env, "scan", nice=True)
        (kept / ".complete").write_text("")
        note = f"full scan {seconds:.0f} s (1 import job, nice 10); "
    if not (kept / ".enriched").exists():
        # Once, in the foreground and not niced: cover art comes from enrichment, and the
        # server's background enrichment of a fresh copy may not be done when getCoverArt is
        # measured (then it answers "not found" and the row is lost).
        seconds = run_tonearm_command(tonearm_env(kept, library), "enrich")
        (kept / ".enriched").write_text("")
        note += f"enriched once in {seconds:.0f} s; "

    def copy_or_link(source: str, target: str) -> object:
        # Stored objects are never rewritten in place: links are safe, and cheap.
        if "/objects/" in source:
            os.link(source, target)
            return target
        return shutil.copy2(source, target)

    data_dir = work / "tonearm"
    shutil.copytree(kept, data_dir, copy_function=copy_or_link)
    env = tonearm_env(data_dir, library)
    seconds = run_tonearm_command(env, "scan")
    return env, f"{note}`tonearm scan` on a copy of {kept}: {seconds:.1f} s"


# Calls


class CallFailed(Exception):
    """A call answered with an error: which row, and what."""

    def __init__(self, row: str, short: str, detail: str = "") -> None:
        super().__init__(f"{row}: {short}{': ' if detail else ''}{detail}")
        self.row = row
        self.short = short  # what the table shows: "error 0", "HTTP 500"
        self.detail = detail


def as_list(value: Any) -> list[Any]:
    """py-sonic hands back a dict where a list held one item, and nothing for none."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


ENTITY_KEYS = frozenset({"artist", "album", "song", "entry", "playlist"})


def count_entities(value: Any, key: str = "") -> int:
    """Artists, albums, songs and playlists in an answer (not a song's own `artists` list)."""
    if isinstance(value, dict):
        own = int(key in ENTITY_KEYS and "id" in value)
        return own + sum(count_entities(v, k) for k, v in value.items())
    if isinstance(value, list):
        return sum(count_entities(v, key) for v in value)
    return 0


@dataclass
class Target:
    """One server under test, and what was measured on it."""

    name: str
    conn: libsonic.Connection
    artist_ids: list[str] = field(default_factory=list)
    album_ids: list[str] = field(default_factory=list)
    song_ids: list[str] = field(default_factory=list)
    cover_ids: list[str] = field(default_factory=list)
    missing_ids: str = ""  # why the work items could not be found
    times: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, CallFailed] = field(default_factory=dict)
    recording: bool = False

    def call(
        self, row: str, send: Callable[[], Any], size: Callable[[Any], str] | None = None
    ) -> Any:
        """Send one call, timed; record it when recording. Raises CallFailed."""
        started = time.perf_counter()
        try:
            result = send()
        except sonic_errors.SonicError as error:
            code = ERROR_CODES.get(type(error), "0")
            raise CallFailed(row, f"error {code}", str(error)) from None
        except urllib.error.HTTPError as error:
            raise CallFailed(row, f"HTTP {error.code}", error.reason) from None
        elapsed = time.perf_counter() - started
        if self.recording:
            self.times.setdefault(row, []).append(elapsed)
            if row not in self.sizes:
                self.sizes[row] = size(result) if size else str(count_entities(result))
        return result


def read_prefix(response: Any) -> bytes:
    """The first 64 KiB of a media answer, then hang up."""
    try:
        return bytes(response.read(PREFIX_BYTES))
    finally:
        response.close()


def read_whole(response: Any) -> bytes:
    """The whole body of a media answer."""
    try:
        return bytes(response.read())
    finally:
        response.close()


def media_size(body: bytes) -> str:
    return f"{len(body):,} B"


def discover(target: Target, picks: list[Pick]) -> None:
    """The ids of the picked artists, albums, MP3s and covers on this server, by name."""
    conn = target.conn
    try:
        indexes = as_list(conn.getArtists()["artists"].get("index"))
        artists = {a["name"]: a["id"] for i in indexes for a in as_list(i.get("artist"))}
        for pick in picks:
            if pick.artist not in artists:
                raise CallFailed("getArtists", "not found", f"artist {pick.artist!r}")
            artist_id = artists[pick.artist]
            albums = as_list(conn.getArtist(artist_id)["artist"].get("album"))
            album = next((a for a in albums if a["name"] == pick.album), None)
            if album is None:
                raise CallFailed("getArtist", "not found", f"album {pick.album!r}")
            songs = as_list(conn.getAlbum(album["id"])["album"].get("song"))
            song = next((s for s in songs if s["title"] == pick.song), None)
            if song is None:
                titles = [s.get("title") for s in songs]
                raise CallFailed("getAlbum", "not found", f"song {pick.song!r} in {titles}")
            target.artist_ids.append(artist_id)
            target.album_ids.append(album["id"])
            target.song_ids.append(song["id"])
            target.cover_ids.append(album.get("coverArt") or song.get("coverArt") or album["id"])
    except CallFailed as failed:
        target.missing_ids = str(failed)
    except (sonic_errors.SonicError, urllib.error.HTTPError, KeyError) as error:
        target.missing_ids = f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Scenario:
    """Calls measured together: one row each, in one group for the targets."""

    rows: tuple[str, ...]
    group: str
    run: Callable[[Target, int], None]
    needs_ids: bool = True


def ping(target: Target, _: int) -> None:
    def send() -> bool:
        if not target.conn.ping():  # py-sonic's ping swallows every error
            raise sonic_errors.SonicError("ping failed")
        return True

    target.call("ping", send, lambda _: "-")


def playlist_round(target: Target, i: int) -> None:
    conn, name = target.conn, f"bench playlist {i}"
    songs = target.song_ids[:5]
    created = target.call("createPlaylist", lambda: conn.createPlaylist(name=name, songIds=songs))
    playlist = created.get("playlist")
    if playlist is None:  # Subsonic before 1.14 (supysonic) answers nothing: find it by name
        found = as_list(conn.getPlaylists().get("playlists", {}).get("playlist"))
        playlist = next(p for p in found if p["name"] == name)
    target.call("getPlaylist", lambda: conn.getPlaylist(playlist["id"]))
    target.call("deletePlaylist", lambda: conn.deletePlaylist(playlist["id"]))


def star_round(target: Target, i: int) -> None:
    conn, song = target.conn, target.song_ids[i % len(target.song_ids)]
    target.call("star", lambda: conn.star(sids=[song]))
    target.call("getStarred2", lambda: conn.getStarred2())
    target.call("unstar", lambda: conn.unstar(sids=[song]))


def scenarios(queries: dict[str, str]) -> list[Scenario]:
    """Every measured call, in the order of the table."""

    def item(name: str) -> Callable[[Target, int], str]:
        def nth(target: Target, i: int) -> str:
            ids: list[str] = getattr(target, name)
            return ids[i % len(ids)]

        return nth

    artist, album, song, cover = (
        item("artist_ids"),
        item("album_ids"),
        item("song_ids"),
        item("cover_ids"),
    )

    def one(row: str, group: str, send: Callable[[Target, int], Any], *, needs_ids: bool = True,
            size: Callable[[Any], str] | None = None) -> Scenario:  # fmt: skip
        return Scenario(
            (row,), group, lambda t, i: t.call(row, lambda: send(t, i), size), needs_ids
        )

    found: list[Scenario] = [
        Scenario(("ping",), OTHER, ping, needs_ids=False),
        one("getArtists", BROWSE, lambda t, i: t.conn.getArtists(), needs_ids=False),
        one("getArtist", BROWSE, lambda t, i: t.conn.getArtist(artist(t, i))),
        one("getAlbumList2 newest", BROWSE,
            lambda t, i: t.conn.getAlbumList2("newest", size=LIST_SIZE), needs_ids=False),
        one("getAlbumList2 random", BROWSE,
            lambda t, i: t.conn.getAlbumList2("random", size=LIST_SIZE), needs_ids=False),
        one("getAlbum", BROWSE, lambda t, i: t.conn.getAlbum(album(t, i))),
    ]  # fmt: skip
    for kind, query in queries.items():
        found.append(
            one(
                f"search3 {kind} '{query}'",
                SEARCH,
                lambda t, i, q=query: t.conn.search3(q),  # type: ignore[misc]
                needs_ids=False,
            )
        )
    found += [
        one("getSong", BROWSE, lambda t, i: t.conn.getSong(song(t, i))),
        one("stream first 64 KiB", OTHER,
            lambda t, i: read_prefix(t.conn.stream(song(t, i))), size=media_size),
        one("stream whole file", OTHER,
            lambda t, i: read_whole(t.conn.stream(song(t, i))), size=media_size),
        one("getCoverArt size 300", OTHER,
            lambda t, i: read_whole(t.conn.getCoverArt(cover(t, i), size=300)), size=media_size),
        Scenario(("createPlaylist", "getPlaylist", "deletePlaylist"), OTHER, playlist_round),
        one("scrobble", OTHER, lambda t, i: t.conn.scrobble(song(t, i), submission=True)),
        Scenario(("star", "getStarred2", "unstar"), OTHER, star_round),
        one("getRandomSongs", OTHER,
            lambda t, i: t.conn.getRandomSongs(size=LIST_SIZE), needs_ids=False),
    ]  # fmt: skip
    return found


def measure(scenario: Scenario, targets: list[Target], warmup: int, iterations: int) -> None:
    """Warm-up rounds, then timed rounds alternating which server goes first."""
    active = []
    for target in targets:
        if scenario.needs_ids and target.missing_ids:
            for row in scenario.rows:
                target.failures[row] = CallFailed(row, "no ids", target.missing_ids)
        else:
            active.append(target)
    for number in range(warmup + iterations):
        order = active if number % 2 == 0 else active[::-1]
        for target in order:
            if any(row in target.failures for row in scenario.rows):
                continue
            target.recording = number >= warmup
            try:
                scenario.run(target, number)
            except CallFailed as failed:
                # The failed call and the rest of its scenario cannot be measured here.
                for row in scenario.rows[scenario.rows.index(failed.row) :]:
                    target.failures[row] = failed
            finally:
                target.recording = False


# Statements per call (tonearm)


def statement_calls(
    target: Target, queries: dict[str, str]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(row, method, params) of each table row, with the first work item's ids; the
    playlist rows use `{playlist}` for the id createPlaylist answers."""
    song, album, artist, cover = (
        target.song_ids[0],
        target.album_ids[0],
        target.artist_ids[0],
        target.cover_ids[0],
    )
    found: list[tuple[str, str, dict[str, Any]]] = [
        ("ping", "ping", {}),
        ("getArtists", "getArtists", {}),
        ("getArtist", "getArtist", {"id": artist}),
        ("getAlbumList2 newest", "getAlbumList2", {"type": "newest", "size": LIST_SIZE}),
        ("getAlbumList2 random", "getAlbumList2", {"type": "random", "size": LIST_SIZE}),
        ("getAlbum", "getAlbum", {"id": album}),
    ]
    found += [(f"search3 {kind} '{q}'", "search3", {"query": q}) for kind, q in queries.items()]
    found += [
        ("getSong", "getSong", {"id": song}),
        ("stream first 64 KiB", "stream", {"id": song}),
        ("getCoverArt size 300", "getCoverArt", {"id": cover, "size": 300}),
        ("createPlaylist", "createPlaylist", {"name": "counted", "songId": song}),
        ("getPlaylist", "getPlaylist", {"id": "{playlist}"}),
        ("deletePlaylist", "deletePlaylist", {"id": "{playlist}"}),
        ("scrobble", "scrobble", {"id": song, "submission": "true"}),
        ("star", "star", {"id": song}),
        ("getStarred2", "getStarred2", {}),
        ("unstar", "unstar", {"id": song}),
        ("getRandomSongs", "getRandomSongs", {"size": LIST_SIZE}),
    ]  # fmt: skip
    return found


async def count_tonearm_statements(
    data_dir: Path, library: Path, target: Target, queries: dict[str, str]
) -> dict[str, str]:
    """Statements per call, each call made twice and counted the second time (the first
    fills what fills on first use: the signed-in account, kept statements)."""
    settings = Settings(data_dir=data_dir, music_folders=[library], scan_cron=None)
    runtime = await open_runtime(settings, check=False)
    app = create_app(settings)
    attach_runtime(app, runtime)
    auth = {"u": USER, "p": "enc:" + PASSWORD.encode().hex(), "v": "1.16.1", "c": "bench"}
    counts: dict[str, str] = {}
    playlists: list[str] = []
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for row, method, params in statement_calls(target, queries):
                for _ in range(2):
                    values = {
                        k: (playlists[-1] if v == "{playlist}" else v) for k, v in params.items()
                    }
                    if method == "deletePlaylist":  # one to delete each time
                        made = await client.post(
                            "/rest/createPlaylist",
                            data=auth | {"f": "json", "name": "to delete"},
                        )
                        values = {"id": made.json()["subsonic-response"]["playlist"]["id"]}
                    with count_statements(runtime.database) as sent:
                        answer = await client.post(
                            f"/rest/{method}", data=auth | {"f": "json"} | values
                        )
                    if answer.headers["content-type"].startswith("application/json"):
                        body = answer.json()["subsonic-response"]
                        if body["status"] != "ok":
                            counts[row] = f"n/a (error {body['error']['code']})"
                            break
                        if method == "createPlaylist":
                            playlists.append(body["playlist"]["id"])
                    counts[row] = str(sent.count)
    finally:
        await runtime.close()
    return counts


def report_statements(counts: dict[str, str]) -> None:
    """The statements table."""
    print("\nSQL statements per call in tonearm (counted in-process, second call of each)")
    print("| call | statements |")
    print("|---|---|")
    for row, count in counts.items():
        print(f"| {row} | {count} |")


# The report


def report(all_scenarios: list[Scenario], targets: list[Target]) -> None:
    """The side-by-side table (Markdown), what could not be measured, and the targets."""
    ours = targets[0]
    peer = targets[1] if len(targets) > 1 else None
    groups = {row: scenario.group for scenario in all_scenarios for row in scenario.rows}

    def cells(target: Target | None, row: str) -> list[str]:
        if target is None:
            return ["-", "-"]
        if row in target.failures:
            return [f"n/a ({target.failures[row].short})", ""]
        times = [t * 1000 for t in target.times.get(row, [])]
        if not times:
            return ["n/a", ""]
        return [f"{percentile(times, 50):.2f}", f"{percentile(times, 95):.2f}"]

    table = [
        ["call", "tonearm p50", "p95", "supysonic p50", "p95", "ratio", "target", "entities"],
    ]
    met = missed = 0
    for row in groups:
        ratio = verdict = "-"
        if ours.times.get(row) and peer is not None and peer.times.get(row):
            value = percentile(peer.times[row], 50) / percentile(ours.times[row], 50)
            need = TARGET_RATIO[groups[row]]
            ok = value >= need if need > 1 else value > 1
            ratio = f"{value:.2f}"
            verdict = f"{'met' if ok else 'MISSED'} ({'≥' if need > 1 else '>'}{need:g}×)"
            met, missed = met + ok, missed + (not ok)
        sizes = f"{ours.sizes.get(row, '-')} / {peer.sizes.get(row, '-') if peer else '-'}"
        table.append([row, *cells(ours, row), *cells(peer, row), ratio, verdict, sizes])
    widths = [max(len(line[n]) for line in table) for n in range(len(table[0]))]

    def line(values: list[str]) -> str:
        padded = [v.ljust(w) if n in (0, 6, 7) else v.rjust(w) for n, (v, w) in
                  enumerate(zip(values, widths, strict=True))]  # fmt: skip
        return "| " + " | ".join(padded) + " |"

    print("\nLatency per call through py-sonic, ms (ratio: supysonic p50 / tonearm p50;"
          " entities: ids in the answer, or bytes, tonearm / supysonic)")  # fmt: skip
    print(line(table[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for values in table[1:]:
        print(line(values))
    for target in targets:
        reasons: dict[str, list[str]] = {}
        for row, failed in target.failures.items():
            reasons.setdefault(f"{failed.short}: {failed.detail}", []).append(row)
        for reason, rows in reasons.items():
            print(f"  {target.name} n/a: {', '.join(rows)} — {reason}")
    if peer is not None:
        print(
            f"\nTargets of issue 6 (faster on every call, ≥2× at p50 on browsing and search):"
            f" {met} met, {missed} missed, {len(groups) - met - missed} not measured on both"
        )


# The run


def describe_code() -> str:
    """Where tonearm's code comes from: the source folder and its commit."""
    found = subprocess.run(
        ["git", "-C", str(SOURCE_ROOT), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
    )
    branch = subprocess.run(
        ["git", "-C", str(SOURCE_ROOT), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "-C", str(SOURCE_ROOT), "status", "--porcelain", "--", "."],
        capture_output=True,
        text=True,
    )
    state = " (uncommitted changes)" if dirty.stdout.strip() else ""
    return f"{SOURCE_ROOT} on {branch.stdout.strip()} at {found.stdout.strip()[:70]}{state}"


def connection(url: str, user: str, password: str) -> libsonic.Connection:
    """A py-sonic client signing in with p=enc: (hex), over POST."""
    base, _, port = url.rpartition(":")
    return libsonic.Connection(
        base, user, password, port=int(port), appName="bench", legacyAuth=True
    )


@dataclass
class Setup:
    """What the run started: servers' URLs, and lines describing them."""

    urls: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def start_servers(stack: ExitStack, library: Path, work: Path, peer: bool, fresh: bool) -> Setup:
    """tonearm (and supysonic unless `peer` is false), running until `stack` closes."""
    setup = Setup()
    started = time.perf_counter()
    env, scan_note = prepare_tonearm(library, work, fresh)
    setup.notes.append(f"tonearm: {scan_note}")
    url, pid = stack.enter_context(running_tonearm(TONEARM_NAME, env, 1, work))
    setup.urls[TONEARM_NAME] = (url, USER, PASSWORD)
    setup.notes.append(
        f"tonearm: `tonearm serve` pid {pid} ({url}), code {describe_code()};"
        f" ready {time.perf_counter() - started:.0f} s after start"
    )
    if peer:
        started = time.perf_counter()
        supysonic = stack.enter_context(running_supysonic(library, work / "supysonic"))
        scan = (work / "supysonic" / "scan.txt").read_text().strip()
        setup.urls[SUPYSONIC_NAME] = (supysonic["URL"], supysonic["USER"], supysonic["PASSWORD"])
        setup.notes.append(
            f"supysonic {supysonic.get('SERVER_VERSION', '?')} ({supysonic.get('WSGI', '?')})"
            f" pid {supysonic['PID']} ({supysonic['URL']}); {scan};"
            f" ready {time.perf_counter() - started:.0f} s after start"
        )
    return setup


def main() -> None:
    """Set up, measure interleaved, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=1000, help="library size (default 1000)")
    parser.add_argument("--iterations", type=int, default=40, help="timed rounds per call")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds per call first")
    parser.add_argument("--only", choices=[TONEARM_NAME], help="skip the peer")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--fresh-scan", action="store_true", help="rebuild the kept scan")
    args = parser.parse_args()
    peer = args.only is None
    if peer and not (PEERS_VENV / "bin" / "supysonic-server").exists():
        raise SystemExit(f"supysonic is not installed in {PEERS_VENV}: see {PEERS}/README.md")
    run_started = time.perf_counter()

    library, manifest = ensure_library(args.songs)
    picks = pick_items(manifest)
    queries = search_queries(manifest)
    print(
        f"library {library}: {len(manifest['tracks'])} songs, {len(manifest['albums'])} albums,"
        f" {len(manifest['artists'])} artists; {args.warmup} warm-up + {args.iterations} timed"
        f" rounds per call; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="subsonic-", dir=BENCH_ROOT))
    with ExitStack() as stack:
        if args.keep:
            print(f"work directory (kept): {work}")
        else:
            stack.callback(shutil.rmtree, work, True)
        setup = start_servers(stack, library, work, peer, args.fresh_scan)
        for note in setup.notes:
            print(note, flush=True)
        targets = [Target(name, connection(*setup.urls[name])) for name in setup.urls]
        for target in targets:
            discover(target, picks)
            if target.missing_ids:
                print(f"  {target.name}: work items not found ({target.missing_ids})")
        measure_started = time.perf_counter()
        all_scenarios = scenarios(queries)
        for scenario in all_scenarios:
            measure(scenario, targets, args.warmup, args.iterations)
        measured = time.perf_counter() - measure_started
        counts: dict[str, str] = {}
        if not targets[0].missing_ids:
            counts = asyncio.run(
                count_tonearm_statements(work / "tonearm", library, targets[0], queries)
            )
    report(all_scenarios, targets)
    if counts:
        report_statements(counts)
    print(
        f"\nmeasuring took {measured:.0f} s; the whole run {time.perf_counter() - run_started:.0f} s;"
        f" load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
