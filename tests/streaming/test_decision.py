"""OpenSubsonic transcoding decisions from a client's declared capabilities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from tonearm.errors import InvalidInput
from tonearm.streaming.decision import client_info_from_json, decide, parse_transcode_params
from tonearm.streaming.models import MediaSource, SongMedia

SONG = uuid4()
DURATION_MS = 100_000


def _media() -> SongMedia:
    def stored(kind: str, codec: str, kbps: int | None, size: int) -> MediaSource:
        return MediaSource(SONG, kind, codec, kbps, size, datetime.now(UTC), f"{kind}.x", None)

    return SongMedia(
        SONG,
        0,
        False,
        stored("original", "flac", None, 900 * DURATION_MS // 8),  # 900 kbps
        {"high": stored("high", "mp3", 320, 1), "medium": stored("medium", "mp3", 128, 1)},
        None,
        None,
        DURATION_MS,
    )


def _client(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "test",
        "maxAudioBitrate": 1_000_000,
        "directPlayProfiles": [{"container": "flac", "audioCodec": "flac", "protocol": "http"}],
        "transcodingProfiles": [
            {"container": "mp4", "audioCodec": "aac", "protocol": "hls"},
            {"container": "mp3", "audioCodec": "mp3", "protocol": "http"},
        ],
    } | overrides


def test_a_client_that_plays_the_original_plays_it_directly() -> None:
    decision = decide(_media(), client_info_from_json(_client()))
    assert decision.can_direct_play and decision.reasons == ()
    assert (decision.source.container, decision.source.codec) == ("flac", "flac")
    assert decision.source.audio_bitrate == 900_000


def test_too_high_a_bitrate_or_another_codec_means_a_transcode() -> None:
    capped = decide(_media(), client_info_from_json(_client(maxAudioBitrate=320_000)))
    assert not capped.can_direct_play and capped.reasons == ("AudioBitrateNotSupported",)
    assert capped.can_transcode and capped.params == "mp3-320"
    assert capped.target is not None and capped.target.audio_bitrate == 320_000
    mp3_only = _client(directPlayProfiles=[{"container": "mp3", "audioCodec": "mp3"}])
    mp3_only["maxTranscodingAudioBitrate"] = 128_000
    decision = decide(_media(), client_info_from_json(mp3_only))
    assert decision.reasons == ("ContainerOrCodecNotSupported",)
    assert decision.params == "mp3-128"


def test_no_profile_tonearm_can_make_is_an_error_reason() -> None:
    only_hls = _client(
        directPlayProfiles=[],
        transcodingProfiles=[{"container": "mp4", "audioCodec": "aac", "protocol": "hls"}],
    )
    decision = decide(_media(), client_info_from_json(only_hls))
    assert not decision.can_direct_play and not decision.can_transcode
    assert decision.error_reason and decision.params is None


def test_codec_limitations_cap_the_transcode() -> None:
    limited = _client(
        maxAudioBitrate=None,
        directPlayProfiles=[],
        transcodingProfiles=[{"container": "ogg", "audioCodec": "opus", "protocol": "*"}],
        codecProfiles=[
            {
                "type": "AudioCodec",
                "name": "opus",
                "limitations": [
                    {"name": "audioBitrate", "comparison": "LessThanEqual", "value": "64000"}
                ],
            }
        ],
    )
    assert decide(_media(), client_info_from_json(limited)).params == "opus-64"


def test_bad_input_is_refused() -> None:
    for document in ([], {"maxAudioBitrate": "lots"}, {"directPlayProfiles": "mp3"}):
        with pytest.raises(InvalidInput):
            client_info_from_json(document)
    assert parse_transcode_params("mp3-192") == ("mp3", 192)
    for raw in ("flac-1000", "mp3", "mp3-", "../etc"):
        with pytest.raises(InvalidInput):
            parse_transcode_params(raw)
