"""py-sonic (a third-party client library) against a real server: the internet radio
methods, with stations also managed through `tonearm radio` on the same database."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import libsonic
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.live import LiveServer, start_live_server
from tests.cli.conftest import TONEARM


def _no_music(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    running = start_live_server(tmp_path_factory.mktemp("radio-live"), library=_no_music)
    running.tonearm("user", "add", "root", "--admin", "--password", PASSWORD)
    try:
        yield running
    finally:
        running.stop()


def connect(server: LiveServer, username: str) -> libsonic.Connection:
    url = urlsplit(server.url)
    return libsonic.Connection(
        f"{url.scheme}://{url.hostname}",
        username,
        PASSWORD if username == "root" else server.password,
        port=url.port,
        appName="py-sonic-tests",
        apiVersion="1.16.1",
    )


def stations(sonic: libsonic.Connection) -> list[dict[str, str]]:
    listed = sonic.getInternetRadioStations()["internetRadioStations"]
    return list(listed.get("internetRadioStation", []))


def test_py_sonic_manages_and_lists_stations(server: LiveServer) -> None:
    admin, user = connect(server, "root"), connect(server, server.username)
    admin.createInternetRadioStation(
        "https://owl.example/live", "Night Owl", homepageUrl="https://owl.example/"
    )
    [station] = stations(user)
    assert (station["name"], station["streamUrl"], station["homePageUrl"]) == (
        "Night Owl",
        "https://owl.example/live",
        "https://owl.example/",
    )
    admin.updateInternetRadioStation(station["id"], "https://owl.example/hq", "Owl HQ")
    [updated] = stations(user)
    assert (updated["name"], updated["streamUrl"]) == ("Owl HQ", "https://owl.example/hq")
    assert "homePageUrl" not in updated
    with pytest.raises(libsonic.errors.AuthError):
        user.deleteInternetRadioStation(station["id"])
    admin.deleteInternetRadioStation(station["id"])
    assert stations(user) == []
    with pytest.raises(libsonic.errors.DataNotFoundError):
        admin.deleteInternetRadioStation(station["id"])


def test_the_cli_adds_updates_lists_and_removes_stations(server: LiveServer) -> None:
    added = server.tonearm("radio", "add", "Cli FM", "http://cli.example:8000/live")
    station_id = added.stdout.split()[2].rstrip(":")
    server.tonearm("radio", "update", station_id, "--homepage", "https://cli.example/")
    listed = server.tonearm("radio", "list").stdout
    assert "Cli FM" in listed and "https://cli.example/" in listed
    [station] = stations(connect(server, server.username))
    assert station["id"] == station_id and station["homePageUrl"] == "https://cli.example/"
    refused = subprocess.run(
        [str(TONEARM), "radio", "add", "Bad", "ftp://cli.example/"],
        env=server.env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "stream URL" in refused.stderr
    server.tonearm("radio", "remove", station_id)
    assert "no stations yet" in server.tonearm("radio", "list").stdout
