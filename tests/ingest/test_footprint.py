"""The storage-footprint rule at import and scan time (library/ladder.py): no same-codec
rendition at or above the source's bitrate; a CBR MP3 original in storage stands in for the
lowest such tier without a copy; lossless keeps the ladder. Real ffmpeg, embedded and
PostgreSQL + S3."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from tests.ingest.conftest import make_track, open_migrated, probe
from tonearm.app import Runtime
from tonearm.library.models import StoredRendition
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio

AUDIO = ("high", "medium", "low", "efficient", "preview")


async def audio_rows(services: Runtime, song_id: UUID) -> dict[str, StoredRendition]:
    return {r.kind: r for r in await services.songs.renditions(song_id) if r.kind in AUDIO}


async def prefixes(services: Runtime) -> set[str]:
    return {info.key.split("/")[0] async for info in services.store.list("")}


async def import_one(services: Runtime, path: Path) -> UUID:
    summary = await services.domains.ingest.import_paths([path])
    assert summary.counts["imported"] == 1, summary.failures
    return summary.song_ids[0]


async def test_a_128k_cbr_mp3_gets_no_high_and_its_original_serves_medium(
    services: Runtime, tmp_path: Path
) -> None:
    source = make_track(
        tmp_path / "in" / "a.mp3",
        seconds=12,
        tags={"title": "A"},  # an ID3v2 tag in front of the frames
        codec_args=("-c:a", "libmp3lame", "-b:a", "128k"),
    )
    song_id = await import_one(services, source)

    rows = await audio_rows(services, song_id)
    assert set(rows) == {"medium", "low", "preview"}  # no Opus copy: it would save < 1/4
    original_key = f"original/{song_id}.mp3"
    medium = rows["medium"]
    # The stand-in names the original's object: no copy, no object under medium/ or high/.
    assert (medium.storage_key, medium.codec, medium.bitrate_kbps) == (original_key, "mp3", 128)
    assert medium.size_bytes == source.stat().st_size
    assert (await services.store.stat(original_key)).size_bytes == source.stat().st_size
    assert {"high", "medium"}.isdisjoint(await prefixes(services))
    assert rows["low"].storage_key == f"low/{song_id}.mp3"
    # The health figures count the original once.
    objects = [info async for info in services.store.list("")]
    renditions_bytes, originals_bytes = await services.songs.stored_bytes()
    assert originals_bytes == source.stat().st_size
    assert renditions_bytes == sum(i.size_bytes for i in objects if i.key != original_key)

    # Importing it again is a duplicate, not an unfinished import (nothing is missing).
    again = await services.domains.ingest.import_paths([source])
    assert again.counts["duplicate"] == 1


async def test_a_320k_mp3_keeps_no_320k_rendition(services: Runtime, tmp_path: Path) -> None:
    source = make_track(
        tmp_path / "b.mp3", seconds=8, codec_args=("-c:a", "libmp3lame", "-b:a", "320k")
    )
    song_id = await import_one(services, source)

    rows = await audio_rows(services, song_id)
    assert set(rows) == {"high", "medium", "low", "efficient", "preview"}
    assert rows["high"].storage_key == f"original/{song_id}.mp3"  # the original, not a copy
    assert "high" not in await prefixes(services)
    made = [
        r for r in rows.values() if r.codec == "mp3" and r.storage_key != f"original/{song_id}.mp3"
    ]
    assert all((r.bitrate_kbps or 0) < 320 for r in made)
    assert int(probe(source)["bit_rate"]) // 1000 == 320


async def test_flac_keeps_the_whole_ladder(services: Runtime, tmp_path: Path) -> None:
    source = make_track(tmp_path / "c.flac", seconds=8, codec_args=("-c:a", "flac"))
    song_id = await import_one(services, source)

    rows = await audio_rows(services, song_id)
    assert set(rows) == set(AUDIO)
    assert all(not r.storage_key.startswith("original/") for r in rows.values())
    assert {"high", "medium", "low", "efficient", "previews"} <= await prefixes(services)


async def test_a_vbr_mp3_never_stands_in(services: Runtime, tmp_path: Path) -> None:
    source = make_track(
        tmp_path / "d.mp3", seconds=8, codec_args=("-c:a", "libmp3lame", "-q:a", "2")
    )
    song_id = await import_one(services, source)

    rows = await audio_rows(services, song_id)
    assert all(not r.storage_key.startswith("original/") for r in rows.values())
    # About 105 kbps on average here: high, medium and efficient are needless, nothing
    # stands in.
    assert set(rows) == {"low", "preview"}


async def test_an_opus_original_at_or_below_96k_gets_no_efficient(
    services: Runtime, tmp_path: Path
) -> None:
    source = make_track(
        tmp_path / "e.opus", seconds=8, codec_args=("-c:a", "libopus", "-b:a", "64k")
    )
    song_id = await import_one(services, source)

    rows = await audio_rows(services, song_id)
    assert set(rows) == {"high", "medium", "low", "preview"}  # other codec: MP3s are made


async def test_a_scanned_cbr_mp3_never_stands_in(tmp_path: Path) -> None:
    library = tmp_path / "music"
    make_track(
        library / "Artist" / "Album" / "01 f.mp3",
        seconds=8,
        tags={"title": "F", "artist": "Artist", "album": "Album"},
        codec_args=("-c:a", "libmp3lame", "-b:a", "128k"),
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        scan_renditions="eager",  # type: ignore[arg-type]
    )
    services = await open_migrated(settings)
    try:
        summary = await services.domains.ingest.scan([library])
        await services.domains.ingest.enrich()
        [song_id] = summary.song_ids
        rows = await audio_rows(services, song_id)
        stored = await prefixes(services)
    finally:
        await services.close()
    # Read in place: no stand-in, and no same-codec copy at or above 128 kbps either.
    assert set(rows) == {"low", "preview"}
    assert {"high", "medium", "original"}.isdisjoint(stored)
