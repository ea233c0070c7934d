"""scrobble, getNowPlaying and reportPlayback: now playing, and plays by the REST play rule."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import assert_matches_snapshot, format_json, format_xml, normalize
from tonearm.api.subsonic.system import OPEN_SUBSONIC_EXTENSIONS
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def _plays(services: Runtime, user: User) -> list[UUID]:
    return [entry.song.id for entry in (await services.domains.listening.history(user.id)).items]


async def test_scrobble_submission_counts_a_play_once_per_song_and_time(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    first = await add_song(services, duration_ms=200_000)
    second = await add_song(services, duration_ms=200_000)
    played_at = datetime.now(UTC) - timedelta(minutes=3)
    params = {"id": str(first), "time": _ms(played_at), "submission": "true"}
    await subsonic.call("scrobble", params)
    await subsonic.call("scrobble", params, http_method="POST")  # a retry: the same play
    assert await _plays(services, alice) == [first]
    # No `submission`: a play (the Subsonic default); several ids with their times.
    later = datetime.now(UTC) - timedelta(minutes=1)
    await subsonic.call("scrobble", [("id", str(first)), ("id", str(second)), ("time", _ms(later))])
    assert sorted(await _plays(services, alice)) == sorted([first, first, second])
    assert (await services.domains.catalog.song(first)).play_count == 2


async def test_scrobble_now_playing_counts_nothing_and_shows_in_get_now_playing(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    song_id = await add_song(
        services,
        title="Harbour Lights",
        artists=("Nina Vale",),
        album="Harbour",
        duration_ms=180_000,
    )
    await subsonic.call("scrobble", {"id": str(song_id), "submission": "false"})
    assert await _plays(services, alice) == []
    (entry,) = (await subsonic.call("getNowPlaying"))["nowPlaying"]["entry"]
    assert (entry["id"], entry["title"], entry["username"]) == (
        str(song_id),
        "Harbour Lights",
        "alice",
    )
    assert entry["minutesAgo"] == 0
    assert isinstance(entry["playerId"], int)
    assert entry["playerName"] == subsonic.client_name
    xml = await subsonic.request("getNowPlaying", fmt="xml")
    # The player id is a hash of the (random) user id and the player's name.
    player_id = [(r'(playerId(?:="|"\s*:\s*))\d+', r"\1{player-id}")]
    assert_matches_snapshot("play_getNowPlaying.xml", normalize(format_xml(xml.content), player_id))
    document = await subsonic.request("getNowPlaying", http_method="POST")
    assert_matches_snapshot(
        "play_getNowPlaying.json", normalize(format_json(document.json()), player_id)
    )


async def test_now_playing_hides_entries_past_the_songs_end(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song_id = await add_song(services, duration_ms=60_000)
    long_ago = datetime.now(UTC) - timedelta(minutes=30)
    await subsonic.call(
        "scrobble", {"id": str(song_id), "submission": "false", "time": _ms(long_ago)}
    )
    assert (await subsonic.call("getNowPlaying"))["nowPlaying"].get("entry", []) == []
    # Another player of the same user shows on its own.
    other = SubsonicClient(subsonic.http, "alice", subsonic.password, client_name="other-app")
    await other.call("scrobble", {"id": str(song_id), "submission": "false"})
    entries = (await subsonic.call("getNowPlaying"))["nowPlaying"]["entry"]
    assert [e["playerName"] for e in entries] == ["other-app"]


async def test_scrobble_errors(subsonic: SubsonicClient, services: Runtime) -> None:
    song_id = await add_song(services)
    assert (await subsonic.fail("scrobble", {}))["code"] == 10
    assert (await subsonic.fail("scrobble", {"id": str(uuid4())}))["code"] == 70
    future = datetime.now(UTC) + timedelta(hours=1)
    error = await subsonic.fail("scrobble", {"id": str(song_id), "time": _ms(future)})
    assert error["code"] == 10 and "future" in error["message"]
    assert (await subsonic.fail("scrobble", {"id": str(song_id), "time": "x"}))["code"] == 10


async def test_report_playback_feeds_now_playing_and_the_play_rule(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    skipped = await add_song(services, duration_ms=180_000)
    heard = await add_song(services, duration_ms=180_000)
    quiet = await add_song(services, duration_ms=180_000)

    def report(song: UUID, state: str, position_ms: int, **extra: object) -> dict[str, object]:
        return {
            "mediaId": str(song),
            "mediaType": "song",
            "state": state,
            "positionMs": position_ms,
        } | extra

    await subsonic.call("reportPlayback", report(skipped, "starting", 0))
    entries = (await subsonic.call("getNowPlaying"))["nowPlaying"]["entry"]
    assert [e["id"] for e in entries] == [str(skipped)]
    await subsonic.call("reportPlayback", report(skipped, "stopped", 5_000))  # a skip
    assert (await subsonic.call("getNowPlaying"))["nowPlaying"].get("entry", []) == []

    await subsonic.call("reportPlayback", report(heard, "starting", 0), http_method="POST")
    await subsonic.call("reportPlayback", report(heard, "playing", 60_000, playbackRate="1.5"))
    await subsonic.call("reportPlayback", report(heard, "paused", 90_000))
    await subsonic.call("reportPlayback", report(heard, "stopped", 170_000))  # complete
    await subsonic.call("reportPlayback", report(heard, "stopped", 170_000))  # a retry

    await subsonic.call("reportPlayback", report(quiet, "starting", 0, ignoreScrobble="true"))
    await subsonic.call("reportPlayback", report(quiet, "stopped", 170_000, ignoreScrobble="true"))

    assert await _plays(services, alice) == [heard]
    assert (await services.domains.catalog.song(skipped)).play_count == 0


async def test_report_playback_errors_and_extension(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song_id = await add_song(services)
    base = {"mediaId": str(song_id), "mediaType": "song", "positionMs": 0, "state": "playing"}
    assert (await subsonic.fail("reportPlayback", base | {"mediaType": "podcast"}))["code"] == 70
    assert (await subsonic.fail("reportPlayback", base | {"state": "rewinding"}))["code"] == 10
    assert (await subsonic.fail("reportPlayback", base | {"mediaId": str(uuid4())}))["code"] == 70
    missing = {k: v for k, v in base.items() if k != "positionMs"}
    assert (await subsonic.fail("reportPlayback", missing))["code"] == 10
    assert OPEN_SUBSONIC_EXTENSIONS["playbackReport"] == [1]
    listed = (await subsonic.call("getOpenSubsonicExtensions"))["openSubsonicExtensions"]
    assert {"name": "playbackReport", "versions": [1]} in listed


async def test_every_play_document_method_answers_get_and_post_in_both_formats(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song_id = str(await add_song(services, title="Tide", artists=("Nina Vale",), lyrics="la"))
    calls: list[tuple[str, dict[str, object]]] = [
        ("star", {"id": song_id}),
        ("setRating", {"id": song_id, "rating": 3}),
        ("scrobble", {"id": song_id, "submission": "false"}),
        ("scrobble", {"id": song_id}),
        (
            "reportPlayback",
            {"mediaId": song_id, "mediaType": "song", "positionMs": 0, "state": "paused"},
        ),
        ("getNowPlaying", {}),
        ("getStarred", {}),
        ("getStarred2", {}),
        ("getLyrics", {"artist": "Nina Vale", "title": "Tide"}),
        ("getLyricsBySongId", {"id": song_id}),
        ("unstar", {"id": song_id}),
    ]
    combinations = [(f, m) for f in ("xml", "json") for m in ("GET", "POST")]
    for (method, params), (fmt, http_method) in itertools.product(calls, combinations):
        response = await subsonic.request(method, params, fmt=fmt, http_method=http_method)
        assert response.status_code == 200
        if fmt == "xml":
            assert b'status="ok"' in response.content, (method, response.text)
        else:
            assert response.json()["subsonic-response"]["status"] == "ok", (method, response.text)
