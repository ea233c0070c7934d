"""`scan`: originals read in place; new, changed, retagged, moved and removed files are
followed incrementally and songs keep their ids."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ingest.conftest import FFMPEG, make_track
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


def retag(path: Path, **tags: str) -> None:
    """Rewrite the file's tags (same audio) the way a tag editor would."""
    temp = path.with_name("retag-" + path.name)
    metadata = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(path),
            "-map",
            "0",
            "-c",
            "copy",
            *metadata,
            str(temp),
        ],
        check=True,
    )
    os.replace(temp, path)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    make_track(
        root / "Alpha" / "First" / "01 One.mp3",
        frequency_hz=330,
        tags={"title": "One", "artist": "Alpha", "album": "First"},
    )
    make_track(
        root / "Alpha" / "First" / "02 Two.mp3",
        frequency_hz=440,
        tags={"title": "Two", "artist": "Alpha", "album": "First"},
    )
    make_track(
        root / "Beta" / "Second" / "01 Three.flac",
        frequency_hz=550,
        tags={"title": "Three", "artist": "Beta"},
        codec_args=("-c:a", "flac"),
    )
    return root


async def song_ids_by_title(services: Runtime) -> dict[str, object]:
    from sqlalchemy import select

    from tonearm.adapters.db.tables import SongRow

    async with services.database.sessions() as session:
        rows = await session.execute(
            select(SongRow.title, SongRow.id).where(SongRow.deleted_at.is_(None))
        )
        return {title: song_id for title, song_id in rows}


async def test_a_first_scan_adds_every_file_in_place(services: Runtime, library: Path) -> None:
    summary = await services.domains.ingest.scan([library])
    assert summary.counts["imported"] == 3, summary.failures
    titles = await song_ids_by_title(services)
    assert set(titles) == {"One", "Two", "Three"}
    song = await services.songs.get(titles["Three"])  # type: ignore[arg-type]
    assert song.original_path == str(library / "Beta" / "Second" / "01 Three.flac")
    assert song.original_key is None
    assert [i.key async for i in services.store.list("original/")] == []  # never copied


async def test_a_rescan_of_an_unchanged_library_decodes_nothing(
    embedded_services: Runtime, library: Path
) -> None:
    await embedded_services.domains.ingest.scan([library])
    summary = await embedded_services.domains.ingest.scan([library])
    assert summary.unchanged == 3
    assert sum(summary.counts.values()) == 0


async def test_retag_move_add_and_remove_keep_ids(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    before = await song_ids_by_title(services)

    retag(library / "Alpha" / "First" / "01 One.mp3", title="One (Remastered)")
    (library / "Gamma").mkdir()
    shutil.move(library / "Alpha" / "First" / "02 Two.mp3", library / "Gamma" / "two.mp3")
    (library / "Beta" / "Second" / "01 Three.flac").unlink()
    make_track(library / "Delta" / "new.mp3", frequency_hz=660, tags={"title": "Four"})

    summary = await services.domains.ingest.scan([library])

    assert summary.counts["updated"] == 1
    assert summary.counts["moved"] == 1
    assert summary.counts["imported"] == 1
    assert summary.removed == 1
    after = await song_ids_by_title(services)
    assert after["One (Remastered)"] == before["One"]
    assert after["Two"] == before["Two"]
    assert "Three" not in after
    moved = await services.songs.get(after["Two"])  # type: ignore[arg-type]
    assert moved.original_path == str(library / "Gamma" / "two.mp3")
    gone = await services.songs.get(before["Three"])  # type: ignore[arg-type]
    assert gone.deleted_at is not None


async def test_a_removed_file_that_comes_back_gets_its_old_id(
    embedded_services: Runtime, library: Path, tmp_path: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    before = await song_ids_by_title(services)
    parked = tmp_path / "parked.flac"
    shutil.move(library / "Beta" / "Second" / "01 Three.flac", parked)
    await services.domains.ingest.scan([library])
    shutil.move(parked, library / "Beta" / "Second" / "01 Three.flac")
    summary = await services.domains.ingest.scan([library])
    assert summary.counts["imported"] == 1
    assert (await song_ids_by_title(services))["Three"] == before["Three"]


async def test_a_missing_music_folder_removes_nothing(
    embedded_services: Runtime, library: Path, tmp_path: Path
) -> None:
    await embedded_services.domains.ingest.scan([library])
    unmounted = tmp_path / "unmounted"
    library.rename(unmounted)
    summary = await embedded_services.domains.ingest.scan([library])
    assert summary.removed == 0
    assert "music folder not found" in summary.failures[0][1]
    assert len(await song_ids_by_title(embedded_services)) == 3


async def test_a_bad_file_is_not_decoded_again_until_it_changes(
    embedded_services: Runtime, library: Path
) -> None:
    bad = library / "bad.mp3"
    bad.write_text("not music")
    first = await embedded_services.domains.ingest.scan([library])
    assert [p.name for p, _ in first.failures] == ["bad.mp3"]
    second = await embedded_services.domains.ingest.scan([library])
    assert second.failures == []  # remembered, not re-decoded
    assert second.counts["failed"] == 1
    make_track(bad, frequency_hz=770, tags={"title": "Fixed"})
    third = await embedded_services.domains.ingest.scan([library])
    assert third.counts["imported"] == 1
    assert await embedded_services.songs.failure_for(str(bad)) is None


async def test_new_audio_in_a_known_file_keeps_the_id_and_replaces_renditions(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    await services.domains.ingest.enrich()
    before = await song_ids_by_title(services)
    path = library / "Alpha" / "First" / "01 One.mp3"
    old_song = await services.songs.get(before["One"])  # type: ignore[arg-type]
    old_preview = {r.kind: r for r in await services.songs.renditions(old_song.id)}["preview"]
    old_size = (await services.store.stat(old_preview.storage_key)).size_bytes
    make_track(path, seconds=6, frequency_hz=990, tags={"title": "One"})
    summary = await services.domains.ingest.scan([library])
    assert summary.counts["updated"] == 1
    assert summary.queued_for_enrichment == 1
    # Phase 1: the stale renditions are gone at once; the length is mutagen's.
    assert "preview" not in {r.kind for r in await services.songs.renditions(old_song.id)}
    enriched = await services.domains.ingest.enrich()
    assert enriched.counts["enriched"] == 1
    after = await song_ids_by_title(services)
    assert after["One"] == before["One"]
    song = await services.songs.get(after["One"])  # type: ignore[arg-type]
    assert abs(song.duration_ms - 6000) <= 50
    assert song.audio_hash != old_song.audio_hash
    new_preview = {r.kind: r for r in await services.songs.renditions(song.id)}["preview"]
    assert (await services.store.stat(new_preview.storage_key)).size_bytes > old_size
