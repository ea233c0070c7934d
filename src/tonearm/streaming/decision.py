"""OpenSubsonic `transcoding`: decide from a client's declared capabilities (ClientInfo) whether
it can play a song's original as it is, and if not, which transcode to ask for.

- **Direct play** when a direct-play profile takes the original over HTTP (its `containers`,
  `audioCodecs` and `protocols` arrays each list it or are empty, which means any), and the
  original's bitrate is within `maxAudioBitrate` and every required `audioBitrate`
  limitation of its codec's profile (`LessThanEqual`/`GreaterThanEqual` against the first of
  `values`, `Equals`/`NotEquals` against all of them; a limitation with `required: false`
  does not block direct play; limitations on channels, sample rate, bit depth and profile
  are not checked). Otherwise `transcodeReason` says why. Older clients' singular
  `container`/`audioCodec`/`protocol` and a limitation's single `value` are read too.
- **Transcode** to the first transcoding profile tonearm can make over plain HTTP: MP3
  (container mp3), Opus (ogg/opus/oga) or AAC (aac/adts); MP4 containers and HLS are not
  made. The bitrate is the lowest of `maxTranscodingAudioBitrate`, `maxAudioBitrate` and the
  codec's `audioBitrate` limitation (`LessThanEqual`: its value; `Equals`: the highest
  value), else the codec's default; `stream`'s rule then serves a stored
  rendition that fits it or encodes one (streaming/delivery.py).
- `transcodeParams` is `<codec>-<kbps>`: opaque to clients, read back by
  getTranscodeStream.

Bitrates are bits per second here, as the specification has them (kbps elsewhere).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tonearm.errors import InvalidInput
from tonearm.streaming.delivery import (
    Remux,
    ServeStored,
    StreamRequest,
    TranscodeCodec,
    choose_delivery,
    source_bitrate_kbps,
)
from tonearm.streaming.models import SongMedia

# What each codec tonearm transcodes to is wrapped in, by the container names clients use.
_TARGET_CONTAINERS = {
    TranscodeCodec.MP3: frozenset({"mp3"}),
    TranscodeCodec.OPUS: frozenset({"ogg", "opus", "oga"}),
    TranscodeCodec.AAC: frozenset({"aac", "adts"}),
}
# Other names clients give an original's container.
_CONTAINER_NAMES = {
    "m4a": frozenset({"m4a", "mp4"}),
    "mp4": frozenset({"m4a", "mp4"}),
    "ogg": frozenset({"ogg", "oga"}),
    "oga": frozenset({"ogg", "oga"}),
}
_OUTPUT_CONTAINER = {
    TranscodeCodec.MP3: "mp3",
    TranscodeCodec.OPUS: "ogg",
    TranscodeCodec.AAC: "aac",
}
# An original's format (file type) as container and codec.
_FORMAT_CODEC = {"m4a": "aac", "mp4": "aac", "oga": "vorbis", "ogg": "vorbis", "webm": "opus"}
_PARAMS = re.compile(r"^(mp3|opus|aac)-(\d{1,4})$")


@dataclass(frozen=True, slots=True)
class PlayProfile:
    """A direct-play or transcoding profile: containers, codecs and protocols it takes (an
    empty set takes any)."""

    containers: frozenset[str] = frozenset()
    codecs: frozenset[str] = frozenset()
    protocols: frozenset[str] = frozenset()

    def plays(self, container: str, codec: str) -> bool:
        """Whether this profile takes `codec` in `container` over HTTP."""
        return (
            _takes(self.protocols, frozenset({"http"}))
            and _takes(self.containers, _CONTAINER_NAMES.get(container, frozenset({container})))
            and _takes(self.codecs, frozenset({codec}))
        )


def _takes(listed: frozenset[str], names: frozenset[str]) -> bool:
    return not listed or "*" in listed or not listed.isdisjoint(names)


@dataclass(frozen=True, slots=True)
class Limitation:
    """One limitation of a codec profile: `name` compared with `values`."""

    name: str
    comparison: str
    values: tuple[str, ...]
    required: bool = True

    def allows(self, value: int) -> bool:
        """Whether `value` meets the limitation (an unreadable limit allows anything)."""
        numbers = [number for number in map(_number, self.values) if number is not None]
        if not numbers:
            return True
        if self.comparison == "LessThanEqual":
            return value <= numbers[0]
        if self.comparison == "GreaterThanEqual":
            return value >= numbers[0]
        if self.comparison == "Equals":
            return value in numbers
        if self.comparison == "NotEquals":
            return value not in numbers
        return True

    @property
    def ceiling(self) -> int | None:
        """The highest value this limitation lets a transcode have, if it sets one."""
        numbers = [number for number in map(_number, self.values) if number is not None]
        if not numbers:
            return None
        if self.comparison == "LessThanEqual":
            return numbers[0]
        if self.comparison == "Equals":
            return max(numbers)
        return None


def _number(raw: str) -> int | None:
    try:
        return int(float(raw))
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a client says it plays (the OpenSubsonic ClientInfo body)."""

    name: str = ""
    max_audio_bitrate: int | None = None
    max_transcoding_audio_bitrate: int | None = None
    direct_play: tuple[PlayProfile, ...] = ()
    transcoding: tuple[PlayProfile, ...] = ()
    # audioBitrate limitations by codec name (lower case)
    bitrate_limits: Mapping[str, tuple[Limitation, ...]] = field(default_factory=dict)

    def bitrate_ceiling(self, codec: str) -> int | None:
        """The lowest bitrate ceiling the codec's limitations set, if any."""
        ceilings = [
            limit.ceiling
            for limit in self.bitrate_limits.get(codec, ())
            if limit.ceiling is not None
        ]
        return min(ceilings) if ceilings else None


@dataclass(frozen=True, slots=True)
class StreamDetails:
    """A stream's shape (OpenSubsonic StreamDetails)."""

    container: str
    codec: str
    audio_bitrate: int | None
    protocol: str = "http"


@dataclass(frozen=True, slots=True)
class TranscodeDecision:
    """What the client should do with a song."""

    can_direct_play: bool
    can_transcode: bool
    reasons: tuple[str, ...]
    source: StreamDetails
    target: StreamDetails | None = None
    params: str | None = None
    error_reason: str | None = None


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"ClientInfo.{name} must be a number, got {value!r}") from None


def _names(item: dict[str, Any], plural: str, singular: str, where: str) -> frozenset[str]:
    """A profile's list of names: the specification's array, else an older client's
    comma-separated string."""
    raw = item.get(plural)
    if raw is None:
        raw = item.get(singular)
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(part, str) for part in raw):
        raise InvalidInput(f"ClientInfo.{where}.{plural} must be a list of strings")
    return frozenset(part.strip().lower() for part in raw if part.strip())


def _profiles(raw: Any, name: str, *, plural: bool) -> tuple[PlayProfile, ...]:
    """Direct-play profiles (`plural`: arrays `containers`, `audioCodecs`, `protocols`) or
    transcoding profiles (one `container`, `audioCodec`, `protocol` each)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise InvalidInput(f"ClientInfo.{name} must be a list of objects")
    keys = (
        (("containers", "container"), ("audioCodecs", "audioCodec"), ("protocols", "protocol"))
        if plural
        else (("container", "containers"), ("audioCodec", "audioCodecs"), ("protocol", "protocols"))
    )
    return tuple(
        PlayProfile(*(_names(item, first, second, name) for first, second in keys)) for item in raw
    )


def _bitrate_limits(raw: Any) -> dict[str, tuple[Limitation, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise InvalidInput("ClientInfo.codecProfiles must be a list of objects")
    limits: dict[str, list[Limitation]] = {}
    for profile in raw:
        limitations = profile.get("limitations") or []
        if not isinstance(limitations, list):
            raise InvalidInput("ClientInfo.codecProfiles.limitations must be a list of objects")
        for limit in limitations:
            if not isinstance(limit, dict) or limit.get("name") != "audioBitrate":
                continue
            values = limit.get("values")
            if values is None:
                values = [limit.get("value")]  # an older client's single value
            if not isinstance(values, list):
                values = [values]
            limits.setdefault(str(profile.get("name", "")).lower(), []).append(
                Limitation(
                    name="audioBitrate",
                    comparison=str(limit.get("comparison") or ""),
                    values=tuple(str(value) for value in values if value is not None),
                    required=limit.get("required") is not False,
                )
            )
    return {codec: tuple(found) for codec, found in limits.items()}


def client_info_from_json(document: Any) -> ClientInfo:
    """A ClientInfo from its JSON; raises InvalidInput when it is not one."""
    if not isinstance(document, dict):
        raise InvalidInput("the request body must be a JSON ClientInfo object")
    return ClientInfo(
        name=str(document.get("name") or ""),
        max_audio_bitrate=_int(document.get("maxAudioBitrate"), "maxAudioBitrate"),
        max_transcoding_audio_bitrate=_int(
            document.get("maxTranscodingAudioBitrate"), "maxTranscodingAudioBitrate"
        ),
        direct_play=_profiles(
            document.get("directPlayProfiles"), "directPlayProfiles", plural=True
        ),
        transcoding=_profiles(
            document.get("transcodingProfiles"), "transcodingProfiles", plural=False
        ),
        bitrate_limits=_bitrate_limits(document.get("codecProfiles")),
    )


def _lowest(*values: int | None) -> int | None:
    present = [value for value in values if value is not None and value > 0]
    return min(present) if present else None


def decide(media: SongMedia, client: ClientInfo) -> TranscodeDecision:
    """The decision for this song and client (rules in the module docstring)."""
    source = choose_delivery(media, StreamRequest(format="raw")).source
    container = (source.codec or "").lower()
    codec = _FORMAT_CODEC.get(container, container)
    kbps = source_bitrate_kbps(source, media.duration_ms)
    bitrate = None if kbps is None else kbps * 1000
    details = StreamDetails(container, codec, bitrate)
    reasons: list[str] = []
    if not any(profile.plays(container, codec) for profile in client.direct_play):
        reasons.append("ContainerOrCodecNotSupported")
    limits = [limit for limit in client.bitrate_limits.get(codec, ()) if limit.required]
    cap = _lowest(client.max_audio_bitrate)
    if (cap is not None or limits) and (
        bitrate is None
        or (cap is not None and bitrate > cap)
        or not all(limit.allows(bitrate) for limit in limits)
    ):
        reasons.append("AudioBitrateNotSupported")
    target, params = _transcode_target(media, client)
    return TranscodeDecision(
        can_direct_play=not reasons,
        can_transcode=target is not None,
        reasons=tuple(reasons),
        source=details,
        target=target,
        params=params,
        error_reason=None
        if target is not None or not reasons
        else "no transcoding profile tonearm can make (MP3, Ogg Opus or AAC over HTTP)",
    )


def _transcode_target(
    media: SongMedia, client: ClientInfo
) -> tuple[StreamDetails | None, str | None]:
    for profile in client.transcoding:
        for target in TranscodeCodec:
            if not (
                _takes(profile.protocols, frozenset({"http"}))
                and _takes(profile.codecs, frozenset({target.value}))
                and _takes(profile.containers, _TARGET_CONTAINERS[target])
            ):
                continue
            cap = _lowest(
                client.max_transcoding_audio_bitrate,
                client.max_audio_bitrate,
                client.bitrate_ceiling(target.value),
            )
            kbps = target.default_bitrate_kbps if cap is None else max(1, cap // 1000)
            delivery = choose_delivery(media, StreamRequest(target.value, kbps))
            served = (
                source_bitrate_kbps(delivery.source, media.duration_ms)
                if isinstance(delivery, ServeStored | Remux)
                else delivery.bitrate_kbps
            )
            details = StreamDetails(
                _OUTPUT_CONTAINER[target],
                target.value,
                None if served is None else served * 1000,
            )
            return details, f"{target.value}-{kbps}"
    return None, None


def parse_transcode_params(raw: str) -> tuple[str, int]:
    """(codec, kbps) from a `transcodeParams` this server gave; raises InvalidInput."""
    match = _PARAMS.match(raw.strip())
    if match is None:
        raise InvalidInput(f"transcodeParams {raw!r} is not one getTranscodeDecision gave")
    return match.group(1), int(match.group(2))


__all__ = [
    "ClientInfo",
    "Limitation",
    "PlayProfile",
    "StreamDetails",
    "TranscodeDecision",
    "client_info_from_json",
    "decide",
    "parse_transcode_params",
]
