"""IcyTitleReader against a local endless MP3 stream with ICY metadata (tests/radio_stream.py),
and the parsing of metadata blocks."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.radio_stream import IcyStation, make_stream_audio, metadata_block
from tonearm.adapters.icy import IcyTitleReader, parse_stream_title

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_stream_audio(tmp_path_factory.mktemp("radio"), seconds=2)


@pytest.fixture
def station(audio: bytes) -> Iterator[IcyStation]:
    running = IcyStation(audio, title="Nina Vale – Café Naïve").start()
    yield running
    running.stop()


async def test_the_title_of_a_utf8_stream_is_read(station: IcyStation) -> None:
    assert await IcyTitleReader().read_title(station.url) == "Nina Vale – Café Naïve"
    assert station.metadata_requests == 1


async def test_a_latin1_title_is_decoded(audio: bytes) -> None:
    station = IcyStation(audio, title="Sigur Rós - Ágætis byrjun", encoding="latin-1").start()
    try:
        assert await IcyTitleReader().read_title(station.url) == "Sigur Rós - Ágætis byrjun"
    finally:
        station.stop()


async def test_a_stream_that_is_not_there_has_no_title(station: IcyStation) -> None:
    assert await IcyTitleReader().read_title(station.url.replace("stream", "gone")) is None


async def test_a_server_that_never_answers_gives_up_within_its_time_limit() -> None:
    with socket.socket() as listener:  # accepts connections (the backlog) and says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        reader = IcyTitleReader(timeout_seconds=0.5)
        assert await reader.read_title(f"http://127.0.0.1:{port}/live") is None


async def test_an_oversized_metaint_or_a_missing_one_is_not_read() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Icy-MetaData"] == "1"
        metaint = {"/huge": "1000000000", "/bad": "many", "/none": None}[request.url.path]
        headers = {"icy-metaint": metaint} if metaint else {}
        return httpx.Response(200, headers=headers, content=b"\x00" * 64)

    reader = IcyTitleReader(transport=httpx.MockTransport(answer))
    for path in ("/huge", "/bad", "/none"):
        assert await reader.read_title(f"http://radio.test{path}") is None


@pytest.mark.parametrize(
    ("block", "title"),
    [
        (metadata_block("Guns N' Roses - Don't Cry"), "Guns N' Roses - Don't Cry"),
        (metadata_block(""), None),
        (metadata_block("   "), None),
        (b"\x01StreamUrl='x';\x00\x00\x00\x00\x00\x00", None),
        (metadata_block("Björk – Jóga"), "Björk – Jóga"),
        (b"\x01StreamTitle='Caf\xe9';\x00\x00\x00", "Café"),
        (b"\x02StreamTitle='a\x07b\nc';" + b"\x00" * 16, "a b c"),
    ],
)
def test_stream_titles_are_parsed_and_cleaned(block: bytes, title: str | None) -> None:
    assert parse_stream_title(block[1:]) == title


def test_a_long_title_is_cut() -> None:
    assert len(parse_stream_title(metadata_block("x" * 3000)[1:]) or "") == 500


def test_mp3_made_for_the_station_is_audio(tmp_path: Path) -> None:
    audio = make_stream_audio(tmp_path, seconds=1)
    assert audio[:2] == b"\xff\xfb" and len(audio) > 10_000
