"""Files real libraries hold on day one: names that are not UTF-8, a file whose handling
throws, untagged files right under the music folder (issue 15, defects 1, 3 and 5)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.ingest.conftest import make_track
from tonearm.app import Runtime
from tonearm.ingest.models import AudioAnalysis, SongTags
from tonearm.ingest.pipeline import IngestResult
from tonearm.library.paths import display_path, text_to_path

pytestmark = pytest.mark.anyio

LATIN1_NAME = os.fsdecode(b"caf\xe9.mp3")  # an old rip's name: Latin-1 bytes, not UTF-8
LATIN1_FOLDER = os.fsdecode(b"Chanson fran\xe7aise")


def latin1_library(root: Path) -> Path:
    """Good files around one whose folder and file name are Latin-1 bytes."""
    make_track(root / "Alpha" / "First" / "01 One.mp3", frequency_hz=330, tags={"title": "One"})
    make_track(root / LATIN1_FOLDER / LATIN1_NAME, frequency_hz=440)  # untagged
    make_track(root / "Zulu" / "Last" / "02 Two.mp3", frequency_hz=550, tags={"title": "Two"})
    return root / LATIN1_FOLDER / LATIN1_NAME


async def test_a_latin1_named_file_among_good_files_is_imported_shown_and_kept_exactly(
    services: Runtime, tmp_path: Path
) -> None:
    odd = latin1_library(tmp_path / "in")
    odd_bytes = odd.read_bytes()

    summary = await services.domains.ingest.import_paths([tmp_path / "in"])

    assert summary.counts["imported"] == 3, summary.failures
    songs = [await services.songs.get(song_id) for song_id in summary.song_ids]
    by_title = {song.title: song for song in songs}
    assert set(by_title) == {"One", "Two", "café"}  # shown readably, not "caf" or escapes
    cafe = by_title["café"]
    assert cafe.album == "Chanson française"
    assert cafe.original_key is not None
    stored = b"".join([chunk async for chunk in services.store.get_range(cafe.original_key)])
    assert stored == odd_bytes


async def test_a_latin1_named_file_is_scanned_playable_and_unchanged_on_rescan(
    services: Runtime, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    odd = latin1_library(root)

    first = await services.domains.ingest.scan([root])

    assert first.counts["imported"] == 3, first.failures
    ids: dict[str, uuid.UUID] = {}
    for song_id in first.song_ids:
        ids[(await services.songs.get(song_id)).title] = song_id
    assert set(ids) == {"One", "Two", "café"}
    cafe = await services.songs.get(ids["café"])
    assert cafe.original_path is not None and cafe.folder_path is not None
    # The stored text opens the very file (its exact bytes), and reads well on screen.
    assert os.fsencode(text_to_path(cafe.original_path)) == os.fsencode(odd.resolve())
    assert text_to_path(cafe.original_path).read_bytes() == odd.read_bytes()
    assert display_path(cafe.folder_path).endswith("/Chanson française")

    second = await services.domains.ingest.scan([root])

    assert second.unchanged == 3, (second.counts, second.failures)
    assert sum(second.counts.values()) == 0 and second.removed == 0
    assert (await services.songs.get(ids["café"])).deleted_at is None
    # The merge of walk and rows reads it as the same file: its id never changes.
    odd.touch()
    os.utime(odd, ns=(1, 1))
    third = await services.domains.ingest.scan([root])
    assert third.counts["updated"] == 1 and third.removed == 0
    assert third.song_ids == [ids["café"]]


async def test_an_exception_for_one_file_is_its_failure_and_the_batch_goes_on(
    embedded_services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = embedded_services
    folder = tmp_path / "batch"
    for index, name in enumerate(("a.mp3", "boom.mp3", "c.mp3", "d.mp3")):
        make_track(folder / name, frequency_hz=300 + 100 * index, tags={"title": name})
    pipeline = services.domains.ingest.pipeline
    analyse = pipeline.analyse

    async def exploding(path: Path) -> AudioAnalysis:
        if path.name == "boom.mp3":
            raise RuntimeError("injected for the test")
        return await analyse(path)

    monkeypatch.setattr(pipeline, "analyse", exploding)

    imported = await services.domains.ingest.import_paths([folder], jobs=1)

    assert imported.counts["imported"] == 3
    assert [(path.name, reason) for path, reason in imported.failures] == [
        ("boom.mp3", "internal error (RuntimeError: injected for the test)")
    ]
    failures, total = await services.songs.failures(10, 0)
    assert total == 1 and failures[0].path == str(folder / "boom.mp3")

    other = tmp_path / "scanned"  # in place, the same rule (phase 1 reads tags, no decode)
    for index, name in enumerate(("boom.mp3", "e.mp3")):
        make_track(other / name, frequency_hz=800 + 100 * index)
    scan_pipeline = services.domains.ingest.scan_pipeline
    read_tags = scan_pipeline.read_tags

    async def exploding_tags(path: Path, root: Path | None = None) -> SongTags:
        if path.name == "boom.mp3":
            raise RuntimeError("injected for the test")
        return await read_tags(path, root=root)

    monkeypatch.setattr(scan_pipeline, "read_tags", exploding_tags)
    scanned = await services.domains.ingest.scan([other])
    assert scanned.counts["failed"] == 1 and scanned.counts["imported"] == 1
    assert [path.name for path, _ in scanned.failures] == ["boom.mp3"]


async def test_an_untagged_file_never_takes_the_music_folders_name(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    services = embedded_services
    root = tmp_path / "My Music"
    make_track(root / "lossless" / "x.wav", frequency_hz=330, codec_args=("-c:a", "pcm_s16le"))
    make_track(root / "loose.mp3", frequency_hz=440)
    make_track(root / "Artist" / "Album" / "01 - Song.mp3", frequency_hz=550)

    scanned = await services.domains.ingest.scan([root])

    assert scanned.counts["imported"] == 3, scanned.failures
    songs = {song.title: song for song in [await services.songs.get(i) for i in scanned.song_ids]}
    assert (songs["x"].artists, songs["x"].album) == ((), "lossless")
    assert (songs["loose"].artists, songs["loose"].album) == ((), None)
    assert (songs["Song"].artists, songs["Song"].album) == (("Artist",), "Album")

    other = tmp_path / "Imports Folder"
    make_track(other / "lossless" / "y.wav", frequency_hz=660, codec_args=("-c:a", "pcm_s16le"))
    make_track(other / "top.mp3", frequency_hz=770)
    imported = await services.domains.ingest.import_paths([other])
    assert imported.counts["imported"] == 2, imported.failures
    by_title = {
        song.title: song for song in [await services.songs.get(i) for i in imported.song_ids]
    }
    assert (by_title["y"].artists, by_title["y"].album) == ((), "lossless")
    assert (by_title["top"].artists, by_title["top"].album) == ((), None)


class CountingReporter:
    """Records what a batch tells its reporter."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.done = 0

    def total_known(self, total: int) -> None:
        self.totals.append(total)

    def file_started(self, path: Path) -> None:
        pass

    def file_skipped(self, path: Path) -> None:
        self.done += 1

    def file_finished(self, result: IngestResult) -> None:
        self.done += 1


async def test_a_scan_counts_first_so_progress_has_a_total(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    latin1_library(root)
    (root / "bad.mp3").write_text("not music")
    (root / "cover.jpg").write_bytes(b"not counted: not music")

    for _ in range(2):  # a first scan and an unchanged rescan both reach their total
        reporter = CountingReporter()
        await embedded_services.domains.ingest.scan([root], reporter)
        assert reporter.totals == [4]
        assert reporter.done == 4


async def test_a_file_of_100_000_tiny_id3_frames_is_refused_before_any_decode(
    embedded_services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.adapters.media.test_tag_counts import id3_with_frames
    from tonearm.adapters.ffmpeg import analysis

    plain = make_track(tmp_path / "plain.mp3", seconds=2.0)
    bomb = tmp_path / "in" / "frames.mp3"
    bomb.parent.mkdir()
    bomb.write_bytes(id3_with_frames(plain.read_bytes(), 3, 100_000))
    decoded: list[str] = []
    stream_ffmpeg = analysis.stream_ffmpeg

    async def counting(binary: Path, args: list[str], *rest: object, **options: object) -> None:
        decoded.append(args[args.index("-i") + 1])
        await stream_ffmpeg(binary, args, *rest, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "stream_ffmpeg", counting)

    summary = await embedded_services.domains.ingest.import_paths([bomb])

    assert [reason for _, reason in summary.failures] == [
        "tag bomb: 100,000 ID3v2 frames, over the limit of 5,000"
    ]
    assert decoded == []  # ffmpeg never saw it
    await embedded_services.domains.ingest.import_paths([plain])
    assert decoded == [str(plain)]  # the counter counts


async def test_valid_songs_in_folders_named_like_drm_are_imported(
    embedded_services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    scratch = tmp_path / "tmp-drm-protected-encrypted"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where analysis makes its folder
    root = tmp_path / "Protected"
    for index, folder in enumerate(("Encrypted", "Protected", "DRM")):
        make_track(root / folder / f"{folder} Song.mp3", frequency_hz=300 + 100 * index)

    summary = await embedded_services.domains.ingest.import_paths([root])

    assert summary.counts["imported"] == 3, summary.failures


async def test_a_tag_bomb_of_encrypted_id3_frames_is_reported_as_a_tag_bomb(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    plain = make_track(tmp_path / "plain.mp3", seconds=2.0).read_bytes()
    frame = b"TIT2" + (5).to_bytes(4, "big") + b"\x00\x04" + b"\x03abcd"  # flagged encrypted
    body = frame * 20_000
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    bomb = tmp_path / "bomb.mp3"
    bomb.write_bytes(b"ID3\x04\x00\x00" + size + body + plain)

    summary = await embedded_services.domains.ingest.import_paths([bomb])

    assert [reason for _, reason in summary.failures] == [
        "tag bomb: 20,000 ID3v2 frames, over the limit of 5,000"
    ]


async def test_an_unreadable_music_folder_removes_nothing(
    embedded_services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tonearm.ingest import scan as scan_module

    root = tmp_path / "music"
    make_track(root / "Alpha" / "First" / "01 One.mp3", tags={"title": "One"})
    first = await embedded_services.domains.ingest.scan([root])
    assert first.counts["imported"] == 1
    real_scandir = os.scandir

    def refusing(path: object) -> object:  # as an unmounted or permission-less folder does
        if Path(str(path)) == root:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_module.os, "scandir", refusing)

    second = await embedded_services.domains.ingest.scan([root])

    assert second.removed == 0
    assert [reason for _, reason in second.failures] == [
        "music folder not readable (Permission denied); nothing removed"
    ]
    assert (await embedded_services.songs.get(first.song_ids[0])).deleted_at is None
