"""What a Subsonic `stream` call gets: a stored object as it is, or an on-the-fly transcode.

The rule (`choose_delivery`), for `format` (a codec name), `maxBitRate` (kbps, 0 = no limit)
and `timeOffset` (seconds):

- `timeOffset` > 0 always transcodes, from the original, starting there (OpenSubsonic
  `transcodeOffset`): to the asked codec, else MP3; at the ceiling (below), else the
  codec's default.
- `format=raw` serves the original as it is (the cap does not apply: the client asked for
  the file).

Otherwise `maxBitRate` is a ceiling, never a target: nothing is re-encoded *up*.

- The original when it is within the cap (no cap: always) and either no codec was asked
  for or the original is of that codec: it is the best there is, so it is sent as it is,
  however far below the cap (a 128 kbps MP3 with `maxBitRate=320`, `192` or `format=mp3`).
- Else a stored rendition of the asked codec (MP3 when none was asked for, since MP3 plays
  everywhere) that *fits*: the one with the highest bitrate. The 30 s `preview` is never
  served here.
- Else, when a tier of that codec that would fit is one the song never gets (the original
  is of that codec, at or below the tier's bitrate: library/ladder.py), the original itself:
  it is that tier's audio (its size may state a little more, for its tags).
- Else a rendition of that codec that fits but is not made yet and may be made now
  (`pending`, by the song's rendition policy) is made while it is sent (EncodeRendition),
  so the request gets the same tier it will get once it is stored.
- Else a transcode to that codec at the ceiling (the cap, else the codec's default).
- A codec tonearm does not know is ignored (as if none was asked for).

The *ceiling* is the lowest of the cap and, for a lossy original (MP3, Opus, Vorbis, AAC,
…), the original's own bitrate: more bits than a lossy source has only make the file bigger,
so a rendition or transcode above it is never sent (a 128 kbps MP3 asked for as Opus gets at
most 128 kbps). An `m4a` original may be lossless (ALAC), so it sets no ceiling.

A stored object *fits* when its bitrate is at most the ceiling and at least 3/4 of it: a
client allowing 96 kbps of a FLAC gets a 96 kbps transcode rather than the 64 kbps
rendition, one allowing 160 gets the 128 kbps rendition (a transcode costs CPU and one of the
few slots; a quarter less bitrate is the most it saves).

Opus renditions are stored in WebM (the web player's Media Source Extensions need it);
`format=opus`/`ogg`/`oga` answers with them remuxed into Ogg (`Remux`: the same packets, no
re-encode), `format=webm` with the stored WebM as it is.

The original's bitrate is its size over its duration (container overhead included, so a
file is never served above the cap it claims to fit).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from tonearm.library.ladder import (
    TIER_FORMATS,
    SourceAudio,
    estimated_kbps,
    needless_kinds,
    source_codec,
)
from tonearm.streaming.models import MediaSource, PendingRendition, SongMedia

# Renditions that hold the whole song (the preview is 30 s of it).
FULL_RENDITIONS = ("high", "medium", "low", "efficient")


class TranscodeCodec(enum.StrEnum):
    """What tonearm transcodes to on the fly."""

    MP3 = "mp3"
    OPUS = "opus"
    AAC = "aac"

    @property
    def content_type(self) -> str:
        """The MIME type of the stream ffmpeg writes (MP3; Ogg Opus; AAC in ADTS)."""
        return _CONTENT_TYPES[self]

    @property
    def default_bitrate_kbps(self) -> int:
        """The bitrate used when the client sets no cap."""
        return _DEFAULT_KBPS[self]


_CONTENT_TYPES = {
    TranscodeCodec.MP3: "audio/mpeg",
    TranscodeCodec.OPUS: "audio/ogg",
    TranscodeCodec.AAC: "audio/aac",
}
_DEFAULT_KBPS = {TranscodeCodec.MP3: 320, TranscodeCodec.OPUS: 128, TranscodeCodec.AAC: 256}
_TRANSCODE_CODECS = frozenset(member.value for member in TranscodeCodec)
# The bitrates an MPEG-1 Layer III frame header can state (CBR needs one of them).
MP3_BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MIN_TRANSCODE_KBPS = 32
# A stored object below this share of the ceiling is too far below it: transcode instead.
FIT_SHARE = 0.75
# Originals of these formats are lossy: nothing sent for them is worth more bits than they have.
LOSSY_FORMATS = frozenset(
    {"mp3", "mpeg", "opus", "ogg", "oga", "vorbis", "webm", "aac", "ac3", "wma", "mpc"}
)

# Codec names clients send, by what they mean; `codec` columns use the left-hand names.
_CODEC_ALIASES = {
    "mp3": "mp3",
    "mpeg": "mp3",
    "opus": "opus",
    "ogg": "opus",
    "oga": "opus",
    "webm": "opus",
    "aac": "aac",
    "m4a": "aac",
    "mp4": "aac",
    "flac": "flac",
    "alac": "alac",
    "wav": "wav",
    "raw": "raw",
}


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """The parameters of one `stream` call that choose what it sends."""

    format: str | None = None
    max_bitrate_kbps: int = 0  # 0: no limit
    time_offset_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ServeStored:
    """Send a stored object's bytes (Range requests allowed)."""

    source: MediaSource


@dataclass(frozen=True, slots=True)
class Transcode:
    """Encode `source` with ffmpeg while sending, from `offset_seconds`."""

    source: MediaSource
    codec: TranscodeCodec
    bitrate_kbps: int
    offset_seconds: float
    duration_ms: int  # of the whole song: with the bitrate, estimates the length

    @property
    def estimated_bytes(self) -> int:
        """The length of the stream by duration × bitrate (Subsonic estimateContentLength)."""
        seconds = max(0.0, self.duration_ms / 1000 - self.offset_seconds)
        return int(seconds * self.bitrate_kbps * 1000 / 8)


@dataclass(frozen=True, slots=True)
class EncodeRendition:
    """Make the missing rendition while sending it (one encode, kept in storage); `instead`
    is sent when this request may not make it now (claimed elsewhere, slots busy, Range)."""

    pending: PendingRendition
    instead: Transcode

    @property
    def source(self) -> MediaSource:
        """What the rendition is made from (the original)."""
        return self.pending.original

    @property
    def bitrate_kbps(self) -> int:
        """The rendition's bitrate."""
        return self.pending.format.bitrate_kbps


@dataclass(frozen=True, slots=True)
class Remux:
    """Send a stored Opus-in-WebM rendition as Ogg Opus: ffmpeg copies the packets into the
    other container while sending (no re-encode, no Range)."""

    source: MediaSource
    duration_ms: int

    @property
    def codec(self) -> TranscodeCodec:
        """What is sent: Opus (in Ogg)."""
        return TranscodeCodec.OPUS

    @property
    def bitrate_kbps(self) -> int | None:
        """The rendition's bitrate, unchanged."""
        return self.source.bitrate_kbps

    @property
    def estimated_bytes(self) -> int:
        """The stored file's length: Ogg pages cost about what WebM clusters do."""
        return self.source.size_bytes


Delivery = ServeStored | Transcode | EncodeRendition | Remux


def normalize_codec(name: str | None) -> str | None:
    """A client's `format` as a codec name (`raw` kept); None when absent or unknown."""
    if name is None:
        return None
    return _CODEC_ALIASES.get(name.strip().lower())


def source_bitrate_kbps(source: MediaSource, duration_ms: int) -> int | None:
    """A stored object's bitrate: the rendition's, else the file's size over its duration."""
    if source.bitrate_kbps is not None:
        return source.bitrate_kbps
    if duration_ms <= 0:
        return None
    return int(source.size_bytes * 8 / duration_ms + 0.999)  # bytes·8/ms = kbit/s


def needless_for(media: SongMedia) -> frozenset[str]:
    """The tiers the song never gets: same codec as its original, at or above its bitrate
    (library/ladder.py; the bitrate estimated from the original's size and duration)."""
    original = media.original
    if original is None:
        return frozenset()
    kbps = original.bitrate_kbps or estimated_kbps(original.size_bytes, media.duration_ms)
    return needless_kinds(SourceAudio(original.codec, kbps, estimated=True))


def choose_delivery(
    media: SongMedia,
    request: StreamRequest,
    pending: Mapping[str, PendingRendition] | None = None,
) -> Delivery:
    """What to send for this song and request (the rule in this module's docstring).

    `pending`: the song's renditions that are not stored but may be made now, by kind. The
    song must have an original or at least one full rendition (ingest guarantees it).
    """
    codec = normalize_codec(request.format)
    cap = max(0, request.max_bitrate_kbps)
    original = media.original
    renditions = [media.objects[kind] for kind in FULL_RENDITIONS if kind in media.objects]
    source = original or max(renditions, key=lambda r: r.bitrate_kbps or 0)
    ceiling = _ceiling(media, cap)
    if request.time_offset_seconds > 0:
        return _transcode(media, source, codec, ceiling, request.time_offset_seconds)
    if codec == "raw":
        return ServeStored(source)

    wanted = codec or "mp3"
    if ceiling is not None and wanted == "mp3":
        ceiling = min(ceiling, MP3_BITRATES_KBPS[-1])  # MP3 has nothing above 320 kbps

    def fits(bitrate: int | None) -> bool:
        if ceiling is None:
            return True
        return bitrate is not None and ceiling * FIT_SHARE <= bitrate <= ceiling

    if original is not None and codec in (None, (original.codec or "").lower()):
        bitrate = source_bitrate_kbps(original, media.duration_ms)
        if cap == 0 or (bitrate is not None and bitrate <= cap):
            return ServeStored(original)
    same_codec = [
        r
        for r in renditions
        if (r.codec or "").lower() == wanted and fits(source_bitrate_kbps(r, media.duration_ms))
    ]
    if same_codec:
        return _stored(media, max(same_codec, key=lambda r: r.bitrate_kbps or 0), request.format)
    if original is not None and source_codec(original.codec) == wanted:
        needless = needless_for(media)
        if any(
            TIER_FORMATS[kind][0] == wanted and fits(TIER_FORMATS[kind][1]) for kind in needless
        ):
            return ServeStored(original)
    transcode = _transcode(media, source, wanted, ceiling, 0.0)
    makeable = [
        made
        for made in (pending or {}).values()
        if made.format.codec == wanted and fits(made.format.bitrate_kbps)
    ]
    if makeable and not _wants_ogg(wanted, request.format):
        best = max(makeable, key=lambda made: made.format.bitrate_kbps)
        return EncodeRendition(best, transcode)
    return transcode


def _ceiling(media: SongMedia, cap: int) -> int | None:
    """The most kbps worth sending: the cap, and a lossy original's own bitrate."""
    limits = [cap] if cap > 0 else []
    original = media.original
    if original is not None and (original.codec or "").lower() in LOSSY_FORMATS:
        bitrate = source_bitrate_kbps(original, media.duration_ms)
        if bitrate is not None:
            limits.append(bitrate)
    return min(limits) if limits else None


def _wants_ogg(codec: str, asked: str | None) -> bool:
    """Whether an Opus answer goes in Ogg: for every name but `webm`."""
    return codec == "opus" and (asked or "").strip().lower() != "webm"


def _stored(media: SongMedia, rendition: MediaSource, asked: str | None) -> Delivery:
    name = rendition.storage_key or rendition.path or ""
    if name.lower().endswith(".webm") and _wants_ogg((rendition.codec or "").lower(), asked):
        return Remux(rendition, media.duration_ms)
    return ServeStored(rendition)


def _transcode(
    media: SongMedia,
    source: MediaSource,
    codec: str | None,
    ceiling: int | None,
    offset_seconds: float,
) -> Transcode:
    target = TranscodeCodec(codec) if codec in _TRANSCODE_CODECS else TranscodeCodec.MP3
    bitrate = target.default_bitrate_kbps
    if ceiling is not None:
        bitrate = min(ceiling, bitrate)
    bitrate = max(MIN_TRANSCODE_KBPS, bitrate)
    if target is TranscodeCodec.MP3:
        bitrate = max(b for b in MP3_BITRATES_KBPS if b <= bitrate)
    return Transcode(source, target, bitrate, offset_seconds, media.duration_ms)


__all__ = [
    "FULL_RENDITIONS",
    "MP3_BITRATES_KBPS",
    "Delivery",
    "EncodeRendition",
    "Remux",
    "ServeStored",
    "StreamRequest",
    "Transcode",
    "TranscodeCodec",
    "choose_delivery",
    "needless_for",
    "normalize_codec",
    "source_bitrate_kbps",
]
