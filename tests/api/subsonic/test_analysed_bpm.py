"""Subsonic `bpm`: the file's BPM tag when it has one, else the analysed tempo rounded, absent
when neither is known; every answer checked against the Subsonic and OpenSubsonic schemas
(XML and JSON) by the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.test_analysis import features
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_subsonic_bpm_is_the_tag_else_the_analysed_tempo(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    tagged = await add_song(services, title="Tagged", bpm=120.0)
    untagged = await add_song(services, title="Untagged")
    unknown = await add_song(services, title="Unknown")
    repo = SqlFeatureRepository(services.database.sessions)
    await repo.put(tagged, features(127.6), NOW)
    await repo.put(untagged, features(127.6), NOW)
    for song_id, bpm in ((tagged, 120), (untagged, 128), (unknown, None)):
        song = (await subsonic.call("getSong", {"id": str(song_id)}))["song"]
        assert song.get("bpm") == bpm
        xml = await subsonic.request("getSong", {"id": str(song_id)}, fmt="xml")
        assert xml.status_code == 200
        assert (f'bpm="{bpm}"' in xml.text) is (bpm is not None)
