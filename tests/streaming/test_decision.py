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
        "directPlayProfiles": [
            {"containers": ["flac"], "audioCodecs": ["flac"], "protocols": ["http"]}
        ],
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
    mp3_only = _client(
        directPlayProfiles=[{"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": []}]
    )
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
                    {
                        "name": "audioBitrate",
                        "comparison": "LessThanEqual",
                        "values": ["64000"],
                        "required": True,
                    }
                ],
            }
        ],
    )
    assert decide(_media(), client_info_from_json(limited)).params == "opus-64"


def _mp3_media(kbps: int) -> SongMedia:
    """A song whose original is an MP3 of `kbps` (by size over duration), no renditions."""
    original = MediaSource(
        SONG, "original", "mp3", None, kbps * DURATION_MS // 8, datetime.now(UTC), "o.mp3", None
    )
    return SongMedia(SONG, 0, False, original, {}, None, None, DURATION_MS)


def _mp3_limit(comparison: str, values: list[str], required: bool = True) -> dict[str, Any]:
    return {
        "type": "AudioCodec",
        "name": "mp3",
        "limitations": [
            {
                "name": "audioBitrate",
                "comparison": comparison,
                "values": values,
                "required": required,
            }
        ],
    }


SPEC_MP3_CLIENT: dict[str, Any] = {
    "name": "Play:1",
    "platform": "Sonos",
    "directPlayProfiles": [
        {"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": ["http"]},
    ],
    "transcodingProfiles": [
        {"container": "mp3", "audioCodec": "mp3", "protocol": "http", "maxAudioChannels": 2}
    ],
}


def test_a_flac_does_not_match_an_mp3_only_direct_play_profile() -> None:
    decision = decide(_media(), client_info_from_json(SPEC_MP3_CLIENT))
    assert not decision.can_direct_play
    assert decision.reasons == ("ContainerOrCodecNotSupported",)
    assert decision.can_transcode and decision.params == "mp3-320"
    # A profile that lists another codec in the right container does not match either.
    wrong_codec = SPEC_MP3_CLIENT | {
        "directPlayProfiles": [{"containers": ["flac"], "audioCodecs": ["alac"], "protocols": []}]
    }
    assert not decide(_media(), client_info_from_json(wrong_codec)).can_direct_play
    hls_only = SPEC_MP3_CLIENT | {
        "directPlayProfiles": [{"containers": [], "audioCodecs": [], "protocols": ["hls"]}]
    }
    assert not decide(_media(), client_info_from_json(hls_only)).can_direct_play


def test_matching_spec_profiles_play_directly_and_empty_arrays_mean_any() -> None:
    assert decide(_mp3_media(194), client_info_from_json(SPEC_MP3_CLIENT)).can_direct_play
    several = SPEC_MP3_CLIENT | {
        "directPlayProfiles": [
            {"containers": ["mp4"], "audioCodecs": ["aac"], "protocols": []},
            {"containers": ["ogg", "flac"], "audioCodecs": ["vorbis", "flac"], "protocols": []},
        ]
    }
    assert decide(_media(), client_info_from_json(several)).can_direct_play
    anything = SPEC_MP3_CLIENT | {
        "directPlayProfiles": [{"containers": [], "audioCodecs": [], "protocols": []}]
    }
    assert decide(_media(), client_info_from_json(anything)).can_direct_play


def test_an_mp3_over_its_codec_bitrate_limit_is_transcoded() -> None:
    limited = SPEC_MP3_CLIENT | {"codecProfiles": [_mp3_limit("LessThanEqual", ["128000"])]}
    decision = decide(_mp3_media(194), client_info_from_json(limited))
    assert not decision.can_direct_play
    assert decision.reasons == ("AudioBitrateNotSupported",)
    assert decision.source.audio_bitrate == 194_000
    assert decision.can_transcode and decision.params == "mp3-128"
    assert decision.target is not None and decision.target.audio_bitrate == 128_000
    within = SPEC_MP3_CLIENT | {"codecProfiles": [_mp3_limit("LessThanEqual", ["320000"])]}
    assert decide(_mp3_media(194), client_info_from_json(within)).can_direct_play


@pytest.mark.parametrize(
    ("comparison", "values", "required", "direct"),
    [
        ("Equals", ["128000", "194000"], True, True),
        ("Equals", ["128000", "320000"], True, False),
        ("NotEquals", ["194000"], True, False),
        ("GreaterThanEqual", ["256000"], True, False),
        ("GreaterThanEqual", ["96000"], True, True),
        ("LessThanEqual", ["128000"], False, True),  # not required: no reason to transcode
    ],
)
def test_bitrate_limitations_compare_with_their_values(
    comparison: str, values: list[str], required: bool, direct: bool
) -> None:
    client = SPEC_MP3_CLIENT | {"codecProfiles": [_mp3_limit(comparison, values, required)]}
    assert decide(_mp3_media(194), client_info_from_json(client)).can_direct_play is direct


def test_older_singular_forms_are_still_read() -> None:
    legacy = {
        "name": "old",
        "directPlayProfiles": [{"container": "mp3", "audioCodec": "mp3,aac", "protocol": "*"}],
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
        "codecProfiles": [
            {
                "name": "mp3",
                "limitations": [
                    {"name": "audioBitrate", "comparison": "LessThanEqual", "value": "128000"}
                ],
            }
        ],
    }
    assert decide(_media(), client_info_from_json(legacy)).reasons == (
        "ContainerOrCodecNotSupported",
    )
    decision = decide(_mp3_media(194), client_info_from_json(legacy))
    assert decision.reasons == ("AudioBitrateNotSupported",)
    assert decision.params == "mp3-128"


def test_bad_input_is_refused() -> None:
    for document in (
        [],
        {"maxAudioBitrate": "lots"},
        {"directPlayProfiles": "mp3"},
        {"directPlayProfiles": [{"containers": [3]}]},
        {"codecProfiles": [{"name": "mp3", "limitations": "audioBitrate"}]},
    ):
        with pytest.raises(InvalidInput):
            client_info_from_json(document)
    assert parse_transcode_params("mp3-192") == ("mp3", 192)
    for raw in ("flac-1000", "mp3", "mp3-", "../etc"):
        with pytest.raises(InvalidInput):
            parse_transcode_params(raw)
