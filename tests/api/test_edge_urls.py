"""Edge mode (TONEARM_MEDIA_DELIVERY=edge): the URLs handed out, in the format nginx's
secure_link checks (tests/e2e/test_edge_media.py runs them through a real nginx)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from tests.api.test_streaming import PASSWORD, Library, library, media_path, stream
from tonearm.app import Runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
SECRET = "api-test-edge-secret-42"
__all__ = ["library"]  # the shared fixture


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    return stack_settings.model_copy(
        update={"media_delivery": "edge", "edge_secret": SecretStr(SECRET)}
    )


def nginx_md5(expires: str, path: str, user: str, quality: str) -> str:
    """What `secure_link_md5 "$secure_link_expires $uri $arg_u $arg_q <secret>"` gives."""
    digest = hashlib.md5(f"{expires} {path} {user} {quality} {SECRET}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def test_stream_urls_point_at_the_edge_signed_for_path_user_quality_and_expiry(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    ticket = await stream(client, library, quality="high")
    url = urlsplit(str(ticket["url"]))
    if services.settings.storage_url is not None:
        # Objects in a bucket: nginx cannot reach them, so tonearm checks and serves.
        assert url.path == f"/api/media/{library.song_id}/high"
        response = await client.get(media_path(ticket["url"]))
        assert response.status_code == 200 and response.content == library.data["high"]
        return
    alice = await services.domains.users.get_user("alice")
    assert url.path == f"/edge/store/high/{library.song_id}.mp3"
    args = {name: values[0] for name, values in parse_qs(url.query).items()}
    expires = datetime.fromisoformat(str(ticket["expires_at"]))
    assert args["expires"] == str(int(expires.timestamp()))
    assert args["u"] == str(alice.id) and args["q"] == "high"
    assert args["md5"] == nginx_md5(args["expires"], url.path, str(alice.id), "high")
    # The file at that path (under the storage root) is the rendition.
    root = services.settings.data_dir / "objects"
    assert (root / url.path.removeprefix("/edge/store/")).read_bytes() == library.data["high"]


async def test_subsonic_stream_of_a_stored_rendition_redirects_to_the_edge(
    client: httpx.AsyncClient, library: Library, services: Runtime
) -> None:
    params = {"u": "alice", "p": PASSWORD, "v": "1.16.1", "c": "test", "id": str(library.song_id)}
    response = await client.get("/rest/stream", params={**params, "maxBitRate": "128"})
    if services.settings.storage_url is not None:
        # A bucket's object: no edge URL, tonearm answers itself (here: the factory's
        # original was never uploaded, so a Subsonic error, but no redirect).
        assert response.status_code == 200 and "location" not in response.headers
        return
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    # Whichever stored object the rule picks (the factory's original here), by its key.
    kind = location.path.removeprefix("/edge/store/").split("/")[0]
    assert location.path.startswith("/edge/store/") and parse_qs(location.query)["q"] == [kind]
    assert response.headers["cache-control"] == "no-store"


def test_edge_mode_needs_a_secret_nginx_can_hold(tmp_path: object) -> None:
    for secret in (
        None,
        "short",
        "has space in the middle",
        'quote"in-it-0123456',
        "dollar$0123456789ab",
    ):
        with pytest.raises(ValidationError, match="TONEARM_EDGE_SECRET"):
            Settings(media_delivery="edge", edge_secret=secret)
    assert Settings(media_delivery="edge", edge_secret="0123456789abcdef").edge_secret
