"""Two-phase scanning: phase 1 lists songs from tags at once; phase 2 (enrichment) decodes
them from a durable queue, merges duplicates, drops results for files that changed, and
follows folder art that appears later."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.ingest.conftest import make_cover, make_track, open_migrated
from tests.ingest.test_scan import retag, song_ids_by_title
from tonearm.adapters.db.encode_claims import SqlEncodeClaims
from tonearm.adapters.db.tables import (
    PlaylistRow,
    PlaylistSongRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.app import Runtime
from tonearm.ingest.enrichment_queue import is_pending_audio_hash
from tonearm.library.models import RenditionPolicy
from tonearm.library.search import SearchQuery
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio


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
        root / "Beta" / "01 Three.flac",
        frequency_hz=550,
        tags={"title": "Three", "artist": "Beta"},
        codec_args=("-c:a", "flac"),
    )
    return root


async def test_phase_one_lists_songs_and_phase_two_enriches_them(
    services: Runtime, library: Path
) -> None:
    summary = await services.domains.ingest.scan([library])
    assert summary.counts["imported"] == 3, summary.failures
    assert summary.queued_for_enrichment == 3
    status = await services.domains.ingest.enrichment_status()
    assert (status.pending, status.done) == (3, 0)

    # Listed, searchable and with its original before any decode.
    ids = await song_ids_by_title(services)
    one = await services.domains.catalog.song(ids["One"])  # type: ignore[arg-type]
    assert one.title == "One"
    assert abs(one.duration_ms - 3000) < 100  # mutagen's length
    song = await services.songs.get(ids["One"])  # type: ignore[arg-type]
    assert is_pending_audio_hash(song.audio_hash)
    assert song.original_path == str(library / "Alpha" / "First" / "01 One.mp3")
    assert await services.songs.renditions(song.id) == []
    page = await services.domains.search.songs(SearchQuery.parse("alpha two"), 10, 0)
    assert [match.id for match in page.items] == [ids["Two"]]

    enriched = await services.domains.ingest.enrich(jobs=2)
    assert enriched.counts["enriched"] == 3, enriched.failures
    status = await services.domains.ingest.enrichment_status()
    assert (status.pending, status.running, status.done) == (0, 0, 3)
    song = await services.songs.get(ids["One"])  # type: ignore[arg-type]
    assert not is_pending_audio_hash(song.audio_hash)
    assert song.loudness_lufs is not None
    kinds = {r.kind for r in await services.songs.renditions(song.id)}
    # On-demand renditions (the default for scans): preview and waveform, no full encodes.
    assert {"preview", "waveform"} <= kinds
    assert not kinds & {"high", "medium", "low", "efficient"}
    for rendition in await services.songs.renditions(song.id):
        await services.store.stat(rendition.storage_key)

    # Nothing left: a second run does nothing; a rescan decodes nothing.
    assert sum((await services.domains.ingest.enrich()).counts.values()) == 0
    again = await services.domains.ingest.scan([library])
    assert again.unchanged == 3
    assert again.queued_for_enrichment == 0


async def test_a_duplicate_merges_into_the_older_song_with_its_history(
    services: Runtime, library: Path
) -> None:
    await services.domains.ingest.scan([library])
    older = (await song_ids_by_title(services))["Two"]
    # The same audio, retagged, appears in another folder later.
    copy = library / "Copies" / "two again.mp3"
    copy.parent.mkdir()
    shutil.copy(library / "Alpha" / "First" / "02 Two.mp3", copy)
    retag(copy, title="Two (copy)")
    await services.domains.ingest.scan([library])
    newer = (await song_ids_by_title(services))["Two (copy)"]
    assert newer != older

    playlist_id, now = uuid.uuid4(), datetime.now(UTC)
    user_id = (await services.domains.users.add_user("listener", "a long enough password 42")).id
    async with services.database.sessions.begin() as session:
        session.add(
            UserInteractionRow(user_id=user_id, song_id=newer, action="play", occurred_at=now)
        )
        session.add(
            StarredItemRow(user_id=user_id, item_kind="song", item_id=newer, starred_at=now)
        )
        session.add(
            PlaylistRow(
                id=playlist_id, owner_id=user_id, name="mix", created_at=now, updated_at=now
            )
        )
        await session.flush()
        session.add(PlaylistSongRow(playlist_id=playlist_id, position=0, song_id=newer))

    summary = await services.domains.ingest.enrich()
    assert summary.counts["merged"] == 1, summary

    # One song is left: the older id, answering for the newer one too.
    assert (await services.songs.get(newer)).id == older  # type: ignore[arg-type]
    assert (await services.domains.catalog.song(newer)).id == older  # type: ignore[arg-type]
    async with services.database.sessions() as session:
        assert await session.get(SongRow, newer) is None
        plays = list(await session.scalars(select(UserInteractionRow.song_id)))
        stars = list(await session.scalars(select(StarredItemRow.item_id)))
        entries = list(await session.scalars(select(PlaylistSongRow.song_id)))
    assert plays == [older]
    assert stars == [older]
    assert entries == [older]
    # The second file is remembered as a duplicate: rescans skip it while it is unchanged.
    rescan = await services.domains.ingest.scan([library])
    assert rescan.counts["imported"] == 0
    assert len(await song_ids_by_title(services)) == 3


async def test_a_result_for_a_file_changed_after_it_was_queued_is_dropped_and_requeued(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    path = library / "Alpha" / "First" / "01 One.mp3"
    make_track(path, seconds=5, frequency_hz=880, tags={"title": "One, again"})

    summary = await services.domains.ingest.enrich()

    assert summary.counts["changed"] == 1
    assert summary.counts["enriched"] == 3  # the changed one read again, queued, enriched
    titles = await song_ids_by_title(services)
    song = await services.songs.get(titles["One, again"])  # type: ignore[arg-type]
    assert abs(song.duration_ms - 5000) <= 50  # the new audio's, not the queued file's
    status = await services.domains.ingest.enrichment_status()
    assert (status.pending, status.done) == (0, 3)


async def test_a_cover_added_after_the_scan_is_picked_up(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    await services.domains.ingest.enrich()
    ids = await song_ids_by_title(services)

    kinds = {r.kind for r in await services.songs.renditions(ids["Three"])}  # type: ignore[arg-type]
    assert not any(kind.startswith("art-") for kind in kinds)

    make_cover(library / "Beta" / "cover.jpg")
    summary = await services.domains.ingest.scan([library])
    assert summary.unchanged == 3
    assert summary.queued_for_enrichment == 1  # the one song of that folder, art only
    enriched = await services.domains.ingest.enrich()
    assert enriched.counts["art"] == 1
    kinds = {r.kind for r in await services.songs.renditions(ids["Three"])}  # type: ignore[arg-type]
    assert any(kind.startswith("art-") for kind in kinds)

    # The cover goes: its art goes with it at the next scan.
    os.remove(library / "Beta" / "cover.jpg")
    await services.domains.ingest.scan([library])
    await services.domains.ingest.enrich()
    kinds = {r.kind for r in await services.songs.renditions(ids["Three"])}  # type: ignore[arg-type]
    assert not any(kind.startswith("art-") for kind in kinds)


async def test_eager_scan_renditions_are_made_by_enrichment(
    embedded_settings: Settings, library: Path
) -> None:
    settings = embedded_settings.model_copy(update={"scan_renditions": RenditionPolicy.EAGER})
    services = await open_migrated(settings)
    try:
        await services.domains.ingest.scan([library])
        ids = await song_ids_by_title(services)
        assert await services.songs.renditions(ids["One"]) == []  # type: ignore[arg-type]
        await services.domains.ingest.enrich()
        kinds = {r.kind for r in await services.songs.renditions(ids["Three"])}  # type: ignore[arg-type]
        assert {"high", "medium", "low", "efficient", "preview", "waveform"} <= kinds
        # A 128 kbps MP3 gets nothing at or above its bitrate (library/ladder.py).
        kinds = {r.kind for r in await services.songs.renditions(ids["One"])}  # type: ignore[arg-type]
        assert {"low", "preview", "waveform"} <= kinds
        assert not {"high", "medium", "efficient"} & kinds
    finally:
        await services.close()


async def test_eager_enrichment_leaves_a_rendition_being_made_on_request_to_that_encode(
    embedded_settings: Settings, library: Path
) -> None:
    # The claim an on-demand encode takes (another process, say) keeps enrichment off that
    # rendition: never two encodes of one rendition, never two rows.
    settings = embedded_settings.model_copy(update={"scan_renditions": RenditionPolicy.EAGER})
    services = await open_migrated(settings)
    try:
        await services.domains.ingest.scan([library])
        ids = await song_ids_by_title(services)
        song_id = ids["One"]
        assert song_id is not None
        now = datetime.now(UTC)
        claims = SqlEncodeClaims(services.database.sessions)
        assert await claims.claim(song_id, "low", "a-client", now, now + timedelta(minutes=5))
        await services.domains.ingest.enrich()
        kinds = [r.kind for r in await services.songs.renditions(song_id)]
        assert "low" not in kinds  # left to the encode that holds it
        assert {"preview", "waveform"} <= set(kinds)
        assert len(kinds) == len(set(kinds))
        held = await claims.holder(song_id, "low")
        assert held is not None and held[0] == "a-client"  # not taken over
        other = {r.kind for r in await services.songs.renditions(ids["Two"])}  # type: ignore[arg-type]
        assert "low" in other  # only the claimed song's rendition was left
    finally:
        await services.close()


async def test_the_most_recently_played_then_the_newest_songs_are_enriched_first(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    await services.domains.ingest.scan([library])
    ids = await song_ids_by_title(services)
    user_id = (await services.domains.users.add_user("listener", "a long enough password 42")).id
    async with services.database.sessions.begin() as session:
        # One song played; the others by when they were added (set apart for the test).
        for hours, title in ((3, "One"), (2, "Two"), (1, "Three")):
            song = await session.get(SongRow, ids[title])
            assert song is not None
            song.added_at = datetime.now(UTC) - timedelta(hours=hours)
        session.add(
            UserInteractionRow(
                user_id=user_id, song_id=ids["One"], action="play", occurred_at=datetime.now(UTC)
            )
        )
    queue = services.enrichment_queue
    order = []
    while task := await queue.claim("test", datetime.now(UTC), timedelta(minutes=1)):
        order.append(task.song_id)
    assert order == [ids["One"], ids["Three"], ids["Two"]]


async def test_a_latin1_named_file_is_scanned_rescanned_and_enriched(
    services: Runtime, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    good = make_track(music / "Album" / "good.mp3", frequency_hz=330, tags={"title": "Good"})
    odd = Path(os.fsdecode(bytes(music / "Album") + b"/caf\xe9.mp3"))
    shutil.copy(make_track(tmp_path / "src.mp3", frequency_hz=660), odd)
    first = await services.domains.ingest.scan([music])
    assert first.counts["imported"] == 2, first.failures
    ids = await song_ids_by_title(services)
    again = await services.domains.ingest.scan([music])
    assert (again.unchanged, sum(again.counts.values())) == (2, 0)
    assert await song_ids_by_title(services) == ids
    summary = await services.domains.ingest.enrich()
    assert summary.counts["enriched"] == 2, summary.failures
    song = await services.songs.get(
        ids["caf\udce9"]
        if "caf\udce9" in ids
        else next(song_id for title, song_id in ids.items() if title != "Good")
    )  # type: ignore[arg-type]
    assert song.loudness_lufs is not None
    assert good.exists()


async def test_a_moved_and_retagged_file_keeps_its_song(
    embedded_services: Runtime, library: Path
) -> None:
    services = embedded_services
    make_track(library / "Ogg" / "four.ogg", frequency_hz=770, tags={"title": "Four"})
    await services.domains.ingest.scan([library])
    await services.domains.ingest.enrich()
    ids = await song_ids_by_title(services)
    moves = {  # FLAC: tags outside the audio, phase 1 sees the move; Ogg: only the decode
        "Three": (library / "Beta" / "01 Three.flac", library / "Gamma" / "three.flac"),
        "Four": (library / "Ogg" / "four.ogg", library / "Gamma" / "four.ogg"),
    }
    (library / "Gamma").mkdir()
    for title, (old, new) in moves.items():
        shutil.move(old, new)
        retag(new, title=f"{title} (moved)")
    summary = await services.domains.ingest.scan([library])
    assert summary.counts["moved"] == 1  # the FLAC
    assert (summary.removed, summary.counts["imported"]) == (1, 1)  # the Ogg, for now
    merged = await services.domains.ingest.enrich()
    assert merged.counts["merged"] == 1
    after = await song_ids_by_title(services)
    assert after["Three (moved)"] == ids["Three"]
    # The older id lives on, with the file at its new place, listed and searchable.
    [four] = [song_id for title, song_id in after.items() if title.startswith("Four")]
    assert four == ids["Four"]
    song = await services.songs.get(four)  # type: ignore[arg-type]
    assert song.original_path == str(moves["Four"][1])
    assert len(after) == 4
    page = await services.domains.search.songs(SearchQuery.parse("four"), 10, 0)
    assert [match.id for match in page.items] == [ids["Four"]]
