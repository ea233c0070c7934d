"""OpenSubsonic `transcoding`: decide from a client's declared capabilities (ClientInfo) whether
it can play a song's original as it is, and if not, which transcode to ask for.

- **Direct play** when a direct-play profile (protocol `http` or `*`) lists the original's
  container and codec, and the original's bitrate is within `maxAudioBitrate` and the
  codec's `audioBitrate` limitation (`LessThanEqual`/`Equals`; other limitations are not
  checked). Otherwise `transcodeReason` says why.
- **Transcode** to the first transcoding profile tonearm can make over plain HTTP: MP3
  (container mp3), Opus (ogg/opus/oga) or AAC (aac/adts); MP4 containers and HLS are not
  made. The bitrate is the lowest of `maxTranscodingAudioBitrate`, `maxAudioBitrate` and the
  codec's limitation, else the codec's default; `stream`'s rule then serves a stored
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
    ServeStored,
    StreamRequest,
    TranscodeCodec,
    choose_delivery,
    source_bitrate_kbps,
)
from tonearm.streaming.models import SongMedia

_HTTP_PROTOCOLS = frozenset({"http", "*", ""})
# What each codec tonearm transcodes to is wrapped in, by the container names clients use.
_TARGET_CONTAINERS = {
    TranscodeCodec.MP3: frozenset({"mp3", "*"}),
    TranscodeCodec.OPUS: frozenset({"ogg", "opus", "oga", "*"}),
    TranscodeCodec.AAC: frozenset({"aac", "adts", "*"}),
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
    """A direct-play or transcoding profile: a container, its codecs, the protocol."""

    container: str
    codecs: frozenset[str]
    protocol: str = "*"

    def plays(self, container: str, codec: str) -> bool:
        """Whether this profile takes `codec` in `container` over HTTP."""
        return (
            self.protocol in _HTTP_PROTOCOLS
            and self.container in (container, "*")
            and (codec in self.codecs or "*" in self.codecs or not self.codecs)
        )


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a client says it plays (the OpenSubsonic ClientInfo body)."""

    name: str = ""
    max_audio_bitrate: int | None = None
    max_transcoding_audio_bitrate: int | None = None
    direct_play: tuple[PlayProfile, ...] = ()
    transcoding: tuple[PlayProfile, ...] = ()
    codec_max_bitrate: Mapping[str, int] = field(default_factory=dict)


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


def _profiles(raw: Any, name: str) -> tuple[PlayProfile, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise InvalidInput(f"ClientInfo.{name} must be a list of objects")
    return tuple(
        PlayProfile(
            container=str(item.get("container") or "*").lower(),
            codecs=frozenset(
                part.strip().lower()
                for part in str(item.get("audioCodec") or "").split(",")
                if part.strip()
            ),
            protocol=str(item.get("protocol") or "*").lower(),
        )
        for item in raw
    )


def client_info_from_json(document: Any) -> ClientInfo:
    """A ClientInfo from its JSON; raises InvalidInput when it is not one."""
    if not isinstance(document, dict):
        raise InvalidInput("the request body must be a JSON ClientInfo object")
    limits: dict[str, int] = {}
    for profile in document.get("codecProfiles") or []:
        if not isinstance(profile, dict):
            raise InvalidInput("ClientInfo.codecProfiles must be a list of objects")
        for limit in profile.get("limitations") or []:
            if (
                isinstance(limit, dict)
                and limit.get("name") == "audioBitrate"
                and limit.get("comparison") in ("LessThanEqual", "Equals")
            ):
                value = _int(limit.get("value"), "codecProfiles.limitations.value")
                if value is not None:
                    limits[str(profile.get("name", "")).lower()] = value
    return ClientInfo(
        name=str(document.get("name") or ""),
        max_audio_bitrate=_int(document.get("maxAudioBitrate"), "maxAudioBitrate"),
        max_transcoding_audio_bitrate=_int(
            document.get("maxTranscodingAudioBitrate"), "maxTranscodingAudioBitrate"
        ),
        direct_play=_profiles(document.get("directPlayProfiles"), "directPlayProfiles"),
        transcoding=_profiles(document.get("transcodingProfiles"), "transcodingProfiles"),
        codec_max_bitrate=limits,
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
    cap = _lowest(client.max_audio_bitrate, client.codec_max_bitrate.get(codec))
    if cap is not None and (bitrate is None or bitrate > cap):
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
            if profile.protocol not in _HTTP_PROTOCOLS or not (
                target.value in profile.codecs or "*" in profile.codecs
            ):
                continue
            if profile.container not in _TARGET_CONTAINERS[target]:
                continue
            cap = _lowest(
                client.max_transcoding_audio_bitrate,
                client.max_audio_bitrate,
                client.codec_max_bitrate.get(target.value),
            )
            kbps = target.default_bitrate_kbps if cap is None else max(1, cap // 1000)
            delivery = choose_delivery(media, StreamRequest(target.value, kbps))
            served = (
                source_bitrate_kbps(delivery.source, media.duration_ms)
                if isinstance(delivery, ServeStored)
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
    "PlayProfile",
    "StreamDetails",
    "TranscodeDecision",
    "client_info_from_json",
    "decide",
    "parse_transcode_params",
]
