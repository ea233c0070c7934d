"""Choosing what serves a quality when the footprint rule left tiers out (library/ladder.py):
a stand-in if there is one, else the original for a needless tier, else the nearest present;
a needless tier is never made on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from tonearm.streaming.delivery import (
    ServeStored,
    StreamRequest,
    Transcode,
    choose_delivery,
    needless_for,
)
from tonearm.streaming.models import MediaSource, SongMedia
from tonearm.streaming.quality import Quality
from tonearm.streaming.service import StreamingPolicy, served_quality

SONG = uuid4()
DURATION_MS = 180_000


def _object(kind: str, codec: str, kbps: int | None, key: str, size: int = 1000) -> MediaSource:
    return MediaSource(SONG, kind, codec, kbps, size, datetime.now(UTC), key, None)


def _song(codec: str, kbps: int, kinds: dict[str, MediaSource], *, in_place: bool) -> SongMedia:
    size = kbps * DURATION_MS // 8
    original = _object("original", codec, None, f"original/{SONG}.{codec}", size)
    if in_place:
        original = MediaSource(
            SONG, "original", codec, None, size, original.modified_at, None, "/music/a"
        )
    return SongMedia(SONG, 0, False, original, kinds, None, None, DURATION_MS)


def test_a_stand_in_serves_high_and_medium_of_a_128k_mp3() -> None:
    stand_in = _object("medium", "mp3", 128, f"original/{SONG}.mp3", 128 * DURATION_MS // 8)
    low = _object("low", "mp3", 64, f"low/{SONG}.mp3")
    media = _song("mp3", 128, {"medium": stand_in, "low": low}, in_place=False)
    assert needless_for(media) == {"high", "medium", "efficient"}
    for wanted in (Quality.HIGH, Quality.MEDIUM, Quality.EFFICIENT):
        assert served_quality(media, wanted, plays_opus=True) is Quality.MEDIUM
    assert served_quality(media, Quality.LOW, plays_opus=False) is Quality.LOW
    assert StreamingPolicy().pending(media, "high") is None


def test_without_a_stand_in_a_needless_tier_is_the_original_not_a_lower_tier() -> None:
    low = _object("low", "mp3", 64, f"low/{SONG}.mp3")
    for in_place in (True, False):  # a scanned file, or a VBR import
        media = _song("mp3", 128, {"low": low}, in_place=in_place)
        assert served_quality(media, Quality.HIGH, plays_opus=False) is Quality.ORIGINAL
        assert served_quality(media, Quality.MEDIUM, plays_opus=False) is Quality.ORIGINAL
        assert served_quality(media, Quality.LOW, plays_opus=False) is Quality.LOW
        # Never made on request either; a tier below the source still is.
        assert StreamingPolicy().pending(media, "high") is None
        assert StreamingPolicy().pending(media, "medium") is None
        assert StreamingPolicy().pending(_song("mp3", 128, {}, in_place=in_place), "low")


def test_a_flac_keeps_the_usual_choice() -> None:
    medium = _object("medium", "mp3", 128, f"medium/{SONG}.mp3")
    media = _song("flac", 900, {"medium": medium}, in_place=False)
    assert needless_for(media) == frozenset()
    # high is missing (tiered, say): the nearest present, and high may be made again.
    assert served_quality(media, Quality.HIGH, plays_opus=False) is Quality.MEDIUM
    assert StreamingPolicy().pending(media, "high") is not None


def test_subsonic_gets_the_original_for_a_needless_tier_that_fits() -> None:
    # A scanned 128k MP3 whose tags make it measure 131 kbps by size: maxBitRate=128 as MP3
    # is the 128 kbps tier, which this song never gets; its original is that audio.
    media = _song("mp3", 131, {}, in_place=True)
    delivery = choose_delivery(media, StreamRequest("mp3", 128))
    assert isinstance(delivery, ServeStored) and delivery.source.kind == "original"
    # Below the source, a real lower tier (or a transcode) as before.
    assert isinstance(choose_delivery(media, StreamRequest("mp3", 96)), Transcode)
    flac = _song("flac", 900, {}, in_place=True)
    assert isinstance(choose_delivery(flac, StreamRequest("mp3", 128)), Transcode)
