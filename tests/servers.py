"""Start and stop the real servers the tests use: PostgreSQL 15, Redis and moto's S3.

Each binds to 127.0.0.1 on a free port, lives in a temp folder and is stopped by its pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} after {timeout}s")


def stop_pid(pid: int, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Send `sig` to `pid` and wait until it is gone (SIGKILL after `timeout`)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                return
        except ChildProcessError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop a server we started: SIGTERM to its pid, SIGKILL after `timeout`, then reap it."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class RunningServer:
    """A started server: its URL and its process id."""

    url: str
    pid: int


@contextmanager
def running_redis() -> Iterator[RunningServer]:
    """A private redis-server without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "redis-server is not installed: run `make test` (apt-get install redis-server)"
        )
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield RunningServer(f"redis://127.0.0.1:{port}/0", process.pid)
    finally:
        stop_process(process)


@contextmanager
def running_moto_s3() -> Iterator[RunningServer]:
    """moto's standalone S3-compatible server as its own process."""
    binary = Path(sys.executable).with_name("moto_server")
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield RunningServer(f"http://127.0.0.1:{port}", process.pid)
    finally:
        stop_process(process)


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def running_postgres() -> Iterator[RunningServer]:
    """A private PostgreSQL 15 cluster made with initdb in a temp folder."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed under {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="tonearm-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    try:
        wait_for_port(port, None)
        yield RunningServer(f"postgresql://postgres@127.0.0.1:{port}", pid)
    finally:
        # SIGINT is PostgreSQL's "fast shutdown".
        stop_pid(pid, signal.SIGINT)
        shutil.rmtree(root, ignore_errors=True)


NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")


def nginx_config(workdir: Path, http_body: str, workers: int | str = 1) -> str:
    """A whole nginx.conf around `http_body` (server blocks): pid, logs and temp files in
    `workdir`, in the foreground, for a private nginx that is not the system's service."""
    temp = workdir / "tmp"
    # As root nginx would drop its workers to `nobody`, who cannot read pytest's temp dirs.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes {workers};\n"
        "daemon off;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        "    types { audio/mpeg mp3; audio/flac flac; audio/webm webm; image/jpeg jpg; }\n"
        "    default_type application/octet-stream;\n"
        f"    client_body_temp_path {temp}/body;\n"
        f"    proxy_temp_path {temp}/proxy;\n"
        f"    fastcgi_temp_path {temp}/fastcgi;\n"
        f"    uwsgi_temp_path {temp}/uwsgi;\n"
        f"    scgi_temp_path {temp}/scgi;\n"
        f"{http_body}\n"
        "}\n"
    )


@contextmanager
def running_nginx(
    workdir: Path, http_body: str, port: int, workers: int | str = 1
) -> Iterator[RunningServer]:
    """A private nginx with `http_body` (which must listen on 127.0.0.1:`port`)."""
    if not NGINX.exists():
        raise RuntimeError("nginx is not installed: run `make system-deps`")
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    config = workdir / "nginx.conf"
    config.write_text(nginx_config(workdir, http_body, workers))
    base = [str(NGINX), "-p", str(workdir), "-c", str(config), "-e", str(workdir / "error.log")]
    checked = subprocess.run([*base, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refused {config}: {checked.stderr.strip()}")
    process = subprocess.Popen(
        base, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield RunningServer(f"http://127.0.0.1:{port}", process.pid)
    finally:
        # SIGQUIT: graceful shutdown of the master and its workers.
        stop_pid(process.pid, signal.SIGQUIT)
        with suppress(ChildProcessError):
            process.wait(5)
