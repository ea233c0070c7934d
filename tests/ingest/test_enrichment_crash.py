"""Enrichment killed half-way (SIGKILL) resumes where it stopped, without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.ingest.conftest import make_track, open_migrated
from tests.ingest.test_crash_safety import assert_every_row_has_its_object
from tonearm.adapters.db.tables import RenditionRow, SongEnrichmentRow, SongRow
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


async def test_enrichment_killed_half_way_resumes_without_duplicates(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    library = tmp_path / "music"
    for number, frequency in enumerate((330, 440, 550)):
        make_track(library / f"{number}.mp3", frequency_hz=frequency, tags={"title": str(number)})
    services = await open_migrated(settings)
    try:
        await services.domains.ingest.scan([library])
    finally:
        await services.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(
        TONEARM_DATA_DIR=str(settings.data_dir),
        PYTHONPATH=f"{REPO / 'src'}:{REPO}",
        TONEARM_LOG_FORMAT="json",
    )
    # Each song writes preview, waveform (and art when there is some): the 4th row is the
    # second song's, half-way through it.
    done = subprocess.run(
        [sys.executable, "-m", "tests.ingest.crashing_enrich", "4"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]

    services = await open_migrated(settings)
    try:
        status = await services.domains.ingest.enrichment_status()
        assert (status.running, status.done) == (1, 1)  # one finished, one cut short
        assert status.pending == 1
        # The killed worker's lease runs out (time passes): its song is claimable again.
        async with services.database.sessions.begin() as session:
            await session.execute(
                update(SongEnrichmentRow)
                .where(SongEnrichmentRow.state == "running")
                .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        summary = await services.domains.ingest.enrich()
        assert summary.counts["enriched"] == 2, summary
        status = await services.domains.ingest.enrichment_status()
        assert (status.pending, status.running, status.failed, status.done) == (0, 0, 0, 3)
        async with services.database.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(SongRow)) == 3
            per_song = (
                await session.execute(
                    select(RenditionRow.song_id, func.count()).group_by(RenditionRow.song_id)
                )
            ).all()
        assert len(per_song) == 3
        assert len({count for _, count in per_song}) == 1  # every song has the same rows
        await assert_every_row_has_its_object(services)
    finally:
        await services.close()
