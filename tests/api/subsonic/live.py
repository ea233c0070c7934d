"""A real `tonearm serve` process with a generated, scanned library and the user alice,
for third-party clients (py-sonic) and for byte-level streaming checks."""

from __future__ import annotations

import io
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

from tests.api.accounts import PASSWORD
from tests.cli.conftest import TONEARM, clean_environment
from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port, stop_process

USERNAME = "alice"


def cover_png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small real PNG for embedded cover art."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


def write_demo_library(root: Path) -> list[Path]:
    """A few short real files in Artist/Album folders, tagged, one album with a cover."""
    cover = cover_png()
    album = {"artists": ["Nina Vale"], "album": "Harbour Lights", "year": 2021}
    return [
        make_audio_file(
            root,
            "mp3",
            seconds=8,
            frequency_hz=440,
            name="Nina Vale/Harbour Lights/01 Harbour Lights.mp3",
            tags=album | {"title": "Harbour Lights", "track_number": 1, "genres": ["Folk"]},
            picture=cover,
        ),
        make_audio_file(
            root,
            "flac",
            seconds=8,
            frequency_hz=550,
            name="Nina Vale/Harbour Lights/02 Low Tide.flac",
            tags=album | {"title": "Low Tide", "track_number": 2, "genres": ["Folk"]},
            picture=cover,
        ),
        make_audio_file(
            root,
            "mp3",
            seconds=6,
            frequency_hz=660,
            name="The Quiet Engines/Signals/01 Signal One.mp3",
            tags={
                "artists": ["The Quiet Engines"],
                "album": "Signals",
                "title": "Signal One",
                "track_number": 1,
                "year": 2019,
                "genres": ["Electronic"],
                "synced_lyrics": [(0, "first line"), (2000, "second line")],
            },
        ),
    ]


@dataclass
class LiveServer:
    """A running server: its URL, data dir, music folder and process."""

    port: int
    data_dir: Path
    music_dir: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(repr=False)
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """What the server wrote on stdout and stderr (level warning and up)."""
        return self.data_dir.parent / "serve.log"

    def tonearm(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `tonearm` command on this server's data dir (same settings)."""
        return subprocess.run(
            [str(TONEARM), *args], env=self.env, capture_output=True, text=True, check=True
        )

    def new_api_key(self, name: str) -> str:
        """A new API key for alice, made with `tonearm user apikey add` (the key is the
        command's one long line)."""
        printed = self.tonearm("user", "apikey", "add", USERNAME, "--name", name)
        match = re.search(r"^(\S{20,})$", printed.stdout, re.MULTILINE)
        assert match, printed.stdout
        return match.group(1)

    def stop(self) -> None:
        """Stop the server by its pid."""
        if self.process.poll() is None:
            stop_process(self.process)


def start_live_server(
    tmp: Path,
    *,
    library: Callable[[Path], object] = write_demo_library,
    settings: dict[str, str] | None = None,
) -> LiveServer:
    """Scan a generated library and enrich it to the end (with every rendition made, as a
    library looks once the background work is done: on-demand renditions have tests of
    their own), add alice, start `tonearm serve` and wait until healthy."""
    data_dir, music_dir = tmp / "data", tmp / "music"
    library(music_dir)
    env = clean_environment(
        TONEARM_DATA_DIR=str(data_dir),
        TONEARM_MUSIC_FOLDERS=str(music_dir),
        TONEARM_LOG_LEVEL="warning",
        **({"TONEARM_SCAN_RENDITIONS": "eager"} | (settings or {})),
    )
    for args in (("user", "add", USERNAME, "--password", PASSWORD), ("scan",), ("enrich",)):
        subprocess.run([str(TONEARM), *args], env=env, capture_output=True, check=True)
    port = free_port()
    log = (tmp / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(TONEARM), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    server = LiveServer(port, data_dir, music_dir, process, env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tonearm serve exited: {(tmp / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("tonearm serve never became healthy")
