"""Counted plays, loves and now playing reach ListenBrainz and Last.fm once each, through
outages, rate limits and refused credentials (the fake services: fake_services.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.scrobbling.conftest import Scrobbling
from tonearm.adapters.cache.memory import MemoryCache
from tonearm.adapters.db import SqlListeningRepository
from tonearm.adapters.db.scrobbling import SqlScrobbleRepository
from tonearm.listening import EventKind, ListeningEvent, ListeningService
from tonearm.scrobbling import ConnectionState, ScrobbleTarget

pytestmark = pytest.mark.anyio

MBID = "e225fb84-dc9a-419e-adcd-9890f59ec432"


def status_of(statuses: list, target: ScrobbleTarget):  # type: ignore[no-untyped-def]
    return next(s for s in statuses if s.target is target)


async def test_a_counted_play_is_sent_once_to_each_service(scrobbling: Scrobbling) -> None:
    await scrobbling.connect_both()
    song = await scrobbling.add_song(title="Vantablack", artists=("Dool",), album="Here Now")
    played_at = scrobbling.clock() - timedelta(minutes=3)
    await scrobbling.play(song, played_at)

    report = await scrobbling.service.deliver()
    again = await scrobbling.service.deliver()

    assert report.sent == 2 and again.sent == 0
    state = scrobbling.fake.state
    [submission] = state.lb_submissions
    assert submission["listen_type"] == "single"
    [listen] = submission["payload"]
    assert listen["listened_at"] == int(played_at.timestamp())
    assert listen["track_metadata"]["artist_name"] == "Dool"
    assert listen["track_metadata"]["track_name"] == "Vantablack"
    assert listen["track_metadata"]["release_name"] == "Here Now"
    assert listen["track_metadata"]["additional_info"]["duration_ms"] == 180_000
    assert state.fm_scrobbles == [
        {
            "artist": "Dool",
            "track": "Vantablack",
            "timestamp": str(int(played_at.timestamp())),
            "album": "Here Now",
        }
    ]
    # The token and the session key are kept encrypted.
    stored = await SqlScrobbleRepository(scrobbling.database.sessions).connections(
        scrobbling.user_id
    )
    assert {c.target for c in stored} == set(ScrobbleTarget)
    assert all("token" not in c.secret and "session" not in c.secret for c in stored)
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert [(s.connected, s.queued, s.last_sent_at) for s in statuses] == [
        (True, 0, scrobbling.clock()),
        (True, 0, scrobbling.clock()),
    ]


async def test_a_play_counted_but_never_queued_is_sent_by_the_next_run(
    scrobbling: Scrobbling,
) -> None:
    # Counting a play and queuing it are separate transactions: here the process "stopped"
    # between them (listening told no one), and the delivery run finds the play itself.
    await scrobbling.connect_both()
    song = await scrobbling.add_song(title="Oblivion", artists=("Grimes",))
    scrobbling.clock.advance(60)
    unheard = ListeningService(
        SqlListeningRepository(scrobbling.database.sessions), MemoryCache(), scrobbling.clock
    )
    await unheard.record_events(
        scrobbling.user_id,
        [
            ListeningEvent(
                client_event_id=uuid.uuid4().hex,
                kind=EventKind.COMPLETE,
                song_id=song,
                occurred_at=scrobbling.clock() - timedelta(minutes=4),
                session_id=uuid.uuid4().hex,
            )
        ],
    )
    assert (await scrobbling.service.deliver()).sent == 2
    assert (await scrobbling.service.deliver()).sent == 0
    assert [listen["track_metadata"]["track_name"] for listen in
            scrobbling.fake.state.lb_submissions[0]["payload"]] == ["Oblivion"]  # fmt: skip
    assert [scrobble["track"] for scrobble in scrobbling.fake.state.fm_scrobbles] == ["Oblivion"]


async def test_a_skipped_play_is_not_sent(scrobbling: Scrobbling) -> None:
    from tonearm.listening import EventKind, ListeningEvent

    await scrobbling.connect_both()
    song = await scrobbling.add_song()
    at = scrobbling.clock()
    await scrobbling.listening.record_events(
        scrobbling.user_id,
        [
            ListeningEvent("p", EventKind.PLAY, song, at, "s"),
            ListeningEvent("s", EventKind.SKIP, song, at + timedelta(seconds=5), "s"),
        ],
    )
    scrobbling.clock.advance(minutes=5)
    await scrobbling.listening.settle_plays()
    await scrobbling.service.deliver()
    assert scrobbling.fake.state.lb_submissions == []
    assert scrobbling.fake.state.fm_scrobbles == []


async def test_a_play_counted_by_settling_is_sent(scrobbling: Scrobbling) -> None:
    from tonearm.listening import EventKind, ListeningEvent

    await scrobbling.connect_both()
    song = await scrobbling.add_song()
    at = scrobbling.clock()
    await scrobbling.listening.record_events(
        scrobbling.user_id, [ListeningEvent("p", EventKind.PLAY, song, at, "s")]
    )
    await scrobbling.service.deliver()
    assert scrobbling.fake.state.lb_submissions == []  # pending: a skip may still come
    scrobbling.clock.advance(minutes=1)
    assert await scrobbling.listening.settle_plays() == 1
    await scrobbling.service.deliver()
    assert len(scrobbling.fake.listens_of("lb-listener")) == 1
    assert len(scrobbling.fake.state.fm_scrobbles) == 1


async def test_plays_before_connecting_are_not_sent(scrobbling: Scrobbling) -> None:
    song = await scrobbling.add_song()
    await scrobbling.play(song)
    await scrobbling.connect_both()
    assert (await scrobbling.service.deliver()).sent == 0
    assert scrobbling.fake.state.requests > 0  # the connecting itself
    assert scrobbling.fake.state.lb_submissions == []


async def test_a_day_long_outage_then_recovery_delivers_everything_exactly_once(
    scrobbling: Scrobbling,
) -> None:
    await scrobbling.connect_both()
    fake = scrobbling.fake
    songs = [await scrobbling.add_song() for _ in range(3)]
    port = fake.port
    fake.stop()  # first the services refuse connections ...
    played = 0
    attempts_before = fake.state.requests
    for tick in range(24 * 6):  # a day, the delivery job every 10 minutes
        if tick == 12 * 6:
            fake._port = port
            fake.start()  # ... then, for the second half of the day, answer 503
            fake.state.down = True
        if tick % 8 == 0:
            await scrobbling.play(songs[played % 3])
            played += 1
        await scrobbling.service.deliver()
        scrobbling.clock.advance(minutes=10)
    statuses = await scrobbling.service.status(scrobbling.user_id)
    for status in statuses:
        assert status.state is ConnectionState.ACTIVE
        assert status.queued == played
        assert status.last_error
        assert status.retry_at is not None
        # Backed off: never more than an hour from now.
        assert status.retry_at <= scrobbling.clock() + timedelta(hours=1)
    # Exponential backoff capped at an hour: 12 h answering 503 is about a dozen tries per
    # service, not 72.
    assert fake.state.requests - attempts_before < 2 * 20
    assert fake.state.lb_submissions == [] and fake.state.fm_scrobbles == []

    fake.state.down = False
    scrobbling.clock.advance(hours=1)
    await scrobbling.service.deliver()
    await scrobbling.service.deliver()

    assert len(fake.state.lb_submissions) == 1  # one import of every listen
    assert len(fake.state.lb_submissions[0]["payload"]) == played
    assert len(fake.listens_of("lb-listener")) == played
    stamps = [s["timestamp"] for s in fake.state.fm_scrobbles]
    assert len(stamps) == played == len(set(stamps))
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert [(s.queued, s.last_error, s.retry_at) for s in statuses] == [(0, None, None)] * 2


async def test_batches_keep_to_each_services_limit(scrobbling: Scrobbling) -> None:
    await scrobbling.connect_both()
    song = await scrobbling.add_song()
    for second in range(120):
        await scrobbling.play(song, scrobbling.clock() - timedelta(hours=2, seconds=second))
    await scrobbling.service.deliver()
    assert [len(s["payload"]) for s in scrobbling.fake.state.lb_submissions] == [120]
    assert scrobbling.fake.state.fm_scrobble_calls == 3  # 50 + 50 + 20
    assert len(scrobbling.fake.state.fm_scrobbles) == 120


async def test_a_rate_limit_waits_as_long_as_the_service_says(scrobbling: Scrobbling) -> None:
    await scrobbling.connect_both()
    await scrobbling.play(await scrobbling.add_song())
    scrobbling.fake.state.rate_limited = True
    await scrobbling.service.deliver()
    statuses = await scrobbling.service.status(scrobbling.user_id)
    listenbrainz = status_of(statuses, ScrobbleTarget.LISTENBRAINZ)
    lastfm = status_of(statuses, ScrobbleTarget.LASTFM)
    # ListenBrainz's X-RateLimit-Reset-In (120 s) is longer than the first backoff (60 s).
    assert listenbrainz.retry_at == scrobbling.clock() + timedelta(seconds=120)
    assert "429" in (listenbrainz.last_error or "")
    assert lastfm.retry_at == scrobbling.clock() + timedelta(minutes=1)
    assert "error 29" in (lastfm.last_error or "")
    scrobbling.fake.state.rate_limited = False
    scrobbling.clock.advance(minutes=2)
    assert (await scrobbling.service.deliver()).sent == 2


async def test_a_refused_token_pauses_the_connection_until_it_is_connected_again(
    scrobbling: Scrobbling,
) -> None:
    await scrobbling.connect_both()
    song = await scrobbling.add_song()
    await scrobbling.play(song)
    fake = scrobbling.fake
    fake.state.lb_tokens.clear()  # the user reset their ListenBrainz token
    fake.state.fm_sessions.clear()  # and revoked tonearm's access on Last.fm
    report = await scrobbling.service.deliver()
    assert report.paused_connections == 2
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert [(s.state, s.queued) for s in statuses] == [(ConnectionState.PAUSED, 1)] * 2
    assert "token refused" in (status_of(statuses, ScrobbleTarget.LISTENBRAINZ).last_error or "")
    assert "error 9" in (status_of(statuses, ScrobbleTarget.LASTFM).last_error or "")

    requests = fake.state.requests
    scrobbling.clock.advance(hours=5)
    await scrobbling.service.deliver()
    assert fake.state.requests == requests  # paused: not retried

    fake.state.lb_tokens["new-token"] = "lb-listener"
    await scrobbling.service.connect_listenbrainz(scrobbling.user_id, "new-token")
    assert (await scrobbling.service.deliver()).sent == 1  # the queue was kept
    assert len(fake.listens_of("lb-listener")) == 1


async def test_an_unknown_listenbrainz_token_is_not_kept(scrobbling: Scrobbling) -> None:
    from tonearm.scrobbling import InvalidScrobbleToken

    with pytest.raises(InvalidScrobbleToken):
        await scrobbling.service.connect_listenbrainz(scrobbling.user_id, "nobody's")
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert not status_of(statuses, ScrobbleTarget.LISTENBRAINZ).connected


async def test_a_forged_or_expired_lastfm_state_is_refused(scrobbling: Scrobbling) -> None:
    from tests.scrobbling.conftest import approve_on_lastfm
    from tonearm.scrobbling import InvalidScrobbleToken

    url = scrobbling.service.lastfm_authorize_url(scrobbling.user_id, "http://tonearm.test/cb")
    state, token = await approve_on_lastfm(url)
    user, expires, signature = state.split(".")
    with pytest.raises(InvalidScrobbleToken):
        await scrobbling.service.finish_lastfm(f"{user}.{int(expires) + 9999}.{signature}", token)
    scrobbling.clock.advance(hours=1)
    with pytest.raises(InvalidScrobbleToken):
        await scrobbling.service.finish_lastfm(state, token)


async def test_loving_a_song_is_sent_as_love_and_feedback(scrobbling: Scrobbling) -> None:
    await scrobbling.connect_both()
    with_mbid = await scrobbling.add_song(
        title="Loved", artists=("Band",), musicbrainz_recording_id=MBID
    )
    without = await scrobbling.add_song(title="No MBID", artists=("Band",))
    await scrobbling.stars.like(scrobbling.user_id, with_mbid)
    await scrobbling.stars.like(scrobbling.user_id, without)
    await scrobbling.stars.unlike(scrobbling.user_id, with_mbid)
    await scrobbling.service.deliver()
    state = scrobbling.fake.state
    assert state.fm_loves == [
        ("track.love", "Band", "Loved"),
        ("track.love", "Band", "No MBID"),
        ("track.unlove", "Band", "Loved"),
    ]
    # ListenBrainz names recordings by MBID only: the song without one is not sent there.
    assert state.lb_feedback == [
        {"user": "lb-listener", "recording_mbid": MBID, "score": 1},
        {"user": "lb-listener", "recording_mbid": MBID, "score": 0},
    ]
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert [s.queued for s in statuses] == [0, 0]


async def test_a_started_song_is_sent_as_playing_now(scrobbling: Scrobbling) -> None:
    from tonearm.listening import EventKind, ListeningEvent

    await scrobbling.connect_both()
    song = await scrobbling.add_song(title="Now", artists=("Someone",))
    await scrobbling.listening.record_events(
        scrobbling.user_id, [ListeningEvent("p", EventKind.PLAY, song, scrobbling.clock(), "s")]
    )
    await scrobbling.service.settle_background()
    state = scrobbling.fake.state
    assert [p["track_metadata"]["track_name"] for p in state.lb_playing_now] == ["Now"]
    assert [p["track"] for p in state.fm_now_playing] == ["Now"]
    assert state.lb_submissions == []  # not a listen (and not queued)


async def test_disconnecting_forgets_the_connection_and_its_queue(scrobbling: Scrobbling) -> None:
    await scrobbling.connect_both()
    await scrobbling.play(await scrobbling.add_song())
    await scrobbling.service.disconnect(scrobbling.user_id, ScrobbleTarget.LISTENBRAINZ)
    await scrobbling.service.deliver()
    assert scrobbling.fake.state.lb_submissions == []
    assert len(scrobbling.fake.state.fm_scrobbles) == 1
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert not status_of(statuses, ScrobbleTarget.LISTENBRAINZ).connected


async def test_subsonic_scrobbles_are_sent_as_listens_and_playing_now(
    scrobbling: Scrobbling, database
) -> None:  # type: ignore[no-untyped-def]
    from tonearm.adapters.db.annotations import SqlAnnotationRepository
    from tonearm.listening.annotations import AnnotationService

    await scrobbling.connect_both()
    annotations = AnnotationService(
        SqlAnnotationRepository(database.sessions), scrobbling.listening, scrobbling.clock
    )
    song = await scrobbling.add_song(title="Via Subsonic")
    at = scrobbling.clock() - timedelta(minutes=4)
    await annotations.scrobble(scrobbling.user_id, "DSub", [song], [None], submission=False)
    await scrobbling.service.settle_background()
    await annotations.scrobble(scrobbling.user_id, "DSub", [song], [at], submission=True)
    await annotations.scrobble(scrobbling.user_id, "DSub", [song], [at], submission=True)
    await scrobbling.service.deliver()
    state = scrobbling.fake.state
    assert [p["track_metadata"]["track_name"] for p in state.lb_playing_now] == ["Via Subsonic"]
    assert [p["track"] for p in state.fm_now_playing] == ["Via Subsonic"]
    # The retried scrobble counted once, so it is sent once.
    assert [len(s["payload"]) for s in state.lb_submissions] == [1]
    assert [s["timestamp"] for s in state.fm_scrobbles] == [str(int(at.timestamp()))]


async def test_a_changed_server_secret_pauses_instead_of_sending_garbage(
    scrobbling: Scrobbling, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.scrobbling.conftest import settings_for
    from tonearm.adapters.cache.memory import MemoryCache
    from tonearm.app import scrobble_service

    await scrobbling.connect_both()
    await scrobbling.play(await scrobbling.add_song())
    other = scrobble_service(
        settings_for(scrobbling.fake, tmp_path),
        scrobbling.database,
        MemoryCache(),
        b"another server secret",
        scrobbling.clock,
    )
    try:
        report = await other.deliver()
    finally:
        await other.close()
    assert report.paused_connections == 2
    assert scrobbling.fake.state.lb_submissions == [] and scrobbling.fake.state.fm_scrobbles == []
    statuses = await scrobbling.service.status(scrobbling.user_id)
    assert all("connect again" in (s.last_error or "") for s in statuses)


async def test_sent_submissions_are_deleted_after_a_week(scrobbling: Scrobbling) -> None:
    from sqlalchemy import func, select

    from tonearm.adapters.db.tables import ScrobbleOutboxRow

    async def rows() -> int:
        async with scrobbling.database.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(ScrobbleOutboxRow)))

    await scrobbling.connect_both()
    await scrobbling.play(await scrobbling.add_song())
    await scrobbling.service.deliver()
    assert await rows() == 2
    scrobbling.clock.advance(days=6)
    await scrobbling.service.deliver()
    assert await rows() == 2
    scrobbling.clock.advance(days=2)
    await scrobbling.service.deliver()
    assert await rows() == 0
