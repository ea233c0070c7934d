"""Songs listed by phase 1 of a scan (not yet enriched) over Subsonic: getSong answers and
`stream` plays the original; after a duplicate merge the dropped id still answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.subsonic.client import SubsonicClient
from tests.ingest.conftest import make_track
from tests.ingest.test_scan import retag, song_ids_by_title
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


async def test_a_song_not_yet_enriched_plays_and_a_merged_id_still_answers(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    original = make_track(music / "a" / "song.mp3", tags={"title": "Song", "artist": "Band"})
    await services.domains.ingest.scan([music])
    song_id = str((await song_ids_by_title(services))["Song"])

    song = (await subsonic.call("getSong", {"id": song_id}))["song"]
    assert (song["title"], song["artist"]) == ("Song", "Band")
    assert abs(song["duration"] - 3) <= 1
    response = await subsonic.request("stream", {"id": song_id, "format": "raw"})
    assert response.status_code == 200, response.text[:200]
    assert response.content == original.read_bytes()

    # A copy of the same audio, listed later, merges into the first song.
    copy = music / "b" / "copy.mp3"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    retag(copy, title="Copy")
    await services.domains.ingest.scan([music])
    copy_id = str((await song_ids_by_title(services))["Copy"])
    await services.domains.ingest.enrich()
    merged = (await subsonic.call("getSong", {"id": copy_id}))["song"]
    assert merged["id"] == song_id
    response = await subsonic.request("stream", {"id": copy_id, "format": "raw"})
    assert response.status_code == 200, response.text[:200]
    assert response.content == original.read_bytes()
