"""Subsonic stream and download over ASGI, on both stacks (object storage: local and S3).

A numbered-beeps FLAC is imported (original and renditions in the store), then streamed:
renditions picked by maxBitRate and format and rebuilt byte-exact from Range reads, the
original for raw and download, ffmpeg transcodes when nothing fits, timeOffset, the slots.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.api.subsonic.client import SubsonicClient, check_against_schema
from tests.api.subsonic.signals import detect_start_second, write_numbered_beeps
from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.api.subsonic.system import OPEN_SUBSONIC_EXTENSIONS
from tonearm.app import Runtime

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]

SECONDS = 8
RANGE_STEP = 40_000
MP3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


async def _import_beeps(services: Runtime, tmp_path: Path) -> UUID:
    source = await asyncio.to_thread(write_numbered_beeps, tmp_path / "beeps.flac", SECONDS)
    summary = await services.domains.ingest.import_paths([source])
    assert not summary.failures, summary.failures
    (song_id,) = summary.song_ids
    return song_id


async def _stored(services: Runtime, song_id: UUID, kind: str) -> bytes:
    media = await services.domains.streaming.song_media(song_id)
    source = media.original if kind == "original" else media.objects[kind]
    assert source is not None
    return b"".join([chunk async for chunk in services.domains.streaming.read(source, 0, None)])


async def _rebuild_by_ranges(
    subsonic: SubsonicClient, method: str, params: dict[str, object], size: int
) -> bytes:
    parts = []
    for start in range(0, size, RANGE_STEP):
        end = min(start + RANGE_STEP, size) - 1
        response = await subsonic.request(method, params, headers={"Range": f"bytes={start}-{end}"})
        assert response.status_code == 206, response.text
        assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
        parts.append(response.content)
    return b"".join(parts)


def _mp3_frame_kbps(data: bytes) -> int:
    """The bitrate in the first MPEG-1 Layer III frame header (after any ID3v2 tag)."""
    offset = 0
    if data[:3] == b"ID3":
        size = data[6:10]
        offset = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    while not (data[offset] == 0xFF and data[offset + 1] & 0xFE == 0xFA):
        offset += 1  # sync word, MPEG-1, Layer III
    return MP3_KBPS[data[offset + 2] >> 4]


async def test_stream_and_download_serve_stored_objects_byte_exact_by_range(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    song_id = await _import_beeps(services, tmp_path)
    cases = [
        ({"maxBitRate": 320}, "high", "audio/mpeg"),
        ({"maxBitRate": 160, "format": "mp3"}, "medium", "audio/mpeg"),
        ({"maxBitRate": 64}, "low", "audio/mpeg"),
        ({"format": "mp3"}, "high", "audio/mpeg"),
        ({"format": "webm"}, "efficient", "audio/webm"),
        ({"format": "raw", "maxBitRate": 64}, "original", "audio/flac"),
        ({}, "original", "audio/flac"),
    ]
    for extra, kind, content_type in cases:
        params = {"id": str(song_id), **extra}
        response = await subsonic.request("stream", params)
        assert response.status_code == 200, (extra, response.text[:200])
        assert response.headers["content-type"] == content_type, extra
        assert response.content == await _stored(services, song_id, kind), extra
    medium = await _stored(services, song_id, "medium")
    params = {"id": str(song_id), "maxBitRate": 128, "format": "mp3"}
    assert await _rebuild_by_ranges(subsonic, "stream", params, len(medium)) == medium
    head = await subsonic.request("stream", params, http_method="HEAD")
    assert head.headers["content-length"] == str(len(medium))
    assert head.headers["accept-ranges"] == "bytes"

    # download: the original, whatever the format asked for
    original = await _stored(services, song_id, "original")
    response = await subsonic.request("download", {"id": str(song_id)}, http_method="POST")
    assert response.content == original
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.headers["content-disposition"].endswith(".flac")
    rebuilt = await _rebuild_by_ranges(subsonic, "download", {"id": str(song_id)}, len(original))
    assert rebuilt == original
    beyond = await subsonic.request(
        "download", {"id": str(song_id)}, headers={"Range": f"bytes={len(original)}-"}
    )
    assert beyond.status_code == 416


def _write_mp3(path: Path, kbps: int, **tags: str) -> Path:
    """An 8 s stereo CBR MP3 at `kbps`, encoded by real ffmpeg, with `tags`."""
    ffmpeg = find_ffmpeg(None).ffmpeg
    source = f"sine=frequency=440:sample_rate=44100:duration={SECONDS}"
    subprocess.run(
        [
            *(str(ffmpeg), "-v", "error", "-f", "lavfi", "-i", source, "-ac", "2"),
            *(arg for name, value in tags.items() for arg in ("-metadata", f"{name}={value}")),
            *("-c:a", "libmp3lame", "-b:a", f"{kbps}k", str(path)),
        ],
        check=True,
    )
    return path


def _packet_hashes(data: bytes, suffix: str, tmp_path: Path) -> list[str]:
    """The MD5 of each audio packet, read without decoding (ffmpeg framemd5, stream copy)."""
    path = tmp_path / f"packets.{suffix}"
    path.write_bytes(data)
    ffmpeg = find_ffmpeg(None).ffmpeg
    listing = subprocess.run(
        [
            *(str(ffmpeg), "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy"),
            *("-f", "framemd5", "-"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # stream, dts, pts, duration, size, hash[, side data]: the time bases differ by container
    return [line.split(",")[5].strip() for line in listing.splitlines() if line[:1] != "#"]


async def test_opus_and_ogg_are_the_stored_opus_remuxed_into_ogg(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    song_id = await _import_beeps(services, tmp_path)
    webm = await _stored(services, song_id, "efficient")
    expected = await asyncio.to_thread(_packet_hashes, webm, "webm", tmp_path)
    assert len(expected) > 100
    for fmt in ("opus", "ogg"):
        response = await subsonic.request("stream", {"id": str(song_id), "format": fmt})
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/ogg"
        assert response.headers["accept-ranges"] == "none"
        assert "content-length" not in response.headers
        assert response.content[:4] == b"OggS"
        # The same Opus packets, not a re-encode.
        sent = await asyncio.to_thread(_packet_hashes, response.content, "ogg", tmp_path)
        assert sent == expected, fmt
    # A Range is not honoured: the whole stream, 200.
    ranged = await subsonic.request(
        "stream", {"id": str(song_id), "format": "ogg"}, headers={"Range": "bytes=100-"}
    )
    assert ranged.status_code == 200 and ranged.content[:4] == b"OggS"
    head = await subsonic.request(
        "stream", {"id": str(song_id), "format": "opus"}, http_method="HEAD"
    )
    assert head.headers["content-type"] == "audio/ogg"
    # As WebM, when asked for by that name: the stored file, with Range.
    response = await subsonic.request("stream", {"id": str(song_id), "format": "webm"})
    assert response.headers["content-type"] == "audio/webm" and response.content == webm


async def test_max_bit_rate_is_a_ceiling_for_a_lossy_original(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    source = await asyncio.to_thread(
        _write_mp3, tmp_path / "song.mp3", 128, artist="Sólveig", title='Été "Live"\x01'
    )
    summary = await services.domains.ingest.import_paths([source])
    assert not summary.failures, summary.failures
    (song_id,) = summary.song_ids
    original = await _stored(services, song_id, "original")
    assert original == source.read_bytes()
    # maxBitRate above the source, or the source's own format without a cap: the file as it
    # is, not a bigger re-encode (and Range works, since it is a stored object).
    for extra in ({"maxBitRate": 320}, {"maxBitRate": 192}, {"format": "mp3"}, {}):
        response = await subsonic.request("stream", {"id": str(song_id), **extra})
        assert response.status_code == 200, (extra, response.text[:200])
        assert response.headers["content-type"] == "audio/mpeg", extra
        assert len(response.content) == len(original), extra
        assert response.content == original, extra
        assert response.headers["accept-ranges"] == "bytes", extra
    # Below the source: at most the cap (the stored 64 kbps rendition).
    low = await subsonic.request("stream", {"id": str(song_id), "maxBitRate": 64})
    assert _mp3_frame_kbps(low.content) <= 64
    assert len(low.content) < len(original) * 0.6
    # Another codec without a cap: no more than the source's bitrate (its size over its
    # duration, tags and Xing frame included) either, not AAC's default 256 kbps.
    aac = await subsonic.request(
        "stream", {"id": str(song_id), "format": "aac", "estimateContentLength": "true"}
    )
    assert aac.headers["content-type"] == "audio/aac"
    assert int(aac.headers["content-length"]) <= SECONDS * 132_000 // 8

    # download: named after the song, with a plain ASCII fallback for simple clients
    response = await subsonic.request("download", {"id": str(song_id)})
    assert response.content == original
    assert response.headers["content-disposition"] == (
        'attachment; filename="Solveig - Ete Live.mp3"; '
        "filename*=UTF-8''S%C3%B3lveig%20-%20%C3%89t%C3%A9%20%22Live%22.mp3"
    )


async def test_transcodes_when_nothing_fits_from_an_offset_and_by_transcode_decision(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    song_id = await _import_beeps(services, tmp_path)
    params = {"id": str(song_id), "maxBitRate": 96, "format": "mp3"}
    response = await subsonic.request("stream", params)
    assert response.headers["content-type"] == "audio/mpeg"
    assert "content-length" not in response.headers
    assert _mp3_frame_kbps(response.content) == 96
    # About duration × bitrate: within a second's worth of bytes.
    assert abs(len(response.content) - SECONDS * 96_000 / 8) < 12_000
    start = await asyncio.to_thread(detect_start_second, response.content)
    assert abs(start) < 0.5

    estimated = await subsonic.request("stream", params | {"estimateContentLength": "true"})
    assert estimated.headers["content-length"] == str(SECONDS * 96_000 // 8)
    assert len(estimated.content) == SECONDS * 96_000 // 8

    aac = await subsonic.request("stream", {"id": str(song_id), "format": "aac"})
    assert aac.headers["content-type"] == "audio/aac"
    assert aac.content[:2] == b"\xff\xf1"  # an ADTS frame, MPEG-4 AAC

    # timeOffset: always a transcode, from there (OpenSubsonic transcodeOffset)
    for fmt, offset in (("mp3", 5), ("opus", 3.5)):
        params = {"id": str(song_id), "format": fmt, "timeOffset": offset}
        response = await subsonic.request("stream", params)
        start = await asyncio.to_thread(detect_start_second, response.content)
        assert abs(start - offset) <= 0.5, (fmt, start)
    assert OPEN_SUBSONIC_EXTENSIONS["transcodeOffset"] == [1]

    # OpenSubsonic transcoding: a decision from the client's capabilities, then its stream
    client_info = {
        "name": "tests",
        "maxAudioBitrate": 500_000,
        "maxTranscodingAudioBitrate": 96_000,
        "directPlayProfiles": [
            {"containers": ["flac"], "audioCodecs": ["flac"], "protocols": ["http"]}
        ],
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
    }
    auth = subsonic.auth_params() | {"f": "json", "mediaId": str(song_id), "mediaType": "song"}
    response = await subsonic.http.post(
        "/rest/getTranscodeDecision.view", params=auth, json=client_info
    )
    check_against_schema(response)
    decision = response.json()["subsonic-response"]["transcodeDecision"]
    assert decision["canDirectPlay"] is True  # the FLAC is well under 500 kbps
    assert decision["sourceStream"]["codec"] == "flac"
    assert decision["transcodeParams"] == "mp3-96"
    xml = await subsonic.http.post(
        "/rest/getTranscodeDecision.view",
        params=auth | {"f": "xml"},
        json=client_info | {"maxAudioBitrate": 64_000},
    )
    check_against_schema(xml)
    assert b'canDirectPlay="false"' in xml.content
    assert b"<transcodeReason>AudioBitrateNotSupported</transcodeReason>" in xml.content
    mp3_only = client_info | {
        "directPlayProfiles": [{"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": []}]
    }
    response = await subsonic.http.post(
        "/rest/getTranscodeDecision.view", params=auth, json=mp3_only
    )
    assert response.json()["subsonic-response"]["transcodeDecision"]["canDirectPlay"] is False
    # songId, as clients written before the specification send it, is still read.
    legacy = subsonic.auth_params() | {"f": "json", "songId": str(song_id)}
    response = await subsonic.http.post(
        "/rest/getTranscodeDecision.view", params=legacy, json=client_info
    )
    assert response.json()["subsonic-response"]["transcodeDecision"]["canDirectPlay"] is True
    for params, code in (
        ({"mediaId": str(song_id), "mediaType": "podcast"}, 70),
        ({"mediaId": str(song_id)}, 10),
        ({"mediaType": "song"}, 10),
    ):
        response = await subsonic.http.post(
            "/rest/getTranscodeDecision.view",
            params=subsonic.auth_params() | {"f": "json"} | params,
            json=client_info,
        )
        assert response.json()["subsonic-response"]["error"]["code"] == code, params

    stream = await subsonic.request(
        "getTranscodeStream",
        {"mediaId": str(song_id), "mediaType": "song", "transcodeParams": "mp3-96", "offset": 2},
    )
    assert stream.headers["content-type"] == "audio/mpeg"
    assert _mp3_frame_kbps(stream.content) == 96
    start = await asyncio.to_thread(detect_start_second, stream.content)
    assert abs(start - 2) <= 0.5
    # GET, a body that is not JSON, parameters this server never gave: errors.
    assert (await subsonic.fail("getTranscodeDecision", {"songId": str(song_id)}))["code"] == 10
    bad = await subsonic.http.post(
        "/rest/getTranscodeDecision.view", params=auth, content=b"{not json"
    )
    assert bad.json()["subsonic-response"]["error"]["code"] == 10
    form = await subsonic.request(
        "getTranscodeDecision", {"songId": str(song_id)}, http_method="POST"
    )
    assert form.json()["subsonic-response"]["error"]["code"] == 10
    params = {"mediaId": str(song_id), "mediaType": "song", "transcodeParams": "wav-1"}
    assert (await subsonic.fail("getTranscodeStream", params))["code"] == 10
    assert OPEN_SUBSONIC_EXTENSIONS["transcoding"] == [1]


async def test_stream_errors_are_subsonic_errors(subsonic: SubsonicClient) -> None:
    assert (await subsonic.fail("stream", {}))["code"] == 10
    assert (await subsonic.fail("stream", {"id": str(uuid4())}))["code"] == 70
    assert (await subsonic.fail("download", {"id": "not-an-id"}))["code"] == 70
    error = await subsonic.fail("stream", {"id": str(uuid4()), "timeOffset": "soon"})
    assert error["code"] == 10


async def test_a_song_whose_audio_cannot_be_read_is_not_found_not_an_internal_error(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    song_id = await _import_beeps(services, tmp_path)
    media = await services.domains.streaming.song_media(song_id)
    original = media.original
    assert original is not None and original.storage_key is not None

    async def garbage():  # type: ignore[no-untyped-def]
        yield b"not audio at all" * 64

    await services.store.put_stream(original.storage_key, garbage(), "audio/flac")
    params = {"mediaId": str(song_id), "mediaType": "song", "transcodeParams": "mp3-96"}
    error = await subsonic.fail("getTranscodeStream", params)
    assert error["code"] == 70 and "could not be read" in error["message"]
    # The same for stream when it must transcode (an offset).
    error = await subsonic.fail("stream", {"id": str(song_id), "timeOffset": 2})
    assert error["code"] == 70
