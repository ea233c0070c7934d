"""The Subsonic stream rule: which stored object, or which transcode, a request gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tonearm.library.models import RenditionPolicy
from tonearm.streaming.delivery import (
    EncodeRendition,
    Remux,
    ServeStored,
    StreamRequest,
    Transcode,
    TranscodeCodec,
    choose_delivery,
    normalize_codec,
)
from tonearm.streaming.models import RENDITION_FORMATS, MediaSource, PendingRendition, SongMedia
from tonearm.streaming.service import StreamingPolicy

SONG = uuid4()
DURATION_MS = 200_000


def _object(kind: str, codec: str, kbps: int | None, size: int = 1000) -> MediaSource:
    return MediaSource(SONG, kind, codec, kbps, size, datetime.now(UTC), f"{kind}.x", None)


def _media(
    *,
    original_kbps: int = 900,
    kinds: tuple[str, ...] = ("high", "medium", "low", "efficient", "preview"),
) -> SongMedia:
    ladder = {
        "high": _object("high", "mp3", 320),
        "medium": _object("medium", "mp3", 128),
        "low": _object("low", "mp3", 64),
        "efficient": _object("efficient", "opus", 96),
        "preview": _object("preview", "mp3", 128),
    }
    # The original's bitrate comes from its size over the duration.
    original = _object("original", "flac", None, size=original_kbps * DURATION_MS // 8)
    return SongMedia(
        SONG, 0, False, original, {k: ladder[k] for k in kinds}, None, None, DURATION_MS
    )


def _kind(delivery: ServeStored | Transcode) -> str:
    assert isinstance(delivery, ServeStored), delivery
    return delivery.source.kind


@pytest.mark.parametrize(
    ("fmt", "cap", "kind"),
    [
        (None, 0, "original"),
        ("raw", 0, "original"),
        ("raw", 64, "original"),
        ("flac", 0, "original"),
        ("mp3", 0, "high"),
        ("mp3", 320, "high"),
        (None, 320, "high"),
        ("mp3", 400, "high"),
        ("mp3", 160, "medium"),
        ("mp3", 128, "medium"),
        (None, 64, "low"),
        ("opus", 0, "efficient"),
        ("ogg", 96, "efficient"),
        ("unknown-codec", 128, "medium"),
    ],
)
def test_a_stored_object_that_fits_is_served(fmt: str | None, cap: int, kind: str) -> None:
    assert _kind(choose_delivery(_media(), StreamRequest(fmt, cap))) == kind


def test_an_original_within_the_cap_is_served_as_it_is() -> None:
    assert _kind(choose_delivery(_media(original_kbps=250), StreamRequest(None, 320))) == "original"
    assert _kind(choose_delivery(_media(original_kbps=250), StreamRequest("mp3", 320))) == "high"


@pytest.mark.parametrize(
    ("fmt", "cap", "codec", "kbps"),
    [
        ("mp3", 96, TranscodeCodec.MP3, 96),  # the 64 kbps rendition is too far below
        ("mp3", 100, TranscodeCodec.MP3, 96),  # CBR MP3 takes the frame bitrate below
        (None, 200, TranscodeCodec.MP3, 192),
        ("mp3", 16, TranscodeCodec.MP3, 32),
        ("opus", 48, TranscodeCodec.OPUS, 48),
        ("opus", 160, TranscodeCodec.OPUS, 128),
        ("aac", 0, TranscodeCodec.AAC, 256),
        ("m4a", 128, TranscodeCodec.AAC, 128),
        ("flac", 320, TranscodeCodec.MP3, 320),  # the FLAC original is over the cap
    ],
)
def test_a_transcode_when_nothing_fits(
    fmt: str, cap: int, codec: TranscodeCodec, kbps: int
) -> None:
    delivery = choose_delivery(_media(), StreamRequest(fmt, cap))
    assert isinstance(delivery, Transcode)
    assert (delivery.codec, delivery.bitrate_kbps, delivery.offset_seconds) == (codec, kbps, 0)
    assert delivery.source.kind == "original"


def test_a_time_offset_always_transcodes_from_the_original() -> None:
    delivery = choose_delivery(_media(), StreamRequest("mp3", 320, 30.5))
    assert isinstance(delivery, Transcode)
    assert (delivery.source.kind, delivery.codec, delivery.offset_seconds) == (
        "original",
        "mp3",
        30.5,
    )
    raw = choose_delivery(_media(), StreamRequest("raw", 0, 10))
    assert isinstance(raw, Transcode) and raw.codec is TranscodeCodec.MP3


def test_the_estimated_length_is_duration_times_bitrate_after_the_offset() -> None:
    delivery = choose_delivery(_media(), StreamRequest("mp3", 96, 50))
    assert isinstance(delivery, Transcode)
    assert delivery.estimated_bytes == 150 * 96_000 // 8


def test_the_preview_is_never_streamed_and_a_song_without_original_uses_renditions() -> None:
    media = _media(kinds=("low", "preview"))
    # The preview (128 kbps MP3) would fit; it is 30 s of the song, so a transcode instead.
    assert isinstance(choose_delivery(media, StreamRequest("mp3", 128)), Transcode)
    no_original = SongMedia(SONG, 0, False, None, dict(_media().objects), None, None, DURATION_MS)
    assert _kind(choose_delivery(no_original, StreamRequest("raw"))) == "high"
    offset = choose_delivery(no_original, StreamRequest("opus", 0, 5))
    assert isinstance(offset, Transcode) and offset.source.kind == "high"


def test_codec_names() -> None:
    assert [normalize_codec(n) for n in ("MP3", " opus ", "m4a", "raw", "wma", None)] == [
        "mp3",
        "opus",
        "aac",
        "raw",
        None,
        None,
    ]


def _pending_for(media: SongMedia) -> dict[str, PendingRendition]:
    """Every missing full rendition of a scanned song, as on_demand allows."""
    policy = StreamingPolicy()
    return {
        kind: made
        for kind in RENDITION_FORMATS
        if (made := policy.pending(media, kind)) is not None
    }


def _scanned(kinds: tuple[str, ...] = ()) -> SongMedia:
    media = _media(kinds=kinds)
    assert media.original is not None
    # Read in place (no storage key): the scan policy applies.
    original = replace(media.original, storage_key=None, path="/music/a.flac")
    return replace(media, original=original)


@pytest.mark.parametrize(
    ("fmt", "cap", "kind"),
    [("mp3", 128, "medium"), ("mp3", 0, "high"), (None, 64, "low"), ("webm", 96, "efficient")],
)
def test_a_missing_rendition_that_fits_is_made_while_sent(
    fmt: str | None, cap: int, kind: str
) -> None:
    media = _scanned()
    delivery = choose_delivery(media, StreamRequest(fmt, cap), _pending_for(media))
    assert isinstance(delivery, EncodeRendition)
    assert delivery.pending.format.kind == kind
    # What is sent when this request may not make it: the live transcode of before.
    assert isinstance(delivery.instead, Transcode)


def test_stored_objects_still_win_and_odd_caps_still_transcode() -> None:
    media = _scanned(kinds=("medium",))
    pending = _pending_for(media)
    assert "medium" not in pending
    assert _kind(choose_delivery(media, StreamRequest("mp3", 128), pending)) == "medium"
    # 96 kbps fits no rendition tier: a live transcode, nothing made.
    assert isinstance(choose_delivery(media, StreamRequest("mp3", 96), pending), Transcode)
    assert _kind(choose_delivery(media, StreamRequest(None, 0), pending)) == "original"


def test_an_ogg_opus_request_is_not_answered_by_a_webm_being_made() -> None:
    # The rendition being made is WebM; an Ogg answer is a live Ogg Opus transcode instead.
    media = _scanned()
    for fmt in ("opus", "ogg"):
        delivery = choose_delivery(media, StreamRequest(fmt, 96), _pending_for(media))
        assert isinstance(delivery, Transcode), fmt
        assert (delivery.codec, delivery.bitrate_kbps) == (TranscodeCodec.OPUS, 96)


def _lossy_media(original_codec: str = "mp3", original_kbps: int = 128) -> SongMedia:
    """An MP3 original of `original_kbps` with the whole ladder made from it (as ingest does)
    and the Opus rendition in WebM."""
    media = _media(original_kbps=original_kbps)
    assert media.original is not None
    objects = dict(media.objects)
    objects["efficient"] = replace(objects["efficient"], storage_key="efficient.webm")
    return replace(media, original=replace(media.original, codec=original_codec), objects=objects)


@pytest.mark.parametrize(
    ("fmt", "cap"), [(None, 0), (None, 320), (None, 192), ("mp3", 0), ("mp3", 320), ("MP3", 130)]
)
def test_a_lossy_original_within_the_cap_is_sent_as_it_is(fmt: str | None, cap: int) -> None:
    assert _kind(choose_delivery(_lossy_media(), StreamRequest(fmt, cap))) == "original"


def test_nothing_bigger_than_a_lossy_original_is_sent() -> None:
    media = _lossy_media()
    assert _kind(choose_delivery(media, StreamRequest(None, 64))) == "low"
    # A transcode to another codec stays at the original's bitrate, not the codec's default.
    aac = choose_delivery(media, StreamRequest("aac", 0))
    assert isinstance(aac, Transcode) and aac.bitrate_kbps == 128
    offset = choose_delivery(media, StreamRequest("mp3", 320, 10))
    assert isinstance(offset, Transcode) and offset.bitrate_kbps == 128
    # The stored 96 kbps Opus is within 3/4 of the 128 kbps a lossy original allows.
    opus = choose_delivery(media, StreamRequest("opus", 0))
    assert isinstance(opus, Remux) and opus.source.kind == "efficient"
    # Downward is still a transcode when no rendition is near the cap.
    down = choose_delivery(media, StreamRequest("mp3", 96))
    assert isinstance(down, Transcode) and down.bitrate_kbps == 96
    # The 320 kbps rendition made from a 128 kbps Vorbis file is never chosen.
    vorbis = _lossy_media("ogg")
    for fmt, cap in (("mp3", 0), ("mp3", 320)):
        assert _kind(choose_delivery(vorbis, StreamRequest(fmt, cap))) == "medium"
    only_high = replace(vorbis, objects={"high": vorbis.objects["high"]})
    mp3 = choose_delivery(only_high, StreamRequest("mp3", 320))
    assert isinstance(mp3, Transcode) and mp3.bitrate_kbps == 128


def test_a_flac_original_within_a_generous_cap_is_sent_as_it_is() -> None:
    assert _kind(choose_delivery(_media(), StreamRequest(None, 5000))) == "original"
    assert _kind(choose_delivery(_media(), StreamRequest("flac", 5000))) == "original"
    assert _kind(choose_delivery(_media(), StreamRequest("mp3", 5000))) == "high"


def test_opus_is_sent_in_ogg_unless_webm_is_asked_for() -> None:
    media = _lossy_media("flac", 900)
    for fmt in ("opus", "ogg", "oga"):
        delivery = choose_delivery(media, StreamRequest(fmt, 0))
        assert isinstance(delivery, Remux), fmt
        assert delivery.source.kind == "efficient"
        assert delivery.codec.content_type == "audio/ogg"
    assert _kind(choose_delivery(media, StreamRequest("webm", 0))) == "efficient"


def test_the_policy_decides_what_may_be_made() -> None:
    scanned = _scanned()
    assert StreamingPolicy(scan_renditions=RenditionPolicy.OFF).pending(scanned, "low") is None
    assert StreamingPolicy().pending(scanned, "preview") is None
    assert StreamingPolicy(made_kinds=frozenset({"low"})).pending(scanned, "high") is None
    imported = _media(kinds=())  # original in storage: the import policy (eager by default)
    made = StreamingPolicy().pending(imported, "high")
    assert made is not None and made.format.bitrate_kbps == 320
    off = StreamingPolicy(import_renditions=RenditionPolicy.OFF)
    assert off.pending(imported, "high") is None
    assert off.pending(scanned, "high") is not None
