"""`tonearm mashup`: makes a user's mashups with why each pair was chosen, does not make a
pair twice, and names a user it does not know."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.analysis.test_mashups import prepare_library
from tests.cli.conftest import RunTonearm
from tonearm.app import open_runtime
from tonearm.settings import Settings


def test_mashup_command(tonearm: RunTonearm, tmp_path: Path) -> None:
    async def prepare() -> None:
        runtime = await open_runtime(Settings(data_dir=tmp_path / "data"))
        try:
            await prepare_library(runtime, tmp_path)
        finally:
            await runtime.close()

    asyncio.run(prepare())
    made = tonearm("mashup", "--user", "mixer", "--pairs", "2")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "mixer: 1 new mashups from 4 analysed top songs" in made.stdout
    assert "Artist A – Song A × Artist B – Song B" in made.stdout
    assert "why: tempo 120.0 BPM" in made.stdout and "8B and 8A" in made.stdout
    assert list((tmp_path / "data").rglob("mashups/*/*.mp3"))

    again = tonearm("mashup")  # everyone who listened: only mixer did
    assert again.returncode == 0, again.stderr
    assert (
        "mixer: 0 new mashups" in again.stdout
        and "(1 compatible pairs made before)" in again.stdout
    )
    assert "neighbour" not in again.stdout

    unknown = tonearm("mashup", "--user", "nobody")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
