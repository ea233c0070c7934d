"""The storage-footprint rule (library/ladder.py): which tiers an original makes needless, and
when the original stands in for one."""

from __future__ import annotations

import pytest

from tonearm.adapters.ffmpeg.renditions import ENCODINGS
from tonearm.ingest.models import RenditionKind
from tonearm.library.ladder import (
    TIER_FORMATS,
    SourceAudio,
    estimated_kbps,
    needless_kinds,
    stand_in_kind,
)
from tonearm.streaming.models import RENDITION_FORMATS


def test_the_ladder_is_the_renditions_made() -> None:
    for kind, (codec, kbps) in TIER_FORMATS.items():
        assert (RENDITION_FORMATS[kind].codec, RENDITION_FORMATS[kind].bitrate_kbps) == (
            codec,
            kbps,
        )
        assert (
            ENCODINGS[RenditionKind(kind)].codec,
            ENCODINGS[RenditionKind(kind)].bitrate_kbps,
        ) == (
            codec,
            kbps,
        )
    assert set(TIER_FORMATS) == set(RENDITION_FORMATS)


@pytest.mark.parametrize(
    ("codec", "kbps", "needless"),
    [
        ("mp3", 128, {"high", "medium", "efficient"}),
        ("mp3", 320, {"high"}),
        ("mp3", 192, {"high"}),
        ("mp3", 129, {"high"}),  # an Opus copy at 96 saves a quarter: made
        ("mp3", 64, {"high", "medium", "low", "efficient"}),
        ("mp3", 321, set()),
        ("opus", 64, {"efficient"}),
        ("opus", 96, {"efficient"}),
        ("opus", 160, set()),
        ("flac", 900, set()),
        ("aac", 96, set()),
        ("vorbis", 96, set()),
        ("mp3", None, set()),
    ],
)
def test_no_same_codec_tier_at_or_above_the_source(
    codec: str, kbps: int | None, needless: set[str]
) -> None:
    assert needless_kinds(SourceAudio(codec, kbps)) == needless


def test_an_estimated_bitrate_allows_for_tags() -> None:
    # A 128 kbps MP3 with a cover in its tags measures a little more than 128 by its size.
    assert needless_kinds(SourceAudio("mp3", 136, estimated=True)) == {
        "high",
        "medium",
        "efficient",
    }
    assert needless_kinds(SourceAudio("mp3", 136)) == {"high"}
    assert estimated_kbps(3_000_000, 187_500) == 128
    assert estimated_kbps(None, 1000) is None and estimated_kbps(100, 0) is None


def test_only_a_stored_cbr_mp3_stands_in_for_the_lowest_needless_tier() -> None:
    stored_cbr = SourceAudio("mp3", 128, cbr_mp3_kbps=128, in_storage=True)
    assert stand_in_kind(stored_cbr) == "medium"
    assert stand_in_kind(SourceAudio("mp3", 320, cbr_mp3_kbps=320, in_storage=True)) == "high"
    assert stand_in_kind(SourceAudio("mp3", 64, cbr_mp3_kbps=64, in_storage=True)) == "low"
    # VBR (no Info frame), read in place, or not MP3: never.
    assert stand_in_kind(SourceAudio("mp3", 128, cbr_mp3_kbps=None, in_storage=True)) is None
    assert stand_in_kind(SourceAudio("mp3", 128, cbr_mp3_kbps=128, in_storage=False)) is None
    assert stand_in_kind(SourceAudio("opus", 64, cbr_mp3_kbps=64, in_storage=True)) is None
    # Nothing needless (above the ladder): nothing to stand in for.
    assert stand_in_kind(SourceAudio("mp3", 330, cbr_mp3_kbps=330, in_storage=True)) is None
