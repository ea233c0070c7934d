"""Streaming one ~3 MB file: tonearm beside nginx (static) and supysonic, in one run.

The library: 10 real MP3s of 185-200 s made once by ../shared/peers/make_library.py into
/tmp/tonearm-bench/stream-src, and /tmp/tonearm-bench/stream-lib-<N>: those 10 files plus
hard links to them up to N songs (default 10,000), so every server sees N distinct paths
without N encodes. Every server serves the same file of that folder, untranscoded:

  nginx            the folder statically (sendfile), `worker_processes auto`
  supysonic        run_supysonic.sh on the folder (its own scan), /rest/stream?format=raw
  tonearm 1w       `tonearm serve`, embedded defaults (SQLite, in-process cache and jobs)
  tonearm 2w       `tonearm serve --workers 2`, scale-out: PostgreSQL + Redis, local disk
  tonearm 2w-sq    `tonearm serve --workers 2` on the embedded defaults (SQLite)
  tonearm granian  the same app and settings as "tonearm 2w" in granian's 2 workers (only
                   when granian is installed: `pip install granian`)
  tonearm offload  `tonearm serve` in accel mode behind nginx (docs/nginx.conf.example)
  tonearm edge     `tonearm serve` in edge mode behind nginx (docs/nginx-edge.conf.example):
                   the stream URL points at nginx, which checks its signature and sends

tonearm's songs are inserted straight into its database (one bulk insert; each row's
original is read in place from the music folder) and streamed with quality=original.

Figures, measured cell by cell with the targets interleaved (order reversed each pass):
  * TTFB: a new connection per request (like a player starting a track), time from connect
    to the first 64 KiB of body; p50/p99 at 1 and 50 connections (own asyncio client).
  * Throughput: the whole file over keep-alive connections, MB/s, wrk -t1 at 1 and 50.
  * Range windows: what players send while seeking and buffering: keep-alive requests for
    a random window of 64 KiB - 1 MiB at a random offset (wrk -t1 with a Lua script, fixed
    seed), requests/s and MB/s at 1 and 50 connections.
  * Stream-URL issue: GET /api/songs/{id}/stream, sequential on one keep-alive connection,
    p50/p99 over distinct songs (uncached) and one song again and again (cached).
  * Memory: resident set of the server's processes (master + workers) idle after start,
    and the sum of their peaks (VmHWM, reset after the idle reading) over the whole load.
The client runs on the same 2 cores as the servers: figures are for comparing side by side.

Run: PYTHONPATH=.:src .venv/bin/python bench/bench_streaming.py [--songs N] [--quick]
     [--skip supysonic,"tonearm 2w"]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from urllib.parse import quote, urlencode, urlsplit

import httpx
import psycopg
from sqlalchemy import insert
from tests.servers import (
    free_port,
    running_nginx,
    running_postgres,
    running_redis,
    stop_process,
    wait_for_port,
)

import tonearm
from tonearm.adapters.db import Database
from tonearm.adapters.db.tables import SongRow
from tonearm.app import open_runtime
from tonearm.settings import Settings
from tonearm.users import Role

BENCH_ROOT = Path("/tmp/tonearm-bench")
PEERS = Path("/work/shared/peers")
PEERS_VENV = Path("/tmp/peers/venv")
TONEARM = Path(sys.executable).with_name("tonearm")
SOURCE_ROOT = Path(tonearm.__file__).parents[1]
NGINX_EXAMPLE = Path(__file__).parents[1] / "docs" / "nginx.conf.example"
EDGE_EXAMPLE = Path(__file__).parents[1] / "docs" / "nginx-edge.conf.example"
EDGE_SECRET = "bench-edge-secret-0123456789"
RANGE_MIN, RANGE_MAX = 64 * 1024, 1024 * 1024
SOURCES = BENCH_ROOT / "stream-src"
SOURCE_TRACKS = 10
PREFIX_BYTES = 64 * 1024
# A request left unanswered this long is reported (seen once with 2 workers on SQLite, at
# c=50 with a new connection per request, before and after issue 18's media changes).
ANSWER_SECONDS = 30
USER, PASSWORD = "bench", "bench password 1"
NGINX, SUPYSONIC = "nginx", "supysonic"
ONE, TWO, OFFLOAD, EDGE = "tonearm 1w", "tonearm 2w", "tonearm offload", "tonearm edge"
GRANIAN = "tonearm granian"
TWO_EMBEDDED = "tonearm 2w-sq"
TARGETS = [NGINX, SUPYSONIC, ONE, TWO, TWO_EMBEDDED, GRANIAN, OFFLOAD, EDGE]


# The library


def ensure_sources() -> list[Path]:
    """The 10 real MP3s (make_library.py reuses an identical library)."""
    subprocess.run(
        [
            sys.executable, str(PEERS / "make_library.py"), str(SOURCES),
            "-n", str(SOURCE_TRACKS), "--min-dur", "185", "--max-dur", "200",
            "--flac-every", "0", "--seed", "1", "-j", str(os.cpu_count() or 1),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return sorted(SOURCES.rglob("*.mp3"))


def build_library(sources: list[Path], songs: int) -> tuple[Path, list[Path]]:
    """The folder every server serves: the sources in place, then hard links up to `songs`."""
    library = BENCH_ROOT / f"stream-lib-{songs}"
    done = library / ".complete"
    if not done.exists():
        shutil.rmtree(library, ignore_errors=True)
        for source in sources:
            target = library / source.relative_to(SOURCES)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)
        for number in range(len(sources), songs):
            target = library / "copies" / f"{number // 1000:02d}" / f"{number:05d}.mp3"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(sources[number % len(sources)], target)
        done.write_text("")
    files = [library / source.relative_to(SOURCES) for source in sources]
    files += [
        library / "copies" / f"{n // 1000:02d}" / f"{n:05d}.mp3" for n in range(len(sources), songs)
    ]
    return library, files


def song_ids(songs: int) -> list[uuid.UUID]:
    """Fixed ids, the same in every tonearm database."""
    return [uuid.UUID(int=n + 1) for n in range(songs)]


async def fill_tonearm(settings: Settings, files: list[Path]) -> None:
    """A user, and one song per file (original read in place), in one bulk insert."""
    if not settings.is_embedded_database:
        database = Database(settings.resolved_database_url)
        await database.upgrade()
        await database.close()
    services = await open_runtime(settings)
    try:
        await services.domains.users.add_user(USER, PASSWORD, Role.USER)
        now = datetime.now(UTC)
        rows = []
        for number, (song_id, path) in enumerate(zip(song_ids(len(files)), files, strict=True)):
            status = path.stat()
            rows.append(
                {
                    "id": song_id,
                    "title": f"Song {number}",
                    "sort_title": f"song {number}",
                    "duration_ms": 190_000,
                    "source": "library",
                    "original_path": str(path),
                    "original_key": None,
                    "folder_path": str(path.parent),
                    "original_format": "mp3",
                    "original_size_bytes": status.st_size,
                    "original_mtime_ns": status.st_mtime_ns,
                    "audio_hash": f"{number:064x}",
                    "play_count": 0,
                    "popularity_score": 0.0,
                    "added_at": now,
                    "last_updated": now,
                }
            )
        async with services.database.sessions.begin() as session:
            for start in range(0, len(rows), 1000):
                await session.execute(insert(SongRow), rows[start : start + 1000])
    finally:
        await services.close()


# Servers


def tonearm_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `tonearm serve` on `settings`, running this checkout's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(
        PYTHONPATH=str(SOURCE_ROOT),
        TONEARM_DATA_DIR=str(settings.data_dir),
        TONEARM_MUSIC_FOLDERS=os.pathsep.join(str(f) for f in settings.music_folders),
        TONEARM_SCAN_CRON="",
        TONEARM_LOG_LEVEL="warning",
    )
    if settings.database_url:
        env["TONEARM_DATABASE_URL"] = settings.database_url
    if settings.cache_url != "memory://":
        env["TONEARM_CACHE_URL"] = settings.cache_url
    if settings.queue_url:
        env["TONEARM_QUEUE_URL"] = settings.queue_url
    # Benchmarks must not be throttled: raise every rate limit the settings know of.
    for name, info in Settings.model_fields.items():
        if "rate_limit" in name:
            if info.annotation is not int:
                raise SystemExit(f"bench_streaming: teach me to raise {name} ({info.annotation})")
            env[f"TONEARM_{name.upper()}"] = str(10**9)
    env.update(extra)
    return env


@contextmanager
def running_tonearm(
    name: str, env: dict[str, str], workers: int, logs: Path, *, granian: bool = False
) -> Iterator[tuple[str, int]]:
    """`tonearm serve` (or tonearm's app factory under granian) until healthy: URL, pid."""
    port = free_port()
    command = [str(TONEARM), "serve", "--port", str(port), "--workers", str(workers)]
    if granian:
        command = [
            str(TONEARM.with_name("granian")), "--interface", "asgi", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--no-ws", "--log-level", "warning", "tonearm.app:create_app_from_environment",
        ]  # fmt: skip
    with (logs / f"{name.replace(' ', '-')}.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=logs,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}: see {logs}")
            try:
                if httpx.get(f"{url}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} never became healthy: see {logs}")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        stop_process(process)


@contextmanager
def running_supysonic(library: Path, work: Path) -> Iterator[dict[str, str]]:
    """run_supysonic.sh on the library (it scans, then serves); its server.env."""
    script = str(PEERS / "run_supysonic.sh")
    try:
        subprocess.run([script, str(library), str(work)], check=True, stdout=subprocess.DEVNULL)
        env = {}
        for line in (work / "server.env").read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        yield env
    finally:
        if (work / "server.pid").exists():
            subprocess.run([script, "--stop", str(work)], check=True, stdout=subprocess.DEVNULL)


def supysonic_stream_url(env: dict[str, str], work: Path, path: Path) -> str:
    """/rest/stream of the track at `path`, untranscoded (its id from supysonic's database)."""
    with sqlite3.connect(work / "supysonic.db") as db:
        row = db.execute("SELECT id FROM track WHERE path = ?", (str(path),)).fetchone()
    if row is None:
        raise SystemExit(f"supysonic did not scan {path}")
    query = urlencode(
        {
            "u": env["USER"],
            "p": "enc:" + env["PASSWORD"].encode().hex(),
            "v": "1.12.0",
            "c": "bench",
            "id": row[0],
            "format": "raw",
        }
    )
    return f"{env['URL']}/rest/stream.view?{query}"


def example_site(example: Path, port: int, tonearm_url: str, data_dir: Path, library: Path,
                 upstream: str) -> str:  # fmt: skip
    """One of the docs' nginx examples pointed at this run's servers and folders."""
    site = example.read_text()
    for placeholder, value in {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8080;": f"server {urlsplit(tonearm_url).netloc};",
        "/var/lib/tonearm/objects/": f"{data_dir.absolute() / 'objects'}/",
        "/srv/music/": f"{library}/",
        "CHANGE-ME-edge-secret": EDGE_SECRET,
        "upstream tonearm {": f"upstream {upstream} {{",
        "proxy_pass http://tonearm;": f"proxy_pass http://{upstream};",
    }.items():
        if placeholder in site:
            site = site.replace(placeholder, value)
        elif placeholder != "CHANGE-ME-edge-secret":
            raise AssertionError(f"{example} has no {placeholder!r}")
    return site.replace("server {", "server {\n    keepalive_requests 1000000;", 1)


def nginx_body(static_port: int, library: Path, offload_port: int, tonearm_url: str,
               data_dir: Path, edge_port: int, edge_url: str) -> str:  # fmt: skip
    """Three server blocks: the library served statically, docs/nginx.conf.example (accel)
    and docs/nginx-edge.conf.example (edge)."""
    site = example_site(NGINX_EXAMPLE, offload_port, tonearm_url, data_dir, library, "accel")
    edge = example_site(EDGE_EXAMPLE, edge_port, edge_url, data_dir, library, "edge")
    static = (
        "server {\n"
        f"    listen 127.0.0.1:{static_port};\n"
        "    sendfile on; tcp_nopush on; keepalive_requests 1000000;\n"
        f"    root {library};\n"
        "    location / { }\n"
        "}\n"
    )
    return static + site + edge


def sign_in(url: str) -> dict[str, str]:
    """Bearer headers for the bench user."""
    response = httpx.post(f"{url}/api/auth/login", json={"username": USER, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def tonearm_stream_url(url: str, song_id: uuid.UUID) -> str:
    """A signed URL of the song's original, as a player gets it."""
    response = httpx.get(
        f"{url}/api/songs/{song_id}/stream",
        params={"quality": "original"},
        headers=sign_in(url),
    )
    response.raise_for_status()
    return str(response.json()["url"])


# Processes and memory


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def memory_kib(pid: int, field_name: str) -> int:
    """Sum of VmRSS or VmHWM over the process tree, in KiB."""
    total = 0
    for member in process_tree(pid):
        try:
            text = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        found = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.M)
        total += int(found.group(1)) if found else 0
    return total


def reset_peaks(pid: int) -> None:
    """Restart VmHWM from the current RSS for the whole tree (Linux clear_refs)."""
    for member in process_tree(pid):
        try:
            Path(f"/proc/{member}/clear_refs").write_text("5")
        except OSError:
            continue


# Clients


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile `q` (0-100) of `values`."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def _first_64k(host: str, port: int, request: bytes, size: int, check: bytes | None) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    try:
        writer.write(request)
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
        except TimeoutError:
            raise RuntimeError(f"no answer in {ANSWER_SECONDS} s to an accepted request") from None
        status = head.split(b" ", 2)[1]
        if status != b"200":
            raise RuntimeError(f"HTTP {status.decode()}")
        length = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.I)
        if length is None or int(length.group(1)) != size:
            raise RuntimeError("not the whole file")
        body = await reader.readexactly(PREFIX_BYTES)
        elapsed = time.perf_counter() - started
        if check is not None and body != check:
            raise RuntimeError("the first 64 KiB differ from the file")
        return elapsed
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


async def ttfb_cell(
    url: str, connections: int, requests: int, max_seconds: float, file_bytes: bytes
) -> list[float]:
    """Time to the first 64 KiB, a new connection per request; raises on any error."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    times: list[float] = []
    stop_at = time.perf_counter() + max_seconds
    issued = 0

    async def client() -> None:
        nonlocal issued
        while issued < requests and time.perf_counter() < stop_at:
            check = file_bytes[:PREFIX_BYTES] if issued == 0 else None
            issued += 1
            times.append(await _first_64k(host, port, request, len(file_bytes), check))

    await asyncio.gather(*(client() for _ in range(connections)))
    return times


_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}

# wrk's Lua: every request asks for a random window (RANGE_MIN..RANGE_MAX bytes) of the file.
RANGE_SCRIPT = """
math.randomseed(7)
local size = %(size)d
request = function()
  local length = math.random(%(low)d, %(high)d)
  local first = math.random(0, size - length)
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. first .. "-" .. (first + length - 1)})
end
"""


def wrk_ranges(
    url: str, connections: int, seconds: int, size: int, script: Path
) -> tuple[float, float]:
    """Range-window requests/s and MB/s over keep-alive connections (wrk -t1 + RANGE_SCRIPT)."""
    script.write_text(RANGE_SCRIPT % {"size": size, "low": RANGE_MIN, "high": RANGE_MAX})
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
         "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    out = result.stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    read = re.search(r"requests in ([\d.]+)(ms|s|m), ([\d.]+)(B|KB|MB|GB) read", out)
    if rate is None or read is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    duration = float(read.group(1)) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[read.group(2)]
    return float(rate.group(1)), float(read.group(3)) * _SIZES[read.group(4)] / duration / 1e6


def serves_ranges(url: str, file_bytes: bytes) -> bool:
    """Whether the target answers a Range with exactly that window (206)."""
    response = httpx.get(url, headers={"Range": "bytes=100000-165535"}, timeout=60)
    return response.status_code == 206 and response.content == file_bytes[100000:165536]


def wrk_mb_per_s(url: str, connections: int, seconds: int) -> float:
    """Whole-file throughput over keep-alive connections (wrk -t1), MB/s (10^6 B)."""
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    read = re.search(r"requests in ([\d.]+)(ms|s|m), ([\d.]+)(B|KB|MB|GB) read", out)
    if read is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    duration = float(read.group(1)) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[read.group(2)]
    return float(read.group(3)) * _SIZES[read.group(4)] / duration / 1e6


def url_issue_ms(url: str, ids: list[uuid.UUID], cached_requests: int) -> tuple[list[float], ...]:
    """Stream-URL issue latency: each of `ids` once (uncached), then ids[0] again (cached)."""
    with httpx.Client(base_url=url, headers=sign_in(url)) as http:

        def issue(song_id: uuid.UUID) -> float:
            started = time.perf_counter()
            response = http.get(f"/api/songs/{song_id}/stream", params={"quality": "original"})
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            return elapsed * 1000

        uncached = [issue(song_id) for song_id in ids]
        cached = [issue(ids[0]) for _ in range(cached_requests)]
    return uncached, cached


# The run


@dataclass
class Figures:
    """What was measured for one target, over all passes."""

    ttfb_ms: dict[int, list[float]] = field(default_factory=dict)  # by connections
    mb_per_s: dict[int, list[float]] = field(default_factory=lambda: {})
    range_rps: dict[int, list[float]] = field(default_factory=lambda: {})
    range_mb_per_s: dict[int, list[float]] = field(default_factory=lambda: {})
    idle_mib: float = 0.0
    peak_mib: float = 0.0


def main() -> None:
    """Set everything up, measure interleaved, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=10_000, help="library size")
    parser.add_argument("--quick", action="store_true", help="one short pass (a smoke test)")
    parser.add_argument("--passes", type=int, default=None, help="default 2 (quick: 1)")
    parser.add_argument("--skip", default="", help="targets to leave out, comma-separated")
    args = parser.parse_args()
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    if skipped - set(TARGETS) or NGINX in skipped:
        raise SystemExit(f"--skip takes some of {TARGETS[1:]}")
    if importlib.util.find_spec("granian") is None:
        skipped.add(GRANIAN)  # optional: pip install granian to measure it
    targets = [name for name in TARGETS if name not in skipped]
    quick = args.quick
    passes = args.passes or (1 if quick else 2)
    wrk_seconds = 3 if quick else 8
    requests = {1: 50 if quick else 300, 50: 300 if quick else 2000}
    max_seconds = 5 if quick else 15
    url_requests = min(100 if quick else 1000, (args.songs - SOURCE_TRACKS) // 2 - 1)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if SUPYSONIC in targets and not (PEERS_VENV / "bin" / "supysonic-server").exists():
        raise SystemExit(f"supysonic is not installed in {PEERS_VENV}: see {PEERS}/README.md")

    sources = ensure_sources()
    library, files = build_library(sources, args.songs)
    target_index = min(range(len(sources)), key=lambda n: abs(sources[n].stat().st_size - 3e6))
    target_file = files[target_index]
    file_bytes = target_file.read_bytes()
    ids = song_ids(len(files))
    print(
        f"library {library}: {len(files)} songs; streaming {target_file.relative_to(library)}"
        f" ({len(file_bytes):,} B); {passes} pass(es), load {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="streaming-", dir=BENCH_ROOT))
        stack.callback(shutil.rmtree, work, True)
        postgres = stack.enter_context(running_postgres())
        redis = stack.enter_context(running_redis())
        with psycopg.connect(f"{postgres.url}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE tonearm")
        embedded = Settings(data_dir=work / "embedded", music_folders=[library])
        scale_out = Settings(
            data_dir=work / "scale-out",
            music_folders=[library],
            database_url=f"{postgres.url}/tonearm",
            cache_url=redis.url,
            queue_url=redis.url.replace("/0", "/1"),
        )
        started = time.perf_counter()
        asyncio.run(fill_tonearm(embedded, files))
        asyncio.run(fill_tonearm(scale_out, files))
        print(f"tonearm databases filled in {time.perf_counter() - started:.1f} s", flush=True)

        pids: dict[str, int] = {}
        urls: dict[str, Callable[[], str]] = {}
        target_id = ids[target_index]
        if SUPYSONIC in targets:
            started = time.perf_counter()
            supysonic = stack.enter_context(running_supysonic(library, work / "supysonic"))
            print(
                f"supysonic set up and scanned in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            pids[SUPYSONIC] = int(supysonic["PID"])
            urls[SUPYSONIC] = lambda: supysonic_stream_url(
                supysonic, work / "supysonic", target_file
            )
        one_url, one_pid = stack.enter_context(
            running_tonearm(ONE, tonearm_environment(embedded), 1, work)
        )
        two_url = ""
        if TWO in targets:
            two_url, pids[TWO] = stack.enter_context(
                running_tonearm(TWO, tonearm_environment(scale_out), 2, work)
            )
            urls[TWO] = lambda: tonearm_stream_url(two_url, target_id)
        if TWO_EMBEDDED in targets:
            # SQLite's media lookups run on the loop (adapters/db/engine.py's reader);
            # PostgreSQL's go over the network: both are `serve` with 2 workers.
            embedded_url, pids[TWO_EMBEDDED] = stack.enter_context(
                running_tonearm(TWO_EMBEDDED, tonearm_environment(embedded), 2, work)
            )
            urls[TWO_EMBEDDED] = lambda: tonearm_stream_url(embedded_url, target_id)
        if GRANIAN in targets:
            # The same app and scale-out settings as "tonearm 2w", served by granian (Rust
            # HTTP, its own worker processes) instead of uvicorn: a measured alternative.
            granian_url, pids[GRANIAN] = stack.enter_context(
                running_tonearm(GRANIAN, tonearm_environment(scale_out), 2, work, granian=True)
            )
            urls[GRANIAN] = lambda: tonearm_stream_url(granian_url, target_id)
        accel_env = tonearm_environment(
            embedded, TONEARM_MEDIA_DELIVERY="accel", TONEARM_JOBS_IN_PROCESS="false"
        )
        accel_url, accel_pid = stack.enter_context(running_tonearm(OFFLOAD, accel_env, 1, work))
        edge_env = tonearm_environment(
            embedded,
            TONEARM_MEDIA_DELIVERY="edge",
            TONEARM_EDGE_SECRET=EDGE_SECRET,
            TONEARM_JOBS_IN_PROCESS="false",
        )
        edge_tonearm, edge_pid = stack.enter_context(running_tonearm(EDGE, edge_env, 1, work))
        static_port, offload_port, edge_port = free_port(), free_port(), free_port()
        body = nginx_body(
            static_port, library, offload_port, accel_url, embedded.data_dir, edge_port,
            edge_tonearm,
        )  # fmt: skip
        nginx = stack.enter_context(running_nginx(work / "nginx", body, static_port, "auto"))
        wait_for_port(offload_port, None)
        wait_for_port(edge_port, None)
        offload_url = f"http://127.0.0.1:{offload_port}"
        edge_url = f"http://127.0.0.1:{edge_port}"

        pids.update({NGINX: nginx.pid, ONE: one_pid, OFFLOAD: accel_pid, EDGE: edge_pid})
        urls.update(
            {
                NGINX: lambda: f"{nginx.url}/{quote(str(target_file.relative_to(library)))}",
                ONE: lambda: tonearm_stream_url(one_url, target_id),
                OFFLOAD: lambda: tonearm_stream_url(offload_url, target_id),
                EDGE: lambda: tonearm_stream_url(edge_url, target_id),
            }
        )
        ranged = []
        for name in targets:
            url = urls[name]()
            content = httpx.get(url, timeout=60).content
            if content != file_bytes:
                raise SystemExit(f"{name} did not serve the file byte-exactly")
            if serves_ranges(url, file_bytes):
                ranged.append(name)
            else:
                print(f"  {name} does not answer Range requests: no Range figures", flush=True)
        if not urls[EDGE]().startswith(edge_url + "/edge/music/"):
            raise SystemExit("the edge target's stream URL does not point at the edge")

        time.sleep(2)
        figures = {name: Figures() for name in targets}
        for name in targets:
            figures[name].idle_mib = memory_kib(pids[name], "VmRSS") / 1024
            reset_peaks(pids[name])

        for number in range(passes):
            order = targets if number % 2 == 0 else targets[::-1]
            current = {name: urls[name]() for name in targets}
            for connections in (1, 50):
                for name in order:
                    times = asyncio.run(
                        ttfb_cell(
                            current[name],
                            connections,
                            requests[connections],
                            max_seconds,
                            file_bytes,
                        )
                    )
                    figures[name].ttfb_ms.setdefault(connections, []).extend(
                        t * 1000 for t in times
                    )
                    print(
                        f"  pass {number + 1} TTFB c={connections:<2} {name:<16}"
                        f" p50 {percentile(times, 50) * 1000:7.2f} ms"
                        f" p99 {percentile(times, 99) * 1000:7.2f} ms ({len(times)} requests)",
                        flush=True,
                    )
            for connections in (1, 50):
                for name in order:
                    rate = wrk_mb_per_s(current[name], connections, wrk_seconds)
                    figures[name].mb_per_s.setdefault(connections, []).append(rate)
                    print(
                        f"  pass {number + 1} wrk  c={connections:<2} {name:<16} {rate:8.0f} MB/s",
                        flush=True,
                    )
            for connections in (1, 50):
                for name in order:
                    if name not in ranged:
                        continue
                    rps, mbps = wrk_ranges(
                        current[name], connections, wrk_seconds, len(file_bytes),
                        work / "ranges.lua",
                    )  # fmt: skip
                    figures[name].range_rps.setdefault(connections, []).append(rps)
                    figures[name].range_mb_per_s.setdefault(connections, []).append(mbps)
                    print(
                        f"  pass {number + 1} rng  c={connections:<2} {name:<16} {rps:8.0f} req/s"
                        f" {mbps:6.0f} MB/s",
                        flush=True,
                    )

        issue: dict[str, tuple[list[float], ...]] = {}
        for offset, (name, url) in enumerate([(ONE, one_url), (TWO, two_url)]):
            if name not in targets:
                continue
            # Songs nobody asked for yet on this server: a slice of its own.
            first = len(sources) + offset * (url_requests + 1)
            issue[name] = url_issue_ms(url, ids[first : first + url_requests + 1], url_requests)
        for name in targets:
            figures[name].peak_mib = memory_kib(pids[name], "VmHWM") / 1024

    report(figures, issue, len(file_bytes), len(files))


def report(
    figures: dict[str, Figures], issue: dict[str, tuple[list[float], ...]], size: int, songs: int
) -> None:
    """The tables, the ratios and the targets."""
    nginx, supy = figures[NGINX], figures.get(SUPYSONIC)

    def ttfb(f: Figures, connections: int, q: float) -> float:
        return percentile(f.ttfb_ms[connections], q)

    def rate(f: Figures, connections: int) -> float:
        return median(f.mb_per_s[connections])

    def rps(f: Figures, connections: int) -> float:
        return median(f.range_rps[connections]) if f.range_rps else float("nan")

    def versus(mine: float, theirs: Figures | None, measure: Callable[[Figures], float]) -> str:
        return f"{mine / measure(theirs):.2f}" if theirs is not None else "-"

    print(
        f"\nTime to the first 64 KiB of a {size:,} B MP3, new connection each (ms); {songs} songs"
    )
    print(
        f"{'':<16} {'c=1 p50':>8} {'p99':>8} {'c=50 p50':>9} {'p99':>8}"
        f" {'p50 ×nginx c1/c50':>18} {'p50 ×supysonic c1/c50':>22}"
    )
    for name, f in figures.items():
        print(
            f"{name:<16} {ttfb(f, 1, 50):>8.2f} {ttfb(f, 1, 99):>8.2f} {ttfb(f, 50, 50):>9.2f}"
            f" {ttfb(f, 50, 99):>8.2f}"
            f" {ttfb(f, 1, 50) / ttfb(nginx, 1, 50):>8.2f} /{ttfb(f, 50, 50) / ttfb(nginx, 50, 50):>8.2f}"
            f" {versus(ttfb(f, 1, 50), supy, lambda s: ttfb(s, 1, 50)):>11} /"
            f"{versus(ttfb(f, 50, 50), supy, lambda s: ttfb(s, 50, 50)):>8}"
        )  # fmt: skip
    print("\nWhole-file throughput, keep-alive, wrk -t1 (MB/s, median of passes)")
    print(f"{'':<16} {'c=1':>8} {'c=50':>8} {'×nginx c1/c50':>15} {'×supysonic c1/c50':>19}")
    for name, f in figures.items():
        print(
            f"{name:<16} {rate(f, 1):>8.0f} {rate(f, 50):>8.0f}"
            f" {rate(f, 1) / rate(nginx, 1):>6.2f} /{rate(f, 50) / rate(nginx, 50):>6.2f}"
            f" {versus(rate(f, 1), supy, lambda s: rate(s, 1)):>9} /"
            f"{versus(rate(f, 50), supy, lambda s: rate(s, 50)):>6}"
        )
    print(
        f"\nRange windows of {RANGE_MIN // 1024} KiB - {RANGE_MAX // 1024} KiB at random offsets,"
        " keep-alive, wrk -t1 (requests/s, median of passes)"
    )
    print(f"{'':<16} {'c=1':>8} {'c=50':>8} {'×nginx c1/c50':>15} {'MB/s c=50':>10}")
    for name, f in figures.items():
        if not f.range_rps:
            print(f"{name:<16} {'no Range':>8}")
            continue
        print(
            f"{name:<16} {rps(f, 1):>8.0f} {rps(f, 50):>8.0f}"
            f" {rps(f, 1) / rps(nginx, 1):>6.2f} /{rps(f, 50) / rps(nginx, 50):>6.2f}"
            f" {median(f.range_mb_per_s[50]):>10.0f}"
        )
    print("\nStream-URL issue, GET /api/songs/{id}/stream?quality=original (ms)")
    print(f"{'':<16} {'uncached p50':>12} {'p99':>7} {'cached p50':>11} {'p99':>7}")
    for name, (uncached, cached) in issue.items():
        print(
            f"{name:<16} {percentile(uncached, 50):>12.2f} {percentile(uncached, 99):>7.2f}"
            f" {percentile(cached, 50):>11.2f} {percentile(cached, 99):>7.2f}"
            f"   ({len(uncached)} distinct songs, {len(cached)} repeats)"
        )
    print("\nResident memory of the server processes (MiB; nginx: all server blocks)")
    print(f"{'':<16} {'idle':>8} {'peak under load':>16}")
    for name, f in figures.items():
        print(f"{name:<16} {f.idle_mib:>8.0f} {f.peak_mib:>16.0f}")

    print("\nTargets")
    checks: list[tuple[str, bool]] = []
    if supy is not None:
        ahead = all(
            ttfb(figures[n], c, q) < ttfb(supy, c, q) and rate(figures[n], c) > rate(supy, c)
            for n in (ONE, TWO, TWO_EMBEDDED, GRANIAN, OFFLOAD, EDGE)
            if n in figures
            for c in (1, 50)
            for q in (50, 99)
        )
        checks.append(("every tonearm figure ahead of supysonic", ahead))
    for server in (TWO, TWO_EMBEDDED, GRANIAN):
        if server not in figures:
            continue
        two = figures[server]
        checks += [
            (
                f"{server}: ≥ 0.5× nginx's Range requests/s at c=50: "
                f"{rps(two, 50) / rps(nginx, 50):.2f}× (TTFB p99 c=50 {ttfb(two, 50, 99):.1f} ms)",
                rps(two, 50) / rps(nginx, 50) >= 0.5,
            ),
            (
                f"{server}: ≥ 0.6× nginx's whole-file MB/s at c=50: "
                f"{rate(two, 50) / rate(nginx, 50):.2f}×",
                rate(two, 50) / rate(nginx, 50) >= 0.6,
            ),
        ]
    edge = figures.get(EDGE)
    checks += (
        []
        if edge is None
        else [
            (
                f"edge ≥ 0.9× nginx's throughput: {rate(edge, 1) / rate(nginx, 1):.2f}× (c=1),"
                f" {rate(edge, 50) / rate(nginx, 50):.2f}× (c=50)",
                min(rate(edge, c) / rate(nginx, c) for c in (1, 50)) >= 0.9,
            ),
            (
                f"edge TTFB p50 ≤ 1.5× nginx's: {ttfb(edge, 1, 50) / ttfb(nginx, 1, 50):.2f}× (c=1),"
                f" {ttfb(edge, 50, 50) / ttfb(nginx, 50, 50):.2f}× (c=50)",
                max(ttfb(edge, c, 50) / ttfb(nginx, c, 50) for c in (1, 50)) <= 1.5,
            ),
        ]
    )
    checks += (
        []
        if OFFLOAD not in figures
        else [
            (
                f"offload ≥ 0.9× nginx's throughput: {rate(figures[OFFLOAD], 1) / rate(nginx, 1):.2f}×"
                f" (c=1), {rate(figures[OFFLOAD], 50) / rate(nginx, 50):.2f}× (c=50)",
                min(rate(figures[OFFLOAD], c) / rate(nginx, c) for c in (1, 50)) >= 0.9,
            ),
        ]
    )
    for text, met in checks:
        print(f"  {'met   ' if met else 'MISSED'} {text}")


if __name__ == "__main__":
    main()
