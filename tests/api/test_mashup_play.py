"""Playing mashups from the REST API: each comes with a signed, expiring stream URL (no
bearer header needed, as an <audio> element sends none) that serves Range and HEAD, a
fresh one from /api/mashups/{id}/stream, and none of it for another user."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.analysis.stored_mashups import FAKE_MP3, store_mashup
from tests.api.accounts import sign_in
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


async def test_the_owner_plays_a_mashup_by_its_signed_url_and_no_one_else_can(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    owner = await sign_in(client, services, "mixer")
    other = await sign_in(client, services, "neighbour")
    mashup = await store_mashup(services, owner.id)

    (entry,) = (await client.get("/api/mashups", headers=owner.headers)).json()["entries"]
    url = entry["stream_url"]
    assert urlsplit(url).path == f"/api/mashups/media/{mashup.id}"
    # No credentials but the token: the whole MP3, a range of it, and HEAD.
    whole = await client.get(url)
    assert whole.status_code == 200, whole.text
    assert whole.content == FAKE_MP3 and whole.headers["content-type"] == "audio/mpeg"
    assert whole.headers["cache-control"].startswith("private")
    part = await client.get(url, headers={"Range": "bytes=3-12"})
    assert part.status_code == 206 and part.content == FAKE_MP3[3:13]
    head = await client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(FAKE_MP3))

    ticket = (await client.get(f"/api/mashups/{mashup.id}/stream", headers=owner.headers)).json()
    assert ticket["size"] == len(FAKE_MP3) and ticket["codec"] == "mp3"
    assert (await client.get(ticket["url"], headers={"Range": "bytes=0-2"})).content == b"ID3"

    # The token is for this mashup only: tampered, or moved to another id, it is refused.
    token = parse_qs(urlsplit(url).query)["t"][0]
    assert (await client.get(url.replace(token, token[:-2] + "xx"))).status_code == 401
    theirs = await store_mashup(services, other.id, title="Theirs")
    moved = f"/api/mashups/media/{theirs.id}?t={token}"
    assert (await client.get(moved)).status_code == 401

    # Another user gets no URL: 404 as for a mashup that does not exist.
    for path in (f"/api/mashups/{mashup.id}", f"/api/mashups/{mashup.id}/stream"):
        assert (await client.get(path, headers=other.headers)).status_code == 404
    listed = (await client.get("/api/mashups", headers=other.headers)).json()["entries"]
    assert [e["id"] for e in listed] == [str(theirs.id)]
    assert str(mashup.id) not in str(listed)


async def test_a_stream_url_expires(
    client: httpx.AsyncClient, services: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_in(client, services, "mixer")
    mashup = await store_mashup(services, owner.id)
    before = services.clock()
    stream = services.domains.mashups.stream(mashup)
    lives = timedelta(minutes=services.settings.stream_url_minutes)
    assert before + lives <= stream.expires_at <= services.clock() + lives
    assert (await client.head(stream.path)).status_code == 200
    later = stream.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(services.domains.mashups, "_clock", lambda: later)
    answer = await client.get(stream.path)
    assert answer.status_code == 401 and "expired" in answer.text
