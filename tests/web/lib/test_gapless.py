"""gapless.js on tonearm's real renditions and on MP3s made here with ffmpeg, decoded and
scheduled in Chromium's Web Audio."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.audio_factory import lavfi
from tonearm.adapters.ffmpeg import find_ffmpeg

from .conftest import MEDIA_PREFIX, SOURCE_RATE, SOURCE_SECONDS, JsRunner

SOURCE_SAMPLES = SOURCE_SECONDS * SOURCE_RATE
# The MP3 options render_renditions uses: CBR libmp3lame, Xing/LAME frame, no ID3v2.
MP3_OPTIONS = ["-c:a", "libmp3lame", "-b:a", "128k", "-map_metadata", "-1",
               "-flags:a", "+bitexact", "-fflags", "+bitexact",
               "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3"]  # fmt: skip

LOAD = "const bytes = await (await fetch(arg.url)).arrayBuffer();"
PARSE_MP3 = LOAD + "return m.parseMp3GaplessInfo(bytes);"


def encode(media_dir: Path, name: str, source_filter: str, *options: str) -> str:
    """Encode lavfi `source_filter` with ffmpeg into media_dir/name; returns its URL path."""
    lavfi(source_filter, *options, str(media_dir / name), ffmpeg=find_ffmpeg().ffmpeg)
    return MEDIA_PREFIX + name


def sine(start_sample: int, end_sample: int, rate: int = 44100) -> str:
    """A 441 Hz sine at half scale, samples [start, end) of it (441 Hz: 100 samples a cycle)."""
    return (
        f"aevalsrc=0.5*sin(2*PI*441*t):s={rate}:d=10,"
        f"atrim=start_sample={start_sample}:end_sample={end_sample}"
    )


def test_window_arithmetic(pure_js: JsRunner) -> None:
    body = """
      const w = m.trimmedWindow({durationSeconds: 1533 * 1152 / 44100,
                                 encoderDelaySamples: 1105, paddingSamples: 911,
                                 sampleRate: 44100});
      const none = m.trimmedWindow({durationSeconds: 3, encoderDelaySamples: 0,
                                    paddingSamples: 0, sampleRate: 48000});
      const tooShort = m.trimmedWindow({durationSeconds: 0.01, encoderDelaySamples: 576,
                                        paddingSamples: 1000, sampleRate: 44100});
      let error = null;
      try { m.trimmedWindow({durationSeconds: 1, encoderDelaySamples: 0, paddingSamples: 0,
                             sampleRate: 0}); } catch (e) { error = e.name; }
      return {w, next: m.nextStartTime(12.5, w), none, tooShort, error};
    """
    result = pure_js("gapless.js", body)
    assert result["w"]["offsetSeconds"] == pytest.approx(1105 / 44100, abs=1e-12)
    assert result["w"]["playSeconds"] == pytest.approx(1_764_000 / 44100, abs=1e-9)
    assert result["next"] == pytest.approx(12.5 + 40, abs=1e-9)
    assert result["none"] == {"offsetSeconds": 0, "playSeconds": 3}
    assert result["tooShort"]["playSeconds"] == 0
    assert result["error"] == "RangeError"


@pytest.mark.parametrize("name", ["high.mp3", "medium.mp3", "low.mp3"])
def test_lame_tag_of_each_mp3_rendition_accounts_for_every_sample(
    pure_js: JsRunner, renditions: dict[str, Path], name: str
) -> None:
    info = pure_js("gapless.js", PARSE_MP3, {"url": MEDIA_PREFIX + name})
    assert info["encoderDelay"] == 576  # LAME's encoder delay
    assert info["sampleRate"] == 44100
    assert info["channels"] == 2
    assert info["samplesPerFrame"] == 1152
    total = info["encoderDelay"] + SOURCE_SAMPLES + info["padding"]
    assert total == info["frames"] * 1152  # whole frames: delay + music + padding
    assert 0 <= info["padding"] < 1152 + 529 + 1152
    assert info["totalSamples"] == SOURCE_SAMPLES
    assert info["skipStartSamples"] == 576 + 529
    assert info["skipEndSamples"] == info["padding"] - 529


def test_lame_tag_of_an_mpeg2_mono_file(pure_js: JsRunner, media_dir: Path) -> None:
    samples = 100_003
    url = encode(media_dir, "mpeg2.mp3", sine(0, samples, 22050), "-ac", "1", *MP3_OPTIONS)
    info = pure_js("gapless.js", PARSE_MP3, {"url": url})
    assert info["sampleRate"] == 22050
    assert info["samplesPerFrame"] == 576  # MPEG-2 Layer III
    assert info["channels"] == 1
    assert info["totalSamples"] == samples
    assert (info["encoderDelay"] + samples + info["padding"]) % 576 == 0


def test_an_id3v2_tag_before_the_first_frame_is_skipped(pure_js: JsRunner, media_dir: Path) -> None:
    samples = 50_000
    options = [o for o in MP3_OPTIONS if o not in ("-map_metadata", "-1")]
    options[options.index("-id3v2_version") + 1] = "3"
    url = encode(
        media_dir, "tagged.mp3", sine(0, samples), "-metadata", "title=" + "x" * 300, *options
    )
    body = (
        LOAD
        + "return {head: new TextDecoder().decode(bytes.slice(0, 3)), info: m.parseMp3GaplessInfo(bytes)};"
    )
    result = pure_js("gapless.js", body, {"url": url})
    assert result["head"] == "ID3"
    assert result["info"]["totalSamples"] == samples


def test_files_without_gapless_info_give_null(
    pure_js: JsRunner, media_dir: Path, renditions: dict[str, Path]
) -> None:
    no_xing = [o if o != "1" or i == 0 else "0" for i, o in enumerate(MP3_OPTIONS)]
    assert no_xing[no_xing.index("-write_xing") + 1] == "0"
    url = encode(media_dir, "noxing.mp3", sine(0, 50_000), *no_xing)
    assert pure_js("gapless.js", PARSE_MP3, {"url": url}) is None
    assert pure_js("gapless.js", PARSE_MP3, {"url": MEDIA_PREFIX + "efficient.webm"}) is None
    assert (
        pure_js("gapless.js", "return m.parseMp3GaplessInfo(new Uint8Array([0xff, 0xfb]));") is None
    )
    body = LOAD + "return m.parseOpusPreSkip(bytes);"
    assert pure_js("gapless.js", body, {"url": MEDIA_PREFIX + "medium.mp3"}) is None


def test_a_header_written_before_the_encode_ended_gives_null(pure_js: JsRunner) -> None:
    # A rendition streamed while ffmpeg makes it starts with a placeholder Info frame whose
    # frame count is 0 until the end: no gapless figures can be read from it.
    body = (
        LOAD
        + """
      const whole = new Uint8Array(bytes);
      const at = new TextDecoder("latin1").decode(whole.subarray(0, 200)).search(/Info|Xing/);
      const placeholder = whole.slice();
      placeholder.set([0, 0, 0, 0], at + 8);  // the frame count
      return {whole: m.parseMp3GaplessInfo(whole), placeholder: m.parseMp3GaplessInfo(placeholder)};
    """
    )
    result = pure_js("gapless.js", body, {"url": MEDIA_PREFIX + "medium.mp3"})
    assert result["whole"] is not None and result["whole"]["frames"] > 0
    assert result["placeholder"] is None


def test_opus_pre_skip_from_webm_codec_private(
    pure_js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = (
        LOAD
        + "return {preSkip: m.parseOpusPreSkip(bytes), head: m.parseOpusHead(bytes.slice(0, 4096)), duration: m.parseWebmDuration(bytes.slice(0, 4096))};"
    )
    result = pure_js("gapless.js", body, {"url": MEDIA_PREFIX + "efficient.webm"})
    assert result["preSkip"] == 312  # libopus' lookahead at 48 kHz: 6.5 ms
    assert result["head"]["channels"] == 2
    assert result["head"]["version"] == 1
    # FFmpeg's WebM Duration runs to the end of the last packet: a few ms past the music.
    assert SOURCE_SECONDS <= result["duration"] < SOURCE_SECONDS + 0.02


def test_opus_pre_skip_from_an_ogg_file(pure_js: JsRunner, media_dir: Path) -> None:
    url = encode(
        media_dir,
        "tone.opus",
        sine(0, 48_000 * 2, 48000),
        "-c:a",
        "libopus",
        "-b:a",
        "64k",
        "-f",
        "ogg",
    )
    body = (
        LOAD
        + "return {magic: new TextDecoder().decode(bytes.slice(0, 4)), preSkip: m.parseOpusPreSkip(bytes), head: m.parseOpusHead(bytes)};"
    )
    result = pure_js("gapless.js", body, {"url": url})
    assert result["magic"] == "OggS"
    assert result["preSkip"] == 312
    assert result["head"]["channels"] == 1
    assert result["head"]["inputSampleRate"] == 48000


DECODE = (
    LOAD
    + """
  const ctx = new OfflineAudioContext(1, 1, arg.rate);
  const audio = await ctx.decodeAudioData(bytes.slice(0));
  return {length: audio.length, rate: audio.sampleRate, info: m.parseMp3GaplessInfo(bytes)};
"""
)


def test_chromium_decode_audio_data_already_trims_mp3_delay_and_padding(
    pure_js: JsRunner, renditions: dict[str, Path]
) -> None:
    """A Chromium fact W1 relies on: decodeAudioData applies the LAME tag itself, so a decoded
    buffer is the music alone (trimmedWindow with 0 delay and 0 padding)."""
    result = pure_js("gapless.js", DECODE, {"url": MEDIA_PREFIX + "medium.mp3", "rate": 44100})
    assert result["length"] == result["info"]["totalSamples"] == SOURCE_SAMPLES


def test_chromium_decode_audio_data_trims_opus_to_within_a_millisecond(
    pure_js: JsRunner, renditions: dict[str, Path]
) -> None:
    """Another: for WebM Opus it applies pre-skip and the end's DiscardPadding, but (Chromium
    of this Debian) drops 24 samples more at the start: 0.5 ms, below what anyone hears."""
    result = pure_js("gapless.js", DECODE, {"url": MEDIA_PREFIX + "efficient.webm", "rate": 48000})
    assert abs(result["length"] - SOURCE_SECONDS * 48000) <= 48


STRIP_INFO_FRAME = """
  // The Info frame's length from its header (MPEG-1 Layer III: 144 × bitrate / rate + pad).
  const h = new Uint8Array(bytes, 0, 4);
  const kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320][h[2] >> 4];
  const frameBytes = Math.floor(144 * kbps * 1000 / 44100) + ((h[2] >> 1) & 1);
  const raw = bytes.slice(frameBytes);
"""


def test_plus_529_convention_matches_what_a_decoder_outputs(
    pure_js: JsRunner, renditions: dict[str, Path]
) -> None:
    """Without its Info frame the same MP3 decodes untrimmed; skipStartSamples and
    skipEndSamples then cut exactly the music that the trimmed decode holds."""
    body = (
        LOAD
        + STRIP_INFO_FRAME
        + """
      const info = m.parseMp3GaplessInfo(bytes);
      const ctx = new OfflineAudioContext(1, 1, 44100);
      const trimmed = await ctx.decodeAudioData(bytes.slice(0));
      const untrimmed = await ctx.decodeAudioData(raw);
      const w = m.trimmedWindow({durationSeconds: untrimmed.duration,
        encoderDelaySamples: info.skipStartSamples, paddingSamples: info.skipEndSamples,
        sampleRate: untrimmed.sampleRate});
      const start = Math.round(w.offsetSeconds * 44100);
      const a = trimmed.getChannelData(0), b = untrimmed.getChannelData(0);
      let worst = 0;
      for (let i = 0; i < 44100; i += 1) worst = Math.max(worst, Math.abs(a[i] - b[start + i]));
      let shifted = 0;  // the same comparison one sample off, to show the test can tell
      for (let i = 0; i < 44100; i += 1) shifted = Math.max(shifted, Math.abs(a[i] - b[start + 1 + i]));
      return {untrimmedLength: untrimmed.length, frames: info.frames, playSamples: w.playSeconds * 44100,
              worst, shifted};
    """
    )
    result = pure_js("gapless.js", body, {"url": MEDIA_PREFIX + "medium.mp3"})
    assert result["untrimmedLength"] == result["frames"] * 1152
    assert result["playSamples"] == pytest.approx(SOURCE_SAMPLES, abs=1e-6)
    assert result["worst"] < 1e-6
    assert result["shifted"] > 0.01


SCHEDULE = """
  const ctx = new OfflineAudioContext(1, 44100 * 3, 44100);
  const decode = async (url) => {
    const bytes = await (await fetch(url)).arrayBuffer();
    return {info: m.parseMp3GaplessInfo(bytes), audio: await ctx.decodeAudioData(bytes)};
  };
  const [a, b] = await Promise.all([decode(arg.a), decode(arg.b)]);
  // Chromium's decode is already trimmed: nothing left to cut.
  const windowOf = (s) => m.trimmedWindow({durationSeconds: s.audio.duration,
    encoderDelaySamples: 0, paddingSamples: 0, sampleRate: s.audio.sampleRate});
  const startA = 0.25;
  const wa = windowOf(a), wb = windowOf(b);
  const startB = m.nextStartTime(startA, wa) + (arg.shiftSeconds ?? 0);
  for (const [s, when, w] of [[a, startA, wa], [b, startB, wb]]) {
    const node = ctx.createBufferSource();
    node.buffer = s.audio;
    node.connect(ctx.destination);
    node.start(when, w.offsetSeconds, w.playSeconds);
  }
  const out = (await ctx.startRendering()).getChannelData(0);
  // Compare with the continuous sine both halves were cut from, around the seam.
  const first = Math.round(startA * 44100);
  let worst = 0, at = 0;
  for (let i = first + 2000; i < first + arg.total - 2000; i += 1) {
    const ideal = 0.5 * Math.sin(2 * Math.PI * 441 * (i - first) / 44100);
    if (Math.abs(out[i] - ideal) > worst) { worst = Math.abs(out[i] - ideal); at = i - first; }
  }
  return {startB, worst, at};
"""


def test_two_halves_of_a_tone_scheduled_back_to_back_play_as_one(
    pure_js: JsRunner, media_dir: Path
) -> None:
    """The mechanism W1 schedules with: B starts at nextStartTime of A's window, and the
    rendered output is the continuous tone across the seam."""
    half = 44100 + 317  # not a whole number of frames, so padding is non-trivial
    a = encode(media_dir, "half-a.mp3", sine(0, half), "-ac", "1", *MP3_OPTIONS)
    b = encode(media_dir, "half-b.mp3", sine(half, 2 * half), "-ac", "1", *MP3_OPTIONS)
    files = {"a": a, "b": b, "total": 2 * half}
    result = pure_js("gapless.js", SCHEDULE, files)
    assert result["startB"] == pytest.approx(0.25 + half / 44100, abs=1e-9)
    # MP3 coding error at the cut stays near 0.05; four samples (0.1 ms) late is ten times it.
    assert result["worst"] < 0.15
    late = pure_js("gapless.js", SCHEDULE, files | {"shiftSeconds": 0.0001})
    assert late["worst"] > 0.3


def chirp(start_sample: int, end_sample: int, rate: int = 44100) -> str:
    """A rising chirp at half scale (200 Hz up by 300 Hz a second), samples [start, end): no
    stretch of it repeats, so a skipped or doubled piece shows as a shift in time."""
    return (
        f"aevalsrc=0.5*sin(2*PI*(200*t+150*t*t)):s={rate}:d=10,"
        f"atrim=start_sample={start_sample}:end_sample={end_sample}"
    )


# Append two songs to one SourceBuffer, each placed by mseSongPlacement (with
# arg.extraSkip more samples skipped) and mseAppendWindow. Each lasts arg.half samples; the
# catalogue's duration_ms, as for a real song, is that rounded to the millisecond.
MSE_APPEND = """
  const rate = arg.opus ? 48000 : 44100;
  const load = async (url) => {
    const bytes = await (await fetch(url)).arrayBuffer();
    const placement = m.mseSongPlacement({codec: arg.opus ? 'opus' : 'mp3', firstBytes: bytes,
                                          durationMs: Math.round(arg.half * 1000 / rate)});
    return {bytes, placement};
  };
  const songs = await Promise.all([load(arg.a), load(arg.b)]);
  const source = new MediaSource();
  const audio = new Audio();
  audio.src = URL.createObjectURL(source);
  await new Promise((r) => source.addEventListener('sourceopen', r, {once: true}));
  const buffer = source.addSourceBuffer(arg.opus ? 'audio/webm; codecs="opus"' : 'audio/mpeg');
  let start = 0;
  for (const {bytes, placement} of songs) {
    const skip = placement.skipStartSamples + arg.extraSkip * placement.sampleRate / rate;
    const w = m.mseAppendWindow({...placement, startSeconds: start, skipStartSamples: skip});
    buffer.abort();  // as the player does between songs: flushes any half frame
    buffer.mode = 'sequence';
    buffer.timestampOffset = w.timestampOffset;
    buffer.appendWindowEnd = w.appendWindowEnd;
    buffer.appendWindowStart = w.appendWindowStart;
    buffer.appendBuffer(bytes);
    await new Promise((r) => buffer.addEventListener('updateend', r, {once: true}));
    start = w.appendWindowEnd;
  }
  const ranges = [];
  for (let i = 0; i < buffer.buffered.length; i += 1) ranges.push([buffer.buffered.start(i), buffer.buffered.end(i)]);
  source.endOfStream();
"""

# Play it through Web Audio and record what comes out. `before` and `after`: where the
# chirp's samples land just before and just after the seam (by correlation): equal means no
# sample was lost or added between the songs. `hole`: the longest near-silent run inside the
# music (a few samples at a zero crossing when there is none).
MSE_CAPTURE = (
    MSE_APPEND
    + """
  const ctx = new AudioContext({sampleRate: rate});
  await ctx.resume();
  const recorder = ctx.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  recorder.onaudioprocess = (e) => chunks.push(Float32Array.from(e.inputBuffer.getChannelData(0)));
  ctx.createMediaElementSource(audio).connect(recorder);
  recorder.connect(ctx.destination);
  await audio.play();
  await new Promise((r) => audio.addEventListener('ended', r, {once: true}));
  await new Promise((r) => setTimeout(r, 300));
  recorder.disconnect();
  await ctx.close();
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  const first = out.findIndex((v) => Math.abs(v) > 0.05);
  const ideal = (n) => 0.5 * Math.sin(2 * Math.PI * (200 * n / rate + 150 * (n / rate) ** 2));
  const shift = (from, to) => {
    let best = {at: 0, score: -Infinity};
    for (let at = first - 1500; at < first + 1500; at += 1) {
      let score = 0;
      for (let n = from; n < to; n += 2) score += out[at + n] * ideal(n);
      if (score > best.score) best = {at, score};
    }
    return best.at;
  };
  const last = out.findLastIndex((v) => Math.abs(v) > 0.05);
  let run = 0, hole = 0;
  for (let i = first; i < last; i += 1) {
    run = Math.abs(out[i]) < 0.02 ? run + 1 : 0;
    hole = Math.max(hole, run);
  }
  return {sources: songs.map((s) => s.placement.source), hole, before: shift(arg.half - 4000, arg.half - 500), after: shift(arg.half + 500, arg.half + 4000)};
"""
)


def test_mse_song_placement(pure_js: JsRunner, renditions: dict[str, Path]) -> None:
    body = """
      const head = async (url) => (await (await fetch(url)).arrayBuffer()).slice(0, 4096);
      const mp3 = await head('/__media__/medium.mp3'), webm = await head('/__media__/efficient.webm');
      return [m.mseSongPlacement({codec: 'mp3', firstBytes: mp3, durationMs: 40000}),
              m.mseSongPlacement({codec: 'opus', firstBytes: webm, durationMs: 40000}),
              m.mseSongPlacement({codec: 'mp3', firstBytes: webm, durationMs: 1234})];
    """
    lame, opus, unknown = pure_js("gapless.js", body)
    assert lame == {
        "skipStartSamples": 576,  # not 576 + 529: Chromium's MSE drops the decoder's delay
        "totalSamples": SOURCE_SAMPLES,
        "sampleRate": 44100,
        "source": "lame",
    }
    assert opus == {
        "skipStartSamples": 0,
        "totalSamples": 40000,
        "sampleRate": 1000,
        "source": "catalogue",
    }
    assert unknown["totalSamples"] == 1234


def test_mse_append_window_arithmetic(pure_js: JsRunner) -> None:
    body = """return m.mseAppendWindow({startSeconds: 10, skipStartSamples: 576,
                                     totalSamples: 441000, sampleRate: 44100});"""
    w = pure_js("gapless.js", body)
    assert w["timestampOffset"] == pytest.approx(10 - 576 / 44100, abs=1e-12)
    assert w["appendWindowStart"] == 10
    assert w["appendWindowEnd"] == pytest.approx(20, abs=1e-12)


@pytest.fixture(scope="module")
def chirp_halves(media_dir: Path) -> dict[str, object]:
    """Two MP3s: the first and second second (and a bit) of one chirp."""
    half = 44100 + 317
    a = encode(media_dir, "chirp-a.mp3", chirp(0, half), "-ac", "1", *MP3_OPTIONS)
    b = encode(media_dir, "chirp-b.mp3", chirp(half, 2 * half), "-ac", "1", *MP3_OPTIONS)
    return {"a": a, "b": b, "half": half, "opus": False}


@pytest.fixture(scope="module")
def opus_chirp_halves(media_dir: Path) -> dict[str, object]:
    """The same as WebM Opus at 48 kHz, encoded as render_renditions encodes `efficient`."""
    half = 48000 + 317
    options = ["-c:a", "libopus", "-b:a", "96k", "-vbr", "on", "-map_metadata", "-1",
               "-flags:a", "+bitexact", "-fflags", "+bitexact", "-f", "webm"]  # fmt: skip
    a = encode(media_dir, "chirp-a.webm", chirp(0, half, 48000), "-ac", "1", *options)
    b = encode(media_dir, "chirp-b.webm", chirp(half, 2 * half, 48000), "-ac", "1", *options)
    return {"a": a, "b": b, "half": half, "opus": True}


def test_mse_append_windows_make_one_continuous_range_of_the_music(
    pure_js: JsRunner, chirp_halves: dict[str, object]
) -> None:
    ranges = pure_js("gapless.js", MSE_APPEND + "return ranges;", chirp_halves | {"extraSkip": 0})
    half = int(chirp_halves["half"])  # type: ignore[call-overload]
    assert len(ranges) == 1
    assert ranges[0][0] == 0
    assert ranges[0][1] == pytest.approx(2 * half / 44100, abs=2e-6)  # microsecond resolution


def record(
    pure_js: JsRunner, arg: dict[str, object], wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """MSE_CAPTURE up to three times until `wanted` holds of the recording; the last one.

    Recording runs in real time, and a busy machine can drop a buffer of it (an underrun
    adds silence). Silence can only be added, never taken away, so a clean recording of the
    expected shape shows the placement right; retrying never turns a wrong one right.
    """
    for _ in range(3):
        result: dict[str, Any] = pure_js("gapless.js", MSE_CAPTURE, arg)
        if wanted(result):
            break
    return result


def seamless(result: dict[str, Any]) -> bool:
    return bool(abs(result["after"] - result["before"]) <= 2 and result["hole"] < 20)


def test_mse_playback_of_two_mp3s_placed_by_encoder_delay_is_seamless(
    pure_js: JsRunner, chirp_halves: dict[str, object]
) -> None:
    """Real playback, recorded from Web Audio: with the encoder delay alone, the chirp runs on
    across the seam to the sample; with LAME's +529 convention added (right for a raw decoder,
    wrong for Chromium's MSE, which removes those 529 itself) a 529-sample hole opens.
    (Recorded in real time: 2 × 2 s.)"""
    right = record(pure_js, chirp_halves | {"extraSkip": 0}, seamless)
    assert right["sources"] == ["lame", "lame"]
    assert abs(right["after"] - right["before"]) <= 2
    assert right["hole"] < 20
    wrong = record(pure_js, chirp_halves | {"extraSkip": 529}, lambda r: abs(r["hole"] - 529) <= 3)
    assert abs(wrong["hole"] - 529) <= 3


def test_mse_playback_of_two_opus_files_joins_within_5_ms(
    pure_js: JsRunner, opus_chirp_halves: dict[str, object]
) -> None:
    """WebM Opus in Chromium's MSE, placed by the catalogue's duration with no skip (Chromium
    applies the pre-skip itself): not sample-exact. Measured: 159 samples (3.3 ms) of silence
    where the first song ends, whatever the skip. This pins that it stays within the issue's
    5 ms gap target (decodeAudioData comes closer: 24 samples)."""
    result = record(
        pure_js,
        opus_chirp_halves | {"extraSkip": 0},
        lambda r: r["hole"] <= 240 and abs(r["after"] - r["before"]) <= 240,
    )
    assert result["sources"] == ["catalogue", "catalogue"]
    assert result["hole"] <= 240  # 5 ms at 48 kHz
    assert abs(result["after"] - result["before"]) <= 240
