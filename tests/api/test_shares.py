"""/api/shares: make, list, change and revoke share links to a song, an album or a playlist;
the public page follows (plays, then 410 once expired, 404 once revoked)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from tests.api.accounts import SignedIn, add_song, sign_in
from tonearm.app import Runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
HOST = "http://tonearm.test"


@pytest.fixture
def public_url() -> str | None:
    """TONEARM_PUBLIC_URL for the test (none: links use the request's own base)."""
    return None


@pytest.fixture
def settings(stack_settings: Settings, public_url: str | None) -> Settings:
    if public_url is None:
        return stack_settings
    return stack_settings.model_copy(update={"public_url": public_url})


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "alice")


async def _album(services: Runtime) -> tuple[UUID, list[UUID]]:
    """An album of two songs: its id and its songs in track order."""
    songs = [
        await add_song(
            services,
            title=f"Track {n}",
            artists=("Nina Vale",),
            album="Postcards",
            album_artist="Nina Vale",
            track_number=n,
        )
        for n in (2, 1)
    ]
    album_id = (await services.domains.catalog.song(songs[0])).album_id
    assert album_id is not None
    return album_id, songs[::-1]


def _page_path(share: dict) -> str:
    return share["url"].removeprefix(HOST)


async def test_share_an_album_for_a_week_then_list_it(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    album_id, _ = await _album(services)
    before = datetime.now(UTC)
    made = await client.post(
        "/api/shares",
        json={"kind": "album", "id": str(album_id), "expires_in_days": 7, "description": "Hi"},
        headers=alice.headers,
    )
    assert made.status_code == 201, made.text
    share = made.json()
    assert re.fullmatch(rf"{HOST}/share/[A-Za-z0-9_-]{{32}}", share["url"])
    assert (share["kind"], share["item_id"], share["song_count"]) == ("album", str(album_id), 2)
    assert (share["description"], share["visit_count"], share["expired"]) == ("Hi", 0, False)
    expires = datetime.fromisoformat(share["expires_at"])
    assert before + timedelta(days=7) <= expires <= datetime.now(UTC) + timedelta(days=7)
    page = await client.get(_page_path(share))
    assert page.status_code == 200 and "Hi" in page.text
    listed = (await client.get("/api/shares", headers=alice.headers)).json()
    assert [(s["id"], s["visit_count"]) for s in listed] == [(share["id"], 1)]


async def test_a_song_and_a_playlist_share_never_expire_unless_told(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    _, (first, second) = await _album(services)
    playlist = await services.domains.playlists.create_playlist(
        alice.id, "Mix", song_ids=[second, first]
    )
    song = await client.post(
        "/api/shares", json={"kind": "song", "id": str(first)}, headers=alice.headers
    )
    assert song.status_code == 201
    assert (song.json()["kind"], song.json()["expires_at"]) == ("song", None)
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    mix = await client.post(
        "/api/shares",
        json={"kind": "playlist", "id": str(playlist.playlist.id), "expires_at": at},
        headers=alice.headers,
    )
    assert mix.status_code == 201
    assert (mix.json()["song_count"], datetime.fromisoformat(mix.json()["expires_at"])) == (
        2,
        datetime.fromisoformat(at),
    )
    listed = (await client.get("/api/shares", headers=alice.headers)).json()
    assert [s["kind"] for s in listed] == ["playlist", "song"]  # newest first


async def test_change_the_expiry_and_description_then_revoke(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    _, (song, _) = await _album(services)
    share = (
        await client.post(
            "/api/shares",
            json={"kind": "song", "id": str(song), "expires_in_days": 1, "description": "x"},
            headers=alice.headers,
        )
    ).json()
    path = f"/api/shares/{share['id']}"
    renamed = await client.patch(path, json={"description": "for Sam"}, headers=alice.headers)
    assert renamed.status_code == 200
    # Only the description changed.
    assert (renamed.json()["description"], renamed.json()["expires_at"]) == (
        "for Sam",
        share["expires_at"],
    )
    forever = await client.patch(path, json={"expires_at": None}, headers=alice.headers)
    assert (forever.json()["expires_at"], forever.json()["description"]) == (None, "for Sam")
    assert (await client.get(_page_path(share))).status_code == 200

    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    ended = await client.patch(path, json={"expires_at": past}, headers=alice.headers)
    assert ended.status_code == 200 and ended.json()["expired"] is True
    assert (await client.get(_page_path(share))).status_code == 410
    revived = await client.patch(path, json={"expires_in_days": 30}, headers=alice.headers)
    assert revived.json()["expired"] is False
    assert (await client.get(_page_path(share))).status_code == 200

    assert (await client.delete(path, headers=alice.headers)).status_code == 204
    assert (await client.get(_page_path(share))).status_code == 404
    assert (await client.get("/api/shares", headers=alice.headers)).json() == []
    assert (await client.delete(path, headers=alice.headers)).status_code == 404


async def test_another_user_neither_sees_changes_nor_revokes_yours(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    _, (song, _) = await _album(services)
    playlist = await services.domains.playlists.create_playlist(alice.id, "Mine", song_ids=[song])
    share = (
        await client.post(
            "/api/shares", json={"kind": "song", "id": str(song)}, headers=alice.headers
        )
    ).json()
    bob = await sign_in(client, services, "bob")
    assert (await client.get("/api/shares", headers=bob.headers)).json() == []
    path = f"/api/shares/{share['id']}"
    assert (
        await client.patch(path, json={"description": "mine"}, headers=bob.headers)
    ).status_code == 404
    assert (await client.delete(path, headers=bob.headers)).status_code == 404
    reshare = {"kind": "playlist", "id": str(playlist.playlist.id)}
    assert (await client.post("/api/shares", json=reshare, headers=bob.headers)).status_code == 404
    assert len((await client.get("/api/shares", headers=alice.headers)).json()) == 1


BAD_SHARES = [
    ({"kind": "album"}, 404),  # the id is a song's, not an album's
    ({"kind": "artist"}, 400),
    ({"id": "00000000-0000-4000-8000-000000000000"}, 404),
    ({"expires_at": "2020-01-01T00:00:00+00:00"}, 400),
    ({"expires_at": "2999-01-01T00:00:00"}, 400),  # no time zone
    ({"expires_in_days": 0}, 400),
    ({"expires_in_days": 1, "expires_at": "2999-01-01T00:00:00+00:00"}, 400),
    ({"description": "x" * 2001}, 400),
]


# One test over every case (not parametrized): each case costs a request, a stack costs seconds.
async def test_bad_shares_are_refused(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    _, (song, _) = await _album(services)
    for change, status in BAD_SHARES:
        body = {"kind": "song", "id": str(song), **change}
        response = await client.post("/api/shares", json=body, headers=alice.headers)
        assert (change, response.status_code) == (change, status), response.text
        assert response.json()["error"]["message"]
    assert (await client.get("/api/shares", headers=alice.headers)).json() == []


async def test_shares_need_an_account(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/shares")).status_code == 401
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await client.delete(f"/api/shares/{missing}")).status_code == 401


@pytest.mark.parametrize("public_url", ["https://music.example.org"], ids=["public-url"])
async def test_links_use_the_public_base_url_when_set(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    _, (song, _) = await _album(services)
    made = await client.post(
        "/api/shares", json={"kind": "song", "id": str(song)}, headers=alice.headers
    )
    assert made.json()["url"].startswith("https://music.example.org/share/")
    [listed] = (await client.get("/api/shares", headers=alice.headers)).json()
    assert listed["url"] == made.json()["url"]


async def test_the_share_page_has_one_player_its_tracks_and_only_hashed_inline_code(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    album_id, _ = await _album(services)
    made = await client.post(
        "/api/shares", json={"kind": "album", "id": str(album_id)}, headers=alice.headers
    )
    page = await client.get(_page_path(made.json()))

    assert page.status_code == 200
    html = page.text
    assert html.count("<audio") == 1
    assert html.count('class="track"') == 2
    assert 'aria-hidden="true">♪</div>' in html  # no cover stored: a placeholder, no <img>
    assert "<img" not in html
    policy = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "default-src 'none'" in policy
    for tag in ("script", "style"):
        inline = re.search(rf"<{tag}>(.*?)</{tag}>", html, re.S)
        assert inline is not None
        digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy
