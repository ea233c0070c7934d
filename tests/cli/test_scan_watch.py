"""`tonearm scan --watch` picks up a file added while it runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from tests.cli.conftest import TONEARM, clean_environment
from tests.ingest.conftest import make_track
from tests.polling import wait_for
from tests.servers import stop_process
from tonearm.adapters.db.tables import SongRow

pytestmark = pytest.mark.slow


def live_songs(database: Path) -> int:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(SongRow)) or 0)
    finally:
        engine.dispose()


def test_watch_mode_imports_a_new_file(tmp_path: Path) -> None:
    music = tmp_path / "music"
    make_track(music / "a.mp3", frequency_hz=300, tags={"title": "A"})
    data = tmp_path / "data"
    log = (tmp_path / "watch.log").open("w")
    process = subprocess.Popen(
        [str(TONEARM), "scan", "--watch", "--add", str(music)],
        env=clean_environment(TONEARM_DATA_DIR=str(data), TONEARM_RENDITIONS="low"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: "watching" in (tmp_path / "watch.log").read_text(), "watching", timeout=60)
        assert live_songs(data / "tonearm.db") == 1
        make_track(music / "b.mp3", frequency_hz=600, tags={"title": "B"})
        wait_for(lambda: live_songs(data / "tonearm.db") == 2, "the new file", timeout=60)
    finally:
        stop_process(process)  # type: ignore[arg-type]
