"""`import`: files copied into storage, renditions made and stored, duplicates and bad
files reported, on the embedded defaults and on PostgreSQL + S3."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.conftest import make_cover, make_track, probe
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio

EXPECTED_AUDIO = {
    "high": ("mp3", 320),
    "medium": ("mp3", 128),
    "low": ("mp3", 64),
    "preview": ("mp3", 128),
    "efficient": ("opus", None),
}


async def fetch(services: Runtime, key: str, target: Path) -> Path:
    with target.open("wb") as file:
        async for chunk in services.store.get_range(key):
            file.write(chunk)
    return target


async def test_an_imported_song_has_every_rendition_stored_and_recorded(
    services: Runtime, tmp_path: Path
) -> None:
    album = tmp_path / "in" / "Nina" / "Blue"
    source = make_track(
        album / "01 Song.flac",
        seconds=40,
        tags={
            "title": "Feeling Good",
            "artist": "Nina",
            "album": "Blue",
            "track": "1/12",
            "date": "1965",
            "genre": "Jazz",
        },
        codec_args=("-c:a", "flac"),
    )
    make_cover(album / "cover.jpg")
    original_bytes = source.read_bytes()

    summary = await services.domains.ingest.import_paths([source])

    assert summary.counts["imported"] == 1, summary.failures
    assert source.read_bytes() == original_bytes  # originals are never modified
    song = await services.songs.get(summary.song_ids[0])
    assert (song.title, song.artists, song.album, song.track_number, song.year, song.genres) == (
        "Feeling Good",
        ("Nina",),
        "Blue",
        1,
        1965,
        ("Jazz",),
    )
    assert abs(song.duration_ms - 40_000) <= 50
    assert song.loudness_lufs is not None and song.replaygain_track_gain_db is not None

    renditions = {r.kind: r for r in await services.songs.renditions(song.id)}
    assert set(EXPECTED_AUDIO) <= set(renditions)
    assert "waveform" in renditions
    assert {"art-96-jpg", "art-300-jpg", "art-96-webp"} <= set(renditions)
    for kind, (codec, bitrate) in EXPECTED_AUDIO.items():
        row = renditions[kind]
        stored = await services.store.stat(row.storage_key)
        assert stored.size_bytes == row.size_bytes, kind  # the row matches its object
        facts = probe(await fetch(services, row.storage_key, tmp_path / f"{kind}.bin"))
        assert facts["codec_name"] == codec, kind
        if bitrate is not None:
            assert int(facts["bit_rate"]) // 1000 == bitrate, kind
        expected_ms = 30_000 if kind == "preview" else 40_000
        assert abs(float(facts["duration"]) * 1000 - expected_ms) <= 50, (kind, facts)
    assert (
        "webm"
        in probe(await fetch(services, renditions["efficient"].storage_key, tmp_path / "e.webm"))[
            "format_name"
        ]
    )
    original = await services.store.stat(f"original/{song.id}.flac")
    assert original.size_bytes == len(original_bytes)


async def test_the_same_audio_is_imported_once(services: Runtime, tmp_path: Path) -> None:
    flac = make_track(tmp_path / "a.flac", tags={"title": "A"}, codec_args=("-c:a", "flac"))
    await services.domains.ingest.import_paths([flac])
    retagged = tmp_path / "copy" / "b.flac"
    retagged.parent.mkdir()
    retagged.write_bytes(flac.read_bytes())
    # Same PCM in another container is the same audio too.
    wav = tmp_path / "c.wav"
    import subprocess

    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(flac), "-metadata", "title=C", str(wav)],
        check=True,
    )
    summary = await services.domains.ingest.import_paths([retagged, wav])
    assert summary.counts["duplicate"] == 2
    assert summary.counts["imported"] == 0
    assert all("same audio as “A”" in reason for _, reason in summary.duplicates)


async def test_bad_files_fail_with_reasons_and_leave_nothing_while_the_batch_goes_on(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    services = embedded_services
    folder = tmp_path / "batch"
    good = make_track(folder / "good.mp3", tags={"title": "Good"})
    (folder / "empty.mp3").write_bytes(b"")
    (folder / "notes.mp3").write_text("these are not the droids " * 100)
    flac = make_track(tmp_path / "whole.flac", seconds=5, codec_args=("-c:a", "flac"))
    (folder / "truncated.flac").write_bytes(flac.read_bytes()[:2000])
    (folder / "cover.jpg").write_bytes(b"\xff\xd8 not really")  # skipped silently
    (folder / "info.nfo").write_text("ripped by me")  # skipped silently

    summary = await services.domains.ingest.import_paths([folder])

    assert summary.counts["imported"] == 1
    reasons = {path.name: reason for path, reason in summary.failures}
    assert set(reasons) == {"empty.mp3", "notes.mp3", "truncated.flac"}
    assert "empty" in reasons["empty.mp3"]
    assert "not audio" in reasons["notes.mp3"]
    for name in reasons:
        assert await services.songs.failure_for(str(folder / name)) is not None
    # Only the good song's objects exist.
    originals = [info.key async for info in services.store.list("original/")]
    assert len(originals) == 1
    assert good.exists()


async def test_a_file_longer_than_the_maximum_is_refused(tmp_path: Path) -> None:
    from tests.ingest.conftest import open_migrated
    from tonearm.settings import Settings

    services = await open_migrated(Settings(data_dir=tmp_path / "d", max_duration_seconds=2))
    try:
        long_file = make_track(tmp_path / "long.mp3", seconds=5)
        summary = await services.domains.ingest.import_paths([long_file])
    finally:
        await services.close()
    assert summary.counts["failed"] == 1
    assert "longer than" in summary.failures[0][1]


async def test_move_deletes_the_source_only_after_it_is_stored(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    source = make_track(tmp_path / "move-me.mp3", tags={"title": "Moved"})
    bad = tmp_path / "bad.mp3"
    bad.write_text("nope")
    summary = await embedded_services.domains.ingest.import_paths([source, bad], move=True)
    assert summary.counts["imported"] == 1
    assert not source.exists()
    assert bad.exists()  # a failed file is never deleted


async def test_only_configured_renditions_are_made(tmp_path: Path) -> None:
    from tests.ingest.conftest import open_migrated
    from tonearm.settings import Settings

    services = await open_migrated(
        Settings(data_dir=tmp_path / "d", renditions="low,preview")  # type: ignore[arg-type]
    )
    try:
        await services.domains.ingest.import_paths([make_track(tmp_path / "x.ogg", seconds=35)])
        prefixes = {info.key.split("/")[0] async for info in services.store.list("")}
    finally:
        await services.close()
    assert prefixes == {"original", "low", "previews", "waveforms"}


async def test_album_gain_is_set_once_the_album_is_complete(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    services = embedded_services
    album = tmp_path / "Duo" / "Pair"
    tags = {"artist": "Duo", "album": "Pair"}
    first = make_track(
        album / "1.mp3", frequency_hz=300, tags={**tags, "title": "A", "track": "1/2"}
    )
    second = make_track(
        album / "2.mp3", frequency_hz=500, tags={**tags, "title": "B", "track": "2/2"}
    )
    one = await services.domains.ingest.import_paths([first])
    assert (await services.songs.get(one.song_ids[0])).replaygain_album_gain_db is None
    two = await services.domains.ingest.import_paths([second])
    songs = [await services.songs.get(i) for i in (*one.song_ids, *two.song_ids)]
    gains = {song.replaygain_album_gain_db for song in songs}
    assert len(gains) == 1 and None not in gains


async def test_a_file_with_the_wrong_extension_is_stored_by_what_it_is(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    flac = make_track(tmp_path / "real.flac", codec_args=("-c:a", "flac"))
    misnamed = flac.rename(tmp_path / "misnamed.mp3")
    summary = await embedded_services.domains.ingest.import_paths([misnamed])
    assert summary.counts["imported"] == 1, summary.failures
    keys = [info.key async for info in embedded_services.store.list("original/")]
    assert keys == [f"original/{summary.song_ids[0]}.flac"]
