"""The weekly cleanup: orphans, stale uploads and temp folders, expired sign-ins, old runs."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.upkeep.conftest import FakeClock, add_song, put
from tonearm.adapters.db.tables import RefreshTokenRow, WebSessionRow
from tonearm.adapters.storage.base import ObjectNotFound
from tonearm.app import Runtime
from tonearm.ingest.uploads import UPLOAD_JOB
from tonearm.jobs import JobState
from tonearm.upkeep import CLEANUP_JOB
from tonearm.users import Role

pytestmark = pytest.mark.anyio


async def count(services: Runtime, table: type) -> int:
    async with services.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_cleanup_removes_what_nothing_needs_and_keeps_the_rest(
    services: Runtime, clock: FakeClock
) -> None:
    song = await add_song(services, added_at=clock.now - timedelta(days=90))
    await put(services, "high/orphan.mp3", b"nobody's")
    await put(services, "uploads/abandoned", b"left behind")
    await put(services, "uploads/waiting", b"queued import")
    waiting = await services.domains.jobs.enqueue(UPLOAD_JOB, {"upload_key": "uploads/waiting"})
    stale = services.settings.temp_dir / "tonearm-ingest-stale"
    stale.mkdir(parents=True)
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    fresh = services.settings.temp_dir / "upload-fresh"
    fresh.mkdir(parents=True)
    user = await services.domains.users.add_user("alice", "correct horse battery", Role.USER)
    await services.domains.auth.start_web_session(
        user.username, "correct horse battery", "127.0.0.1", None
    )
    await services.domains.auth.login(user.username, "correct horse battery", "127.0.0.1")
    # Objects written now are young; the cleanup looks at them 8 days later, when the
    # sign-ins (30-day default) are still valid.
    clock.advance(days=8)

    run = await services.domains.jobs.enqueue(CLEANUP_JOB)
    done = await services.domains.jobs.execute(run.id, "test", services.domains)

    assert done is not None and done.state is JobState.SUCCEEDED, done
    result = dict(done.result or {})
    assert result["orphan_objects"] == 1 and result["stale_uploads"] == 1
    assert result["temp_folders"] == 1
    assert result["refresh_tokens"] == 0 and result["web_sessions"] == 0
    for key in ("high/orphan.mp3", "uploads/abandoned"):
        with pytest.raises(ObjectNotFound):
            await services.store.stat(key)
    await services.store.stat("uploads/waiting")
    await services.store.stat(f"original/{song}.flac")
    await services.store.stat(f"high/{song}.mp3")
    assert not stale.exists() and fresh.exists()
    assert (await services.domains.jobs.get(waiting.id)).state is JobState.QUEUED

    clock.advance(days=31)
    again = await services.domains.jobs.enqueue(CLEANUP_JOB)
    second = await services.domains.jobs.execute(again.id, "test", services.domains)
    assert second is not None and second.result is not None
    assert second.result["refresh_tokens"] == 1 and second.result["web_sessions"] == 1
    assert await count(services, RefreshTokenRow) == 0
    assert await count(services, WebSessionRow) == 0
