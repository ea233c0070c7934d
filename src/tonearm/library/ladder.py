"""Which renditions a song gets, from what its original is (the storage-footprint rule).

- **No same-codec rendition at or above the source's bitrate.** A 128 kbps MP3 gets no
  320 kbps `high` and no 128 kbps `medium` (they would be bigger, or as big, and no better);
  an Opus original of 96 kbps or less gets no `efficient`. Lossless and other codecs (FLAC,
  ALAC, WAV, AAC, Vorbis) keep the whole ladder. The 30 s preview is always made.
- **No Opus copy of an MP3 that saves less than a quarter of its bytes** (an MP3 of up to
  128 kbps): every client that plays Opus plays MP3, so it gets the MP3 tiers instead (the
  original standing in for `medium`); re-encoding lossy audio to save little is not worth
  the bytes it costs to store.
- **The original may stand in for one rendition** — the lowest tier it made needless — only
  when it is a CBR MP3 with a Xing/LAME "Info" frame (so a byte offset maps to a time offset
  and players read the gapless delay and padding, like our own MP3s) and it is stored in
  object storage (an import or upload, not a file read in place from a music folder, which
  may change or go). The stand-in is a rendition row naming the original's object: no bytes
  are copied, and tiering and cleanup never delete it (it is the original).
- Otherwise a needless tier is simply absent: quality selection serves the nearest tier
  present, else the original (streaming/quality.py `best_present`).

Ingest decides from the analysis (the stream's own bitrate). On-demand encodes and tiering,
which only know the stored original's size and duration, estimate its bitrate from them;
tags and cover art make that estimate a little high, so a tier within ESTIMATE_SLACK below
the estimate counts as at the source's bitrate.
"""

from __future__ import annotations

from dataclasses import dataclass

# kind → (codec, kbps): the full renditions (streaming/models.py RENDITION_FORMATS and
# adapters/ffmpeg/renditions.py ENCODINGS; a test keeps the three equal).
TIER_FORMATS: dict[str, tuple[str, int]] = {
    "high": ("mp3", 320),
    "medium": ("mp3", 128),
    "low": ("mp3", 64),
    "efficient": ("opus", 96),
}
# Names an original's codec or format goes by, as the codec our renditions use.
_SAME_CODEC = {"mp3": "mp3", "mp3float": "mp3", "mpeg": "mp3", "opus": "opus"}
ESTIMATE_SLACK = 0.9
# An Opus `efficient` copy of an MP3 must save at least this share of the MP3's bytes.
OPUS_OF_MP3_MIN_SAVING = 0.25


@dataclass(frozen=True, slots=True)
class SourceAudio:
    """What the plan needs to know about an original."""

    codec: str | None  # ffmpeg's codec name, or the original's format (file type)
    bitrate_kbps: int | None
    cbr_mp3_kbps: int | None = None  # a CBR MP3 with a Xing/LAME Info frame: its bitrate
    in_storage: bool = False  # stored in object storage (not read in place)
    estimated: bool = False  # bitrate from size ÷ duration (tags included)


def source_codec(name: str | None) -> str | None:
    """The rendition codec an original's codec or format is the same as, else None."""
    return _SAME_CODEC.get((name or "").lower())


def needless_kinds(source: SourceAudio) -> frozenset[str]:
    """The full renditions this original must not get: same codec, at or above its bitrate."""
    codec = source_codec(source.codec)
    kbps = source.bitrate_kbps
    if codec is None or kbps is None or kbps <= 0:
        return frozenset()
    floor = kbps * ESTIMATE_SLACK if source.estimated else kbps
    needless = {
        kind
        for kind, (tier_codec, tier_kbps) in TIER_FORMATS.items()
        if tier_codec == codec and tier_kbps >= floor
    }
    if codec == "mp3" and TIER_FORMATS["efficient"][1] >= floor * (1 - OPUS_OF_MP3_MIN_SAVING):
        needless.add("efficient")
    return frozenset(needless)


def stand_in_kind(source: SourceAudio) -> str | None:
    """The tier the original itself serves (see the module docstring), else None."""
    if not source.in_storage or source.cbr_mp3_kbps is None or source_codec(source.codec) != "mp3":
        return None
    mp3_tiers = [kind for kind in needless_kinds(source) if TIER_FORMATS[kind][0] == "mp3"]
    if not mp3_tiers:
        return None
    return min(mp3_tiers, key=lambda kind: TIER_FORMATS[kind][1])


def estimated_kbps(size_bytes: int | None, duration_ms: int) -> int | None:
    """A file's bitrate from its size and the song's duration (None when unknown)."""
    if not size_bytes or duration_ms <= 0:
        return None
    return int(size_bytes * 8 / duration_ms + 0.999)


__all__ = [
    "ESTIMATE_SLACK",
    "TIER_FORMATS",
    "SourceAudio",
    "estimated_kbps",
    "needless_kinds",
    "source_codec",
    "stand_in_kind",
]
