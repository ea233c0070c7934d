"""Writes under load: events, stars and playlists beside stream-URL issue, Range reads and search.

Issue 18, target 4. `tonearm serve` on the embedded defaults (SQLite, in-process cache and jobs)
with the generated demo library; N clients (default 30) spread over a few users, each looping for
D seconds (default 60) over a mix of what players do at once:

  events   POST /api/events, a batch of 5–20 plays/skips/completes (the play rule runs)
  stream   GET /api/songs/{id}/stream (a signed URL is issued)
  range    GET of that URL with `Range: bytes=0-65535`
  search   GET /api/search?q=…
  like     POST/DELETE /api/songs/{id}/like   (if the route exists: a second kind of write)

Printed per kind: requests, errors (any 5xx, and what else was not 2xx), p50/p99 latency in ms.
`--scan` also runs `tonearm scan` of a generated folder during the load, so enrichment writes
to the same database (the issue asks for the figure with background writes too).
`--postgres` runs the same load on PostgreSQL + Redis started on 127.0.0.1.
`--think MS` makes each client pause a random time (exponential, mean MS) between requests, as
real players do, instead of firing the next request at once. Without it the clients form a closed
loop that keeps the server saturated, so latency is set by throughput (Little's law: mean
latency ≈ clients ÷ requests per second, printed as "floor"); with it the figures show latency
at a given offered load.

Run: PYTHONPATH=.:src .venv/bin/python bench/bench_write_load.py [--clients 30] [--seconds 60]
The client runs on the same cores as the server: compare runs side by side, not to a bar.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles

import httpx
from tests.servers import free_port, running_postgres, running_redis, stop_process

TONEARM = Path(sys.executable).with_name("tonearm")
USERS = 6
PASSWORD = "load test password 1"
WORDS = ["a", "the", "song", "demo", "sine", "tone", "blue", "night", "x", "zz"]


def _env(data_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TONEARM_DATA_DIR=str(data_dir),
        TONEARM_RATE_LIMIT_CONTROL_PER_MINUTE="1000000",
        TONEARM_RATE_LIMIT_READ_PER_MINUTE="1000000",
        TONEARM_LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


def _tonearm(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(TONEARM), *args], env=env, check=True, capture_output=True, timeout=600)


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return quantiles(values, n=100, method="inclusive")[q - 1]


class Tally:
    """Latencies and outcomes per kind of request."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.first_error: dict[str, str] = {}
        self.seconds = 0.0
        self.clients = 0
        self.began = time.perf_counter()
        self.started: dict[str, list[float]] = defaultdict(list)

    def add(self, kind: str, started: float, status: int) -> None:
        self.latency[kind].append((time.perf_counter() - started) * 1000)
        self.started[kind].append(started)
        if not 200 <= status < 300:
            self.errors[kind][status] += 1

    def print(self, title: str) -> None:
        print(f"\n{title}")
        print(f"{'kind':<8} {'requests':>8} {'5xx':>5} {'other':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for kind in sorted(self.latency):
            lat = self.latency[kind]
            errs = self.errors[kind]
            five = sum(n for s, n in errs.items() if s >= 500)
            other = sum(n for s, n in errs.items() if s < 500)
            print(
                f"{kind:<8} {len(lat):>8} {five:>5} {other:>6} "
                f"{_percentile(lat, 50):>8.1f} {_percentile(lat, 99):>8.1f}"
                + (f"  {dict(errs)}" if errs else "")
            )
        total = sum(len(lat) for lat in self.latency.values())
        if self.seconds:
            rate = total / self.seconds
            every = [v for lat in self.latency.values() for v in lat]
            print(
                f"all      {total:>8} requests, {rate:.1f}/s; mean latency"
                f" {sum(every) / len(every):.1f} ms (floor without think time: clients ÷ rate"
                f" = {1000 * self.clients / rate:.0f} ms)"
            )
        if self.seconds and self.latency.get("events"):
            # When the slow events happened: a tail from one moment (a job, a checkpoint)
            # reads differently from one spread over the whole run.
            width = max(1.0, self.seconds / 4)
            cells = []
            for n in range(4):
                inside = [
                    lat
                    for lat, at in zip(self.latency["events"], self.started["events"], strict=True)
                    if n * width <= at - self.began < (n + 1) * width
                ]
                if inside:
                    cells.append(
                        f"{n * width:.0f}-{(n + 1) * width:.0f} s: p50 {_percentile(inside, 50):.0f}"
                        f" p99 {_percentile(inside, 99):.0f}"
                    )
            print("events by quarter of the run (ms): " + "; ".join(cells))
        for kind, body in self.first_error.items():
            print(f"first {kind} error: {body}")


async def _client(
    base: str,
    token: str,
    songs: list[str],
    deadline: float,
    tally: Tally,
    seed: int,
    think_ms: float = 0.0,
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    session = uuid.uuid4().hex
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        while time.perf_counter() < deadline:
            kind = rng.choices(["events", "stream", "search", "like"], [4, 3, 2, 1])[0]
            started = time.perf_counter()
            try:
                await _one(http, kind, rng, songs, session, tally, started)
            except httpx.TransportError:
                tally.add(kind, started, 0)  # connection reset or timed out: status 0
            if think_ms:
                await asyncio.sleep(rng.expovariate(1000 / think_ms))


async def _one(
    http: httpx.AsyncClient,
    kind: str,
    rng: random.Random,
    songs: list[str],
    session: str,
    tally: Tally,
    started: float,
) -> None:
    song = rng.choice(songs)
    if kind == "events":
        now = datetime.now(UTC).isoformat()
        batch = [
            {
                "id": uuid.uuid4().hex,
                "type": rng.choice(["play", "skip", "complete"]),
                "song_id": rng.choice(songs),
                "timestamp": now,
                "session_id": session,
                "position_ms": rng.randrange(0, 200_000),
            }
            for _ in range(rng.randint(5, 20))
        ]
        response = await http.post("/api/events", json={"events": batch})
        tally.add(kind, started, response.status_code)
    elif kind == "stream":
        response = await http.get(f"/api/songs/{song}/stream", params={"quality": "low"})
        tally.add(kind, started, response.status_code)
        if response.status_code == 200:
            started = time.perf_counter()
            body = await http.get(response.json()["url"], headers={"Range": "bytes=0-65535"})
            tally.add("range", started, body.status_code)
    elif kind == "search":
        response = await http.get("/api/search", params={"q": rng.choice(WORDS)})
        tally.add(kind, started, response.status_code)
        if response.status_code != 200 and kind not in tally.first_error:
            tally.first_error[kind] = response.text[:200]
    else:
        method = rng.choice(["PUT", "DELETE"])
        response = await http.request(method, f"/api/songs/{song}/like")
        tally.add(kind, started, response.status_code)


async def _load(base: str, clients: int, seconds: float, think_ms: float) -> Tally:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        tokens = []
        for n in range(USERS):
            response = await http.post(
                "/api/auth/login", json={"username": f"load{n}", "password": PASSWORD}
            )
            response.raise_for_status()
            tokens.append(response.json()["access_token"])
        listing = await http.get(
            "/api/songs", params={"limit": 200}, headers={"Authorization": f"Bearer {tokens[0]}"}
        )
        listing.raise_for_status()
        body = listing.json()
        items = body["items"] if isinstance(body, dict) else body
        songs = [item["id"] for item in items]
    tally = Tally()
    tally.began = time.perf_counter()
    deadline = tally.began + seconds
    await asyncio.gather(
        *(
            _client(base, tokens[n % USERS], songs, deadline, tally, seed=n, think_ms=think_ms)
            for n in range(clients)
        )
    )
    tally.seconds, tally.clients = seconds, clients
    return tally


class WalSizes:
    """The SQLite write-ahead log's size, sampled twice a second through the run: whether
    checkpoints keep it bounded while readers never stop (largest size per quarter)."""

    def __init__(self, data_dir: Path, seconds: float) -> None:
        self._data_dir, self._seconds = data_dir, seconds
        self._largest = [0, 0, 0, 0]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        began = time.monotonic()
        while not self._done.wait(0.5):
            quarter = min(3, int((time.monotonic() - began) / self._seconds * 4))
            size = sum(wal.stat().st_size for wal in self._data_dir.glob("*.db-wal"))
            self._largest[quarter] = max(self._largest[quarter], size)

    def summary(self) -> str:
        sizes = " → ".join(f"{size / 2**20:.1f}" for size in self._largest)
        return f"WAL size, largest per quarter of the run (MiB): {sizes}"


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"tonearm serve exited with {process.returncode}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("tonearm serve did not become healthy")


def run(clients: int, seconds: float, scan: bool, postgres: bool, think_ms: float) -> None:
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tonearm-load-")))
        extra: dict[str, str] = {}
        if postgres:
            # tests.servers yields RunningServer (url, pid): the maintenance database will do.
            extra["TONEARM_DATABASE_URL"] = (
                stack.enter_context(running_postgres()).url + "/postgres"
            )
            extra["TONEARM_CACHE_URL"] = stack.enter_context(running_redis()).url
        env = _env(work / "data", extra)
        if postgres:
            _tonearm(env, "db", "upgrade")
        _tonearm(env, "demo")
        for n in range(USERS):
            _tonearm(env, "user", "add", f"load{n}", "--password", PASSWORD)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(TONEARM), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "serve.log", "wb"),  # noqa: SIM115 - closed with the process
        )
        stack.callback(stop_process, server)
        _wait_healthy(base, server)
        scanner = None
        if scan:
            folder = work / "scan"
            folder.mkdir()
            for n in range(60):  # distinct audio, so each is a new song to enrich
                subprocess.run(
                    ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                     f"sine=frequency={200 + 7 * n}:duration=20", "-c:a", "libmp3lame",
                     "-b:a", "192k", str(folder / f"scan {n:02d}.mp3")],
                    check=True,
                )  # fmt: skip
            scanner = subprocess.Popen(
                [str(TONEARM), "scan", "--add", str(folder)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(stop_process, scanner)
        wal = WalSizes(work / "data", seconds)
        if not postgres:
            wal.start()
        tally = asyncio.run(_load(base, clients, seconds, think_ms))
        wal.stop()
        where = "PostgreSQL + Redis" if postgres else "SQLite, embedded defaults"
        tally.print(
            f"{clients} clients, {seconds:.0f} s, {where}"
            + (", scan running" if scan else "")
            + (f", think time {think_ms:.0f} ms" if think_ms else ", no think time")
        )
        log = (work / "serve.log").read_text(errors="replace")
        locked = log.count("database is locked")
        tracebacks = log.count("Traceback")
        print(f"server log: {tracebacks} tracebacks, {locked} 'database is locked'")
        if not postgres:
            print(wal.summary())
        if tracebacks:
            print(log[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--scan", action="store_true", help="scan a folder during the load")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause, ms")
    args = parser.parse_args()
    run(args.clients, args.seconds, args.scan, args.postgres, args.think)


if __name__ == "__main__":
    main()
