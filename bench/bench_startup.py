"""Start-up and idle memory: tonearm beside supysonic, interleaved in one run (issue 18, 1-2).

Figures, each the median (and minimum) of `--rounds` alternating runs:
  * `tonearm --help` and `supysonic-cli --help`: CPU seconds (user + system) and wall.
  * `tonearm serve` on the embedded defaults, start to the first 200 from /api/health: wall,
    and the CPU the process had used by then. Twice: a new data directory (migrations run)
    and the same directory again (what every later start costs).
  * Idle resident memory after start: `serve` (1 process), `serve --workers 2` (each process:
    the supervisor, uvicorn's resource tracker, the two workers) and supysonic-server
    (../shared/peers/run_supysonic.sh on an empty folder, waitress).
  * The floor: a bare Python process importing only the third-party packages every `serve`
    process loads (FLOOR_IMPORTS), no tonearm code: its CPU seconds and resident memory. What
    tonearm adds on top of it is what tonearm's own code can still win back.
The machine is shared: compare the columns of one run, not with another run's.

Run: PYTHONPATH=.:src .venv/bin/python bench/bench_startup.py [--rounds 5] [--before DIR]
--before DIR: also runs the tonearm source in DIR/src (e.g. a `git worktree` of an older
commit) with the same interpreter, interleaved with this one, in the same table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "peers"
SUPYSONIC_VENV = Path(os.environ.get("SUPYSONIC_VENV", "/tmp/peers/venv"))
TICKS = os.sysconf("SC_CLK_TCK")


SOURCE = {"now": str(ROOT / "src")}
# What every `serve` process imports from other projects, whatever its settings: the web
# framework and server, the database layer, the job queue (huey, which itself imports redis and
# psycopg when they are installed), tokens, passwords, logging, settings, rate limits, JSON and
# multipart parsing.
FLOOR_IMPORTS = (
    "fastapi, uvicorn, uvloop, httptools, sqlalchemy.orm, sqlalchemy.ext.asyncio, aiosqlite, "
    "huey, jwt, argon2, structlog, pydantic_settings, limits, orjson, multipart"
)
FLOOR_CODE = (
    f"import {FLOOR_IMPORTS}\n"
    "for line in open('/proc/self/status'):\n"
    "    if line.startswith('VmRSS:'): print(int(line.split()[1]) / 1024)\n"
)


def environment(target: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' runs write and reuse bytecode
    if target is not None:
        env["PYTHONPATH"] = SOURCE[target]
    env.update(extra)
    return env


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_command(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = os.times()
    return (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    ), wall


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("never healthy")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve_once(tonearm: str, target: str, data: Path, workers: int) -> dict[str, object]:
    port = free_port()
    env = environment(target, TONEARM_DATA_DIR=str(data))
    args = [tonearm, "serve", "--port", str(port), "--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api/health", process)
        wall = time.perf_counter() - start
        cpu = cpu_of(process.pid) + sum(cpu_of(c) for c in children(process.pid))
        time.sleep(3)  # idle: the job worker's first sweep and the app's first tick are done
        processes = [process.pid, *children(process.pid)]
        return {"wall": wall, "cpu": cpu, "rss": [rss_mib(p) for p in processes]}
    finally:
        stop(process)


def supysonic_rss(work: Path) -> float | None:
    if not (SUPYSONIC_VENV / "bin" / "supysonic-server").exists():
        return None
    library = work / "empty-library"
    library.mkdir(exist_ok=True)
    workdir = work / "supysonic"
    subprocess.run(
        ["bash", str(PEERS / "run_supysonic.sh"), str(library), str(workdir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        pid = int((workdir / "server.pid").read_text())
        return rss_mib(pid) + sum(rss_mib(c) for c in children(pid))
    finally:
        subprocess.run(
            ["bash", str(PEERS / "run_supysonic.sh"), "--stop", str(workdir)],
            check=False,
            stdout=subprocess.DEVNULL,
        )


def supysonic_workdir(work: Path) -> Path:
    workdir = work / "supysonic-cli"
    (workdir / "home").mkdir(parents=True, exist_ok=True)
    (workdir / "supysonic.conf").write_text(
        f"[base]\ndatabase_uri = sqlite:///{workdir}/supysonic.db\n"
        f"[webapp]\ncache_dir = {workdir}/cache\n"
    )
    return workdir


def median_min(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tonearm", default=str(Path(sys.executable).with_name("tonearm")))
    parser.add_argument("--before", type=Path, help="an older checkout to run side by side")
    options = parser.parse_args()
    if options.before:
        SOURCE["before"] = str(options.before.resolve() / "src")
    work = Path(tempfile.mkdtemp(prefix="tonearm-bench-startup-"))
    try:
        run(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(options: argparse.Namespace, work: Path) -> None:
    tonearm = options.tonearm
    targets = list(SOURCE)
    supy_cli = SUPYSONIC_VENV / "bin" / "supysonic-cli"
    supy_dir = supysonic_workdir(work)
    supy_env = environment(HOME=str(supy_dir / "home"))
    for target in targets:  # one untimed run writes the bytecode caches, as a user's first does
        subprocess.run([tonearm, "--help"], stdout=subprocess.DEVNULL, env=environment(target))
    names = [f"tonearm {t}" for t in targets] + ["supysonic"]
    help_cpu: dict[str, list[float]] = {name: [] for name in names}
    help_wall: dict[str, list[float]] = {name: [] for name in names}
    for i in range(options.rounds):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            if name == "supysonic":
                if not supy_cli.exists():
                    continue
                cpu, wall = timed_command([str(supy_cli), "--help"], supy_dir, supy_env)
            else:
                cpu, wall = timed_command([tonearm, "--help"], work, environment(name.split()[1]))
            help_cpu[name].append(cpu)
            help_wall[name].append(wall)
    floor_cpu: list[float] = []
    floor_rss: list[float] = []
    for _ in range(options.rounds):
        before = os.times()
        done = subprocess.run(
            [sys.executable, "-c", FLOOR_CODE], env=environment(), capture_output=True, check=True
        )
        after = os.times()
        floor_cpu.append(
            after.children_user - before.children_user + after.children_system
            - before.children_system
        )  # fmt: skip
        floor_rss.append(float(done.stdout))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        f"floor (third-party imports of serve, no tonearm code): CPU s {median_min(floor_cpu)},"
        f" RSS {statistics.median(floor_rss):.0f} MiB"
    )
    print("--help                      CPU s              wall s")
    for name in names:
        if help_cpu[name]:
            print(f"  {name:24}  {median_min(help_cpu[name]):18} {median_min(help_wall[name])}")

    runs: dict[str, dict[str, list[dict[str, object]]]] = {
        t: {"first": [], "again": [], "two": []} for t in targets
    }
    for i in range(options.rounds):
        for target in targets if i % 2 == 0 else targets[::-1]:
            data = work / f"data-{target}-{i}"
            runs[target]["first"].append(serve_once(tonearm, target, data, 1))
            runs[target]["again"].append(serve_once(tonearm, target, data, 1))
            runs[target]["two"].append(serve_once(tonearm, target, data, 2))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("serve → /api/health                 wall s             CPU s")
    for target in targets:
        for label, key in (("new data dir", "first"), ("same dir again", "again")):
            walls = [float(r["wall"]) for r in runs[target][key]]  # type: ignore[arg-type]
            cpus = [float(r["cpu"]) for r in runs[target][key]]  # type: ignore[arg-type]
            print(f"  {target:7} {label:24}  {median_min(walls):18} {median_min(cpus)}")
    print("idle RSS, MiB (median)")
    for target in targets:
        one_rss = [r["rss"][0] for r in runs[target]["again"]]  # type: ignore[index]
        print(f"  {target:7} serve, 1 process          {statistics.median(one_rss):.0f}")
        two = runs[target]["two"]
        per_process = list(zip(*[r["rss"] for r in two], strict=False))  # type: ignore[misc]
        cells = ", ".join(f"{statistics.median(p):.0f}" for p in per_process)
        total = statistics.median(sum(r["rss"]) for r in two)  # type: ignore[arg-type]
        print(f"  {target:7} serve --workers 2         {total:.0f} in all: {cells}")
    print("    (--workers 2: supervisor, uvicorn's resource tracker, worker, worker)")
    supysonic = supysonic_rss(work)
    if supysonic is not None:
        print(f"  supysonic-server                  {supysonic:.0f}")


if __name__ == "__main__":
    main()
