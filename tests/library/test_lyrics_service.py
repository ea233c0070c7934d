"""LyricsService over the stored lyrics (adapters/db/lyrics.py): one not-found rule for the
REST API, lines to show for Subsonic."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository, SqlSongSearch
from tonearm.adapters.db.lyrics import SqlLyricsStore
from tonearm.library.lyrics import LyricsLine, LyricsService, NoLyrics
from tonearm.library.models import SongNotFound

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SYNCED = [{"time_ms": 1200, "text": "first"}, {"time_ms": 3400, "text": "second"}]


async def test_stored_lyrics_and_the_rule_for_none(database: Database) -> None:
    songs = SqlSongRepository(database.sessions)
    lyrics = LyricsService(SqlLyricsStore(database.sessions), SqlSongSearch(database.sessions))
    with_text, with_lines, without, gone = (uuid.uuid4() for _ in range(4))
    await songs.add(with_text, make_draft(lyrics="la la\nla"), NOW)
    await songs.add(with_lines, make_draft(synced_lyrics=SYNCED), NOW)
    await songs.add(without, make_draft(), NOW)
    await songs.add(gone, make_draft(lyrics="gone"), NOW)
    await songs.tombstone(gone, NOW)

    stored = await lyrics.stored(with_text)
    assert (stored.plain, stored.synced) == ("la la\nla", None)
    assert (await lyrics.stored(with_lines)).synced == SYNCED
    with pytest.raises(NoLyrics, match="has no lyrics"):
        await lyrics.stored(without)
    for missing in (gone, uuid.uuid4()):
        with pytest.raises(SongNotFound):
            await lyrics.stored(missing)
        with pytest.raises(SongNotFound):
            await lyrics.by_song(missing)

    assert await lyrics.by_song(without) is None
    shown = await lyrics.by_song(with_lines)
    assert shown is not None and shown.synced
    assert shown.lines == (LyricsLine("first", 1200), LyricsLine("second", 3400))
    plain = await lyrics.by_song(with_text)
    assert plain is not None and [line.text for line in plain.lines] == ["la la", "la"]
