"""Subsonic play queue: saved on one device, resumed on another; OpenSubsonic
indexBasedQueue over the same saved queue. Runs on both stacks (new SQL)."""

from __future__ import annotations

from uuid import UUID
from xml.etree import ElementTree

import httpx
import pytest

from tests.api.accounts import PASSWORD, add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]
NS = "{http://subsonic.org/restapi}"
# What alice's getPlayQueue(ByIndex) holds when she has no saved queue.
EMPTY_QUEUE = {"username": "alice", "changed": "1970-01-01T00:00:00Z", "changedBy": ""}


async def _songs(services: Runtime, count: int = 3) -> list[UUID]:
    return [
        await add_song(services, title=f"Queue {n}", artists=("The Quiet Engines",), album="Q")
        for n in range(1, count + 1)
    ]


def _as(subsonic: SubsonicClient, app_name: str) -> SubsonicClient:
    return SubsonicClient(subsonic.http, subsonic.username, subsonic.password, client_name=app_name)


async def test_a_queue_saved_on_the_phone_resumes_on_the_desktop(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    songs = await _songs(services)
    phone, desktop = _as(subsonic, "phone"), _as(subsonic, "desktop")
    for http_method, current in (("GET", songs[1]), ("POST", songs[2])):
        await phone.call(
            "savePlayQueue",
            {"id": [str(s) for s in songs], "current": str(current), "position": 73_250},
            http_method=http_method,
        )
        queue = (await desktop.call("getPlayQueue", http_method=http_method))["playQueue"]
        assert queue["changedBy"] == "phone"
        assert queue["username"] == "alice"
        assert (queue["current"], queue["position"]) == (str(current), 73_250)
        assert [entry["id"] for entry in queue["entry"]] == [str(s) for s in songs]
        assert queue["changed"]


async def test_the_queue_reads_the_same_in_xml(subsonic: SubsonicClient, services: Runtime) -> None:
    songs = await _songs(services, 2)
    await _as(subsonic, "phone").call(
        "savePlayQueue", {"id": [str(s) for s in songs], "current": str(songs[0]), "position": 5}
    )
    response = await _as(subsonic, "desktop").request("getPlayQueue", fmt="xml")
    queue = ElementTree.fromstring(response.content).find(NS + "playQueue")
    assert queue is not None
    assert (queue.attrib["current"], queue.attrib["changedBy"]) == (str(songs[0]), "phone")
    assert [e.attrib["id"] for e in queue.findall(NS + "entry")] == [str(s) for s in songs]


async def test_index_based_queue_round_trips(subsonic: SubsonicClient, services: Runtime) -> None:
    songs = await _songs(services)
    repeated = [songs[0], songs[1], songs[0]]  # a song twice: only an index says which
    phone, desktop = _as(subsonic, "phone"), _as(subsonic, "desktop")
    for fmt, http_method, current_index in (("json", "GET", 2), ("xml", "POST", 1)):
        saved = await phone.request(
            "savePlayQueueByIndex",
            {"id": [str(s) for s in repeated], "currentIndex": current_index, "position": 9_000},
            fmt=fmt,
            http_method=http_method,
        )
        assert saved.status_code == 200 and b"failed" not in saved.content
        by_index = (await desktop.call("getPlayQueueByIndex", http_method=http_method))[
            "playQueueByIndex"
        ]
        assert (by_index["currentIndex"], by_index["position"], by_index["changedBy"]) == (
            current_index,
            9_000,
            "phone",
        )
        assert [e["id"] for e in by_index["entry"]] == [str(s) for s in repeated]
        # The same row, read the classic way: `current` is the song at that index.
        classic = (await subsonic.call("getPlayQueue"))["playQueue"]
        assert classic["current"] == str(repeated[current_index])
        response = await subsonic.request("getPlayQueueByIndex", fmt="xml", http_method=http_method)
        element = ElementTree.fromstring(response.content).find(NS + "playQueueByIndex")
        assert element is not None and element.attrib["currentIndex"] == str(current_index)


async def test_a_classic_save_reads_back_by_index(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    songs = await _songs(services)
    await subsonic.call(
        "savePlayQueue", {"id": [str(s) for s in songs], "current": str(songs[2]), "position": 1}
    )
    by_index = (await subsonic.call("getPlayQueueByIndex"))["playQueueByIndex"]
    assert by_index["currentIndex"] == 2


async def test_the_extension_is_announced(subsonic: SubsonicClient) -> None:
    extensions = (await subsonic.call("getOpenSubsonicExtensions"))["openSubsonicExtensions"]
    assert {"name": "indexBasedQueue", "versions": [1]} in extensions


async def test_saving_no_ids_clears_the_queue(subsonic: SubsonicClient, services: Runtime) -> None:
    songs = await _songs(services, 1)
    await subsonic.call("savePlayQueue", {"id": str(songs[0]), "current": str(songs[0])})
    await subsonic.call("savePlayQueueByIndex", {})
    assert (await subsonic.call("getPlayQueue"))["playQueue"] == EMPTY_QUEUE
    assert (await subsonic.call("getPlayQueueByIndex"))["playQueueByIndex"] == EMPTY_QUEUE


async def test_no_queue_is_an_empty_play_queue_element(subsonic: SubsonicClient) -> None:
    # The spec requires `playQueue` with username, changed and changedBy (Navidrome answers
    # the same since its #5172; Feishin reads the element): never an answer without it.
    for method, key in (("getPlayQueue", "playQueue"), ("getPlayQueueByIndex", "playQueueByIndex")):
        assert (await subsonic.call(method))[key] == EMPTY_QUEUE
        response = await subsonic.request(method, fmt="xml")
        element = ElementTree.fromstring(response.content).find(NS + key)
        assert element is not None and list(element) == []
        assert dict(element.attrib) == {
            "username": "alice",
            "changed": "1970-01-01T00:00:00.000Z",
            "changedBy": "",
        }


async def test_bad_queues_are_refused_and_change_nothing(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, second, third = await _songs(services)
    await subsonic.call("savePlayQueue", {"id": str(first), "current": str(first)})
    assert (await subsonic.fail("savePlayQueueByIndex", {"id": str(first)}))["code"] == 10
    out_of_range = {"id": [str(first), str(second)], "currentIndex": 2}
    assert (await subsonic.fail("savePlayQueueByIndex", out_of_range))["code"] == 10
    not_in_queue = {"id": str(first), "current": str(third)}
    assert (await subsonic.fail("savePlayQueue", not_in_queue))["code"] == 10
    unknown = {"id": "00000000-0000-4000-8000-000000000000", "currentIndex": 0}
    assert (await subsonic.fail("savePlayQueueByIndex", unknown))["code"] == 70
    queue = (await subsonic.call("getPlayQueue"))["playQueue"]
    assert [e["id"] for e in queue["entry"]] == [str(first)]


async def test_a_removed_song_leaves_the_queue_and_the_current_moves_on(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, second, third = await _songs(services)
    await subsonic.call(
        "savePlayQueueByIndex",
        {"id": [str(first), str(second), str(third)], "currentIndex": 1, "position": 500},
    )
    await services.songs.tombstone(second, services.clock())
    queue = (await subsonic.call("getPlayQueueByIndex"))["playQueueByIndex"]
    assert [e["id"] for e in queue["entry"]] == [str(first), str(third)]
    assert queue["currentIndex"] == 1 and queue["position"] == 0


async def test_each_user_has_their_own_queue(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    songs = await _songs(services, 1)
    await subsonic.call("savePlayQueue", {"id": str(songs[0]), "current": str(songs[0])})
    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    assert (await bob.call("getPlayQueue"))["playQueue"] == EMPTY_QUEUE | {"username": "bob"}


async def test_play_queue_responses_match_their_snapshots(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    songs = [
        await add_song(services, title=f"Snap {n}", artists=("Nina Vale",), album="Snaps")
        for n in (1, 2)
    ]
    await services.domains.resume.save_play_queue(alice.id, songs, 1, 4_321, "snapshot-app")
    for method in ("getPlayQueue", "getPlayQueueByIndex"):
        for fmt, form in (("json", format_json), ("xml", format_xml)):
            got = await subsonic.request(method, fmt=fmt)
            body = got.json() if fmt == "json" else got.content
            assert_matches_snapshot(f"userdata_{method}.{fmt}", normalize(form(body)))
