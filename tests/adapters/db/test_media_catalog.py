"""SqlMediaCatalog.media_source: the same answer through the database's row reads (SQLite's
loop-side reader, PostgreSQL in autocommit) and through sessions, and when SQLite is busy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository
from tonearm.adapters.db.engine import SerializedWriteSessions
from tonearm.adapters.db.media_catalog import SqlMediaCatalog
from tonearm.adapters.db.users import SqlUserRepository
from tonearm.library.models import StoredRendition
from tonearm.users.models import Role, User

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def _library(database: Database) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A user, and a song with an original and a `medium` rendition: (user, song, gone)."""
    user = User(uuid.uuid4(), "listener", Role.USER, True, NOW)
    await SqlUserRepository(database.sessions).add(user, "hash")
    songs = SqlSongRepository(database.sessions)
    song, gone = uuid.uuid4(), uuid.uuid4()
    medium = StoredRendition("medium", "mp3", 128, 4321, f"renditions/{song}/medium.mp3", NOW)
    await songs.add(song, make_draft(original_size_bytes=9999), NOW, [medium])
    await songs.add(gone, make_draft(), NOW)
    await songs.tombstone(gone, NOW)
    return user.id, song, gone


async def _answers(catalog: SqlMediaCatalog, user: uuid.UUID, song: uuid.UUID,
                   gone: uuid.UUID) -> list[Any]:  # fmt: skip
    return [
        await catalog.media_source(song, "original", user),
        await catalog.media_source(song, "medium", user),
        await catalog.media_source(song, "high", user),  # not made
        await catalog.media_source(gone, "original", user),  # deleted song
        await catalog.media_source(song, "original", uuid.uuid4()),  # no such user
    ]


async def test_media_source_reads_the_user_and_the_object(database: Database) -> None:
    user, song, gone = await _library(database)
    catalog = SqlMediaCatalog(database.sessions, row_reads=database.row_reads)
    original, medium, missing, deleted, stranger = await _answers(catalog, user, song, gone)
    assert original[0] is True and original[1] is not None
    assert (original[1].kind, original[1].size_bytes) == ("original", 9999)
    assert original[1].storage_key is not None and original[1].storage_key.startswith("original/")
    assert medium[0] is True and medium[1] is not None
    assert (medium[1].codec, medium[1].bitrate_kbps, medium[1].size_bytes) == ("mp3", 128, 4321)
    assert medium[1].storage_key == f"renditions/{song}/medium.mp3"
    assert medium[1].modified_at == NOW
    assert missing == (True, None) and deleted == (True, None)
    assert stranger == (False, None)
    await SqlUserRepository(database.sessions).set_active(user, False)
    assert (await catalog.media_source(song, "original", user))[0] is False


async def test_row_reads_and_sessions_agree(database: Database) -> None:
    user, song, gone = await _library(database)
    # On SQLite the loop reads itself; a network round trip must never block it.
    assert database.row_reads.on_the_loop is database.is_sqlite
    through_reader = SqlMediaCatalog(database.sessions, row_reads=database.row_reads)
    through_sessions = SqlMediaCatalog(database.sessions)
    assert await _answers(through_reader, user, song, gone) == await _answers(
        through_sessions, user, song, gone
    )


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_a_busy_reader_falls_back_to_sessions(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, song, gone = await _library(database)
    assert isinstance(database.sessions, SerializedWriteSessions)
    reader = database.sessions.reader_engine
    assert reader is not None

    def busy(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    catalog = SqlMediaCatalog(database.sessions, row_reads=database.row_reads)
    expected = await _answers(catalog, user, song, gone)
    monkeypatch.setattr(reader, "connect", busy)
    assert await _answers(catalog, user, song, gone) == expected


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_a_dead_postgresql_connection_is_replaced_without_an_error(
    database: Database, postgres_url: str
) -> None:
    # Row reads take pooled connections without a pre-ping round trip: a connection the
    # server closed (a restart, a pooler's idle timeout) must cost a retry, not an error.
    user, song, gone = await _library(database)
    catalog = SqlMediaCatalog(database.sessions, row_reads=database.row_reads)
    expected = await _answers(catalog, user, song, gone)  # the pool now holds a connection
    name = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) AS ended",
            (name,),
        ).fetchone()
    assert ended is not None and ended[0] >= 1
    assert await _answers(catalog, user, song, gone) == expected
