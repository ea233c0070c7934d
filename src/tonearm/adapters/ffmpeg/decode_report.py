"""Read what ffmpeg prints on stderr while it decodes: the input, its length, loudness, errors.

ffmpeg has no machine-readable report that both Debian's 5.1 and the pip wheel's 7+ give
without ffprobe, so this follows the text both print: the input description ("Input #0",
"Duration:", "Stream #0:0: Audio: flac, 44100 Hz, stereo, s16"), the ebur128 filter's closing
summary, and the warnings and errors in between, from which a failure's reason is drawn.

DRM is read from two things only, never from a word that happens to be in a line: the input
stream's codec tag (FairPlay's `drms`, `drmi`, an encrypted `enca` sample entry, `p608`),
and the few messages ffmpeg's demuxers print for input they cannot decrypt (Audible's
`[aax]`/`[aaxc]` activation bytes and keys, a missing decryption key, an ASF "DRM protected
stream"). Every path is removed from a line before it is looked at: a temp folder named
`…drm…`, or an album folder called "Encrypted", is not evidence. "Skipping encrypted ID3v2
frame" is about one tag frame, not the audio, so it is not evidence either.
"""

from __future__ import annotations

import math
import re
from collections import deque
from pathlib import Path

_DURATION = re.compile(r"^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_CONTAINER_BITRATE = re.compile(r"bitrate: (\d+) kb/s")
_AUDIO_STREAM = re.compile(r"^\s+Stream #0:\d+\S*: Audio: (.+)$")
_ANY_STREAM = re.compile(r"^\s+Stream #0:\d+\S*: (\w+): ")
_STREAM_BITRATE = re.compile(r"(\d+) kb/s")
_INPUT = re.compile(r"^Input #0, (.+?), from ")
_LOG_PREFIX = re.compile(r"^(\[[^\]]+\]\s*)+")
_SUMMARY_VALUE = re.compile(r"^\s+(I|Peak):\s+(-?(?:\d+(?:\.\d+)?|inf))\s")
# ffmpeg's messages for input it cannot decrypt (libavformat mov.c: Audible aax and aaxc,
# CENC keys; asfdec: protected WMA), matched only after every path is taken out of the line.
_DRM_MESSAGES = re.compile(
    r"activation_bytes|\[aaxc?\]|audible_(?:key|iv)|decryption[ _]key|"
    r"DRM protected stream|failed to decrypt|decryption failed",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_BARE_PATH = re.compile(r"(?<![\w.])/\S*")
_DRM_CODEC_TAGS = ("drms", "drmi", "enca", "p608")
_INVALID_DATA = "Invalid data found when processing input"


class DecodeReport:
    """What ffmpeg says on stderr: the input, its length, the loudness summary, the errors."""

    def __init__(self, source: Path) -> None:
        self._source_text = str(source)
        self._paths: list[str] = [self._source_text]
        self._in_input = False
        self._duration: float | None = None
        self._container_bitrate: int | None = None
        self._stream_bitrate: int | None = None
        self._peak_kind = ""
        self.input_format: str | None = None
        self.codec: str | None = None
        self.stream_kinds: list[str] = []
        self.duration_estimated = False
        self.misdetection: str | None = None
        self.drm_evidence: str | None = None
        self.drm_in_stream = False  # the evidence is the input's own codec tag
        self.loudness_lufs: float | None = None
        self.true_peak_dbfs: float | None = None
        self.sample_peak: float | None = None
        self._messages: deque[str] = deque(maxlen=50)

    def ignore_path(self, path: Path) -> None:
        """A path of ours (a temp folder) that lines may quote: never evidence of anything."""
        self._paths.append(str(path))

    @property
    def declared_seconds(self) -> float | None:
        """The length the input's header declares; None when absent or only estimated."""
        return None if self.duration_estimated else self._duration

    @property
    def bitrate_kbps(self) -> int | None:
        """The audio stream's bitrate, else the whole file's (FLAC and WAV state only that)."""
        return self._stream_bitrate or self._container_bitrate

    def add_line(self, line: str) -> None:
        """Take one stderr line."""
        if not line.strip():
            return
        indented = line[0].isspace()
        if not indented:
            self._in_input = bool(_INPUT.match(line))
            self._add_message(line)
            return
        if self._in_input:
            self._add_input_line(line)
        else:
            self._add_summary_line(line)

    def _add_message(self, line: str) -> None:
        if match := _INPUT.match(line):
            self.input_format = match.group(1)
            return
        if "Summary:" in line and "ebur128" in line:
            # ffmpeg 5.1 prints an empty summary while it sets the graph up; the last counts.
            self.loudness_lufs = self.true_peak_dbfs = self.sample_peak = None
            return
        if "Estimating duration from bitrate" in line:
            self.duration_estimated = True
        text = _LOG_PREFIX.sub("", line.replace(self._source_text, "")).strip()
        if "detected only with low score" in line:
            # Only the file name made ffmpeg try this format: the likeliest cause of
            # whatever error follows, and the clearer one to report.
            self.misdetection = text
        # The whole line: "[aax]" is in the log prefix that `text` lost.
        if self.drm_evidence is None and _DRM_MESSAGES.search(_without_paths(line, self._paths)):
            self.drm_evidence = text
        self._messages.append(text)

    def _add_input_line(self, line: str) -> None:
        if match := _DURATION.match(line):
            hours, minutes, seconds = match.groups()
            self._duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            if bitrate := _CONTAINER_BITRATE.search(line):
                self._container_bitrate = int(bitrate.group(1))
        elif match := _AUDIO_STREAM.match(line):
            details = match.group(1)
            if self.codec is None:
                self.codec = details.split(",")[0].split(" ")[0]
                if bitrate := _STREAM_BITRATE.search(details):
                    self._stream_bitrate = int(bitrate.group(1))
            if self.drm_evidence is None and any(
                f"({tag} " in details.lower() for tag in _DRM_CODEC_TAGS
            ):
                self.drm_evidence = f"stream {details.split(',')[0]}"
                self.drm_in_stream = True
        if match := _ANY_STREAM.match(line):
            self.stream_kinds.append(match.group(1).lower())

    def _add_summary_line(self, line: str) -> None:
        stripped = line.strip()
        if stripped in ("True peak:", "Sample peak:"):
            self._peak_kind = stripped
            return
        match = _SUMMARY_VALUE.match(line)
        if match is None:
            return
        name, value = match.group(1), float(match.group(2))
        if name == "I":
            # -70 LUFS is the absolute gate: no block was loud enough to measure.
            self.loudness_lufs = value if value > -70.0 else None
        elif self._peak_kind == "True peak:":
            self.true_peak_dbfs = value if math.isfinite(value) else None
        elif self._peak_kind == "Sample peak:":
            self.sample_peak = 10 ** (value / 20) if math.isfinite(value) else 0.0

    def failure_reason(self) -> str:
        """Why the decode gave no usable audio, in words a person can act on."""
        if self.drm_evidence is not None:
            return f"DRM-protected (ffmpeg: {self.drm_evidence})"
        if self.input_format is None:
            return f"not audio (ffmpeg: {self._main_error()})"
        if "audio" not in self.stream_kinds:
            found = ", ".join(self.stream_kinds) or "no streams"
            return f"not audio (ffmpeg: no audio stream in {self.input_format} input: {found})"
        if self.misdetection is not None:
            return f"not audio (ffmpeg: {self._main_error()})"
        return f"no decodable audio: truncated or corrupt (ffmpeg: {self._main_error()})"

    def _main_error(self) -> str:
        messages = list(self._messages)
        if any(_INVALID_DATA in message for message in messages):
            return _INVALID_DATA
        if self.misdetection is not None:
            return self.misdetection
        for message in reversed(messages):
            lowered = message.lower()
            if any(word in lowered for word in ("error", "invalid", "fail", "missing", "no ")):
                return message.removeprefix(":").strip()
        return messages[-1] if messages else "no output"


def _without_paths(text: str, paths: list[str]) -> str:
    """`text` with our own paths, quoted names and anything path-like taken out."""
    for path in paths:
        text = text.replace(path, " ")
    return _BARE_PATH.sub(" ", _QUOTED.sub(" ", text))
