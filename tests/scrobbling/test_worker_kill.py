"""A delivery worker killed (SIGKILL) while a batch is with the service loses nothing and
doubles nothing: Last.fm's batch cut short is found in its recent tracks and not sent again;
ListenBrainz's is sent again and ListenBrainz keeps one of each listen.

A real process runs `ScrobbleService.deliver` (tests/scrobbling/delivering_worker.py); the
fake service stores the batch and holds its answer; the test kills the process by pid at
that point and runs the next delivery.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import make_draft
from tests.polling import wait_for
from tests.scrobbling.conftest import approve_on_lastfm, settings_for
from tests.scrobbling.fake_services import API_KEY, SECRET, FakeServices
from tests.servers import stop_process
from tonearm.adapters.db import SqlUserRepository
from tonearm.app import open_runtime
from tonearm.listening import EventKind, ListeningEvent
from tonearm.users import Role, User

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
PLAYS = 1200  # ListenBrainz: 1000 + 200; Last.fm: 24 batches of 50


@pytest.fixture
def run_worker(fake: FakeServices, tmp_path: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "TONEARM_DATA_DIR": str(tmp_path / "data"),
        "TONEARM_LISTENBRAINZ_URL": fake.url,
        "TONEARM_LASTFM_API_KEY": API_KEY,
        "TONEARM_LASTFM_SECRET": SECRET,
        "TONEARM_LASTFM_API_URL": fake.lastfm_api_url,
        "TONEARM_LASTFM_AUTH_URL": fake.lastfm_auth_url,
        "PYTHONPATH": os.pathsep.join((str(REPO / "src"), str(REPO))),
    }

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.scrobbling.delivering_worker"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            stop_process(process)


def kill_when_held(process: subprocess.Popen[bytes], fake: FakeServices, what: str) -> None:
    wait_for(lambda: fake.state.held.is_set() or process.poll() is not None, what, timeout=120)
    assert fake.state.held.is_set(), f"the worker ended before {what}"
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    fake.release()


async def test_a_killed_delivery_worker_loses_and_doubles_nothing(
    fake: FakeServices,
    run_worker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    settings = settings_for(fake, tmp_path / "data")
    runtime = await open_runtime(settings)
    try:
        user = User(uuid.uuid4(), "listener", Role.USER, True, datetime.now(UTC))
        await SqlUserRepository(runtime.database.sessions).add(user, "not-a-real-hash")
        song = uuid.uuid4()
        await runtime.songs.add(song, make_draft(title="Loop"), datetime.now(UTC))
        scrobbling = runtime.domains.scrobbling
        fake.state.lb_tokens["lb-token"] = "lb-listener"
        await scrobbling.connect_listenbrainz(user.id, "lb-token")
        url = scrobbling.lastfm_authorize_url(user.id, "http://tonearm.test/cb")
        await scrobbling.finish_lastfm(*await approve_on_lastfm(url))
        first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        for start in range(0, PLAYS, 100):
            events = [
                ListeningEvent(
                    client_event_id=f"e{n}",
                    kind=EventKind.COMPLETE,
                    song_id=song,
                    occurred_at=first + timedelta(seconds=n),
                    session_id=f"s{n}",
                )
                for n in range(start, start + 100)
            ]
            await runtime.domains.listening.record_events(user.id, events)
        assert [s.queued for s in await scrobbling.status(user.id)] == [PLAYS, PLAYS]

        # Last.fm goes first: its second batch is taken, then the worker dies.
        fake.hold("track.scrobble", skip=1)
        kill_when_held(run_worker(), fake, "Last.fm's second batch")  # type: ignore[operator]
        assert fake.state.fm_scrobble_calls == 2
        # The next worker finds that batch in Last.fm's recent tracks and goes on; it dies
        # with ListenBrainz's first import taken.
        fake.hold("/1/submit-listens")
        kill_when_held(run_worker(), fake, "ListenBrainz's first import")  # type: ignore[operator]
        worker = run_worker()  # type: ignore[operator]
        assert worker.wait(120) == 0

        stamps = [int(s["timestamp"]) for s in fake.state.fm_scrobbles]
        assert sorted(stamps) == [
            int((first + timedelta(seconds=n)).timestamp()) for n in range(PLAYS)
        ]
        assert fake.state.fm_scrobble_calls == PLAYS // 50  # not one batch sent twice
        # ListenBrainz was sent the cut-short import again, and kept one of each listen.
        assert [len(s["payload"]) for s in fake.state.lb_submissions] == [1000, 1000, 200]
        assert len(fake.listens_of("lb-listener")) == PLAYS
        assert [s.queued for s in await scrobbling.status(user.id)] == [0, 0]
    finally:
        await runtime.close()
