"""analyse_audio on real files made with ffmpeg, with both the system and the pip ffmpeg."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.ffmpeg.conftest import (
    GENERATOR,
    make_audio,
    make_quiet_loud_quiet,
    run_generator,
)
from tests.ingest.audio_factory import make_image
from tonearm.adapters.ffmpeg import FFmpegTool, analyse_audio, stream_ffmpeg
from tonearm.adapters.ffmpeg import analysis as analysis_module
from tonearm.ingest.models import AudioAnalysis, IngestError

pytestmark = pytest.mark.anyio

SIX_HOURS = 6 * 3600.0
NOISE = "anoisesrc=color=pink:amplitude=0.3:seed=7:sample_rate=44100"


async def analyse(tool: FFmpegTool, path: Path, **overrides: Any) -> AudioAnalysis:
    options: dict[str, Any] = {
        "max_duration_seconds": SIX_HOURS,
        "limit_seconds": 60.0,
        "memory_limit_bytes": None,
    }
    return await analyse_audio(tool, path, **(options | overrides))


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysis")


@pytest.fixture(scope="session")
def quiet_loud_quiet(audio_dir: Path) -> Path:
    return make_quiet_loud_quiet(audio_dir / "quiet-loud-quiet.flac")


@pytest.fixture(scope="session")
def noise_flac(audio_dir: Path) -> Path:
    return make_audio(audio_dir / "noise.flac", NOISE, seconds=20)


# Identity


async def test_flac_and_its_16_bit_wav_copy_hash_alike(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path
) -> None:
    wav = tmp_path / "copy.wav"
    run_generator("-i", str(noise_flac), "-c:a", "pcm_s16le", str(wav))

    flac_analysis = await analyse(tool, noise_flac)
    wav_analysis = await analyse(tool, wav)

    assert flac_analysis.audio_hash == wav_analysis.audio_hash
    assert re.fullmatch(r"[0-9a-f]{64}", flac_analysis.audio_hash)


async def test_retagged_and_moved_mp3_hashes_alike(tool: FFmpegTool, tmp_path: Path) -> None:
    original = make_audio(tmp_path / "a.mp3", NOISE, tags={"title": "One", "artist": "A"})
    retagged = tmp_path / "elsewhere" / "b.mp3"
    retagged.parent.mkdir()
    run_generator(
        "-i", str(original), "-c", "copy", "-map_metadata", "-1",
        "-metadata", "title=Another title entirely", "-metadata", "album=Z", str(retagged),
    )  # fmt: skip
    assert original.read_bytes() != retagged.read_bytes()

    assert (await analyse(tool, original)).audio_hash == (await analyse(tool, retagged)).audio_hash


async def test_different_audio_hashes_differently(tool: FFmpegTool, tmp_path: Path) -> None:
    a = make_audio(tmp_path / "a.flac", "sine=frequency=440:sample_rate=44100")
    b = make_audio(tmp_path / "b.flac", "sine=frequency=441:sample_rate=44100")

    assert (await analyse(tool, a)).audio_hash != (await analyse(tool, b)).audio_hash


# What the decode tells

FORMATS = {
    # suffix: (codec as ffmpeg names it, sample rate)
    "mp3": ("mp3", 44100),
    "flac": ("flac", 44100),
    "wav": ("pcm_s16le", 44100),
    "ogg": ("vorbis", 44100),
    "opus": ("opus", 48000),
    "m4a": ("aac", 44100),
}


@pytest.mark.parametrize("suffix", sorted(FORMATS))
async def test_reads_codec_rate_channels_and_duration(
    tool: FFmpegTool, tmp_path: Path, suffix: str
) -> None:
    source = make_audio(tmp_path / f"five-seconds.{suffix}", NOISE, seconds=5)

    analysis = await analyse(tool, source)

    codec, sample_rate = FORMATS[suffix]
    assert analysis.codec == codec
    assert analysis.sample_rate == sample_rate
    assert analysis.channels == 2
    assert abs(analysis.duration_ms - 5000) <= 50
    assert analysis.bitrate_kbps is not None and analysis.bitrate_kbps > 0


async def test_mono_source_is_one_channel(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "mono.wav", seconds=2, channels=1)

    analysis = await analyse(tool, source)

    assert analysis.channels == 1
    assert analysis.duration_ms == 2000


async def test_loudness_of_a_minus_20_dbfs_sine(tool: FFmpegTool, tmp_path: Path) -> None:
    # A 1 kHz sine of peak 0.1 (-20 dBFS) has a mean square of 0.1²/2 (-23.0 dB); K-weighting
    # adds +0.69 dB at 1 kHz and BS.1770 subtracts 0.691: -23.0 LUFS on one channel.
    signal = "aevalsrc=0.1*sin(2*PI*1000*t):s=48000"
    source = make_audio(tmp_path / "sine.wav", signal, seconds=10, channels=1)

    analysis = await analyse(tool, source)

    assert analysis.loudness_lufs is not None
    assert abs(analysis.loudness_lufs - -23.0) <= 1.0
    assert analysis.true_peak_dbfs is not None
    assert abs(analysis.true_peak_dbfs - -20.0) <= 0.5
    assert analysis.sample_peak is not None
    assert abs(analysis.sample_peak - 0.1) <= 0.002


async def test_silence_has_no_measurable_loudness(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "silence.flac", "anullsrc=r=44100:cl=stereo", seconds=3)

    analysis = await analyse(tool, source)

    assert analysis.loudness_lufs is None
    assert analysis.sample_peak == 0.0
    assert analysis.duration_ms == 3000


async def test_waveform_is_audiowaveform_json_following_the_signal(
    tool: FFmpegTool, quiet_loud_quiet: Path
) -> None:
    waveform = (await analyse(tool, quiet_loud_quiet)).waveform

    assert {k: waveform[k] for k in ("version", "channels", "bits", "sample_rate")} == {
        "version": 2,
        "channels": 1,
        "bits": 8,
        "sample_rate": 44100,
    }
    length, per_point, data = waveform["length"], waveform["samples_per_pixel"], waveform["data"]
    assert isinstance(length, int) and isinstance(per_point, int) and isinstance(data, list)
    assert 1000 <= length <= 2000
    assert len(data) == 2 * length
    assert (length - 1) * per_point < 90 * 44100 <= length * per_point
    pairs = list(zip(data[0::2], data[1::2], strict=True))
    assert all(-128 <= low <= high <= 127 for low, high in pairs)

    def peak_at(second: float) -> int:
        low, high = pairs[int(second * 44100 / per_point)]
        return int(max(-low, high))

    # -6 dBFS noise reaches about 64 of 128; -40 dBFS stays within a step or two of zero.
    assert all(peak_at(s) >= 30 for s in (45, 55, 65))
    assert all(peak_at(s) <= 3 for s in (10, 30, 80))


async def test_short_track_waveform_still_has_enough_points(
    tool: FFmpegTool, tmp_path: Path
) -> None:
    source = make_audio(tmp_path / "short.mp3", NOISE, seconds=3)

    waveform = (await analyse(tool, source)).waveform

    assert isinstance(waveform["length"], int)
    assert 1000 <= waveform["length"] <= 2000


async def test_fingerprint_is_chromaprint_base64(tool: FFmpegTool, noise_flac: Path) -> None:
    fingerprint = (await analyse(tool, noise_flac)).fingerprint

    assert fingerprint is not None
    assert len(fingerprint) > 20
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", fingerprint)


async def test_ffmpeg_without_chromaprint_still_analyses(
    tool: FFmpegTool, noise_flac: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a build configured without --enable-chromaprint answers.
    monkeypatch.setitem(analysis_module._CHROMAPRINT_SUPPORT, tool.ffmpeg, False)

    analysis = await analyse(tool, noise_flac)

    assert analysis.fingerprint is None
    assert analysis.duration_ms == 20_000
    assert analysis.loudness_lufs is not None


# Preview choice


async def test_preview_starts_at_the_loud_section(tool: FFmpegTool, quiet_loud_quiet: Path) -> None:
    analysis = await analyse(tool, quiet_loud_quiet)

    # Loud from 40 s to 70 s: the only 30 s window that lies wholly inside it starts at 40 s.
    assert analysis.preview_start_ms == 40_000
    assert analysis.duration_ms == 90_000


async def test_preview_of_a_short_track_starts_at_zero(tool: FFmpegTool, noise_flac: Path) -> None:
    assert (await analyse(tool, noise_flac)).preview_start_ms == 0


async def test_preview_of_a_steady_track_skips_the_first_and_last_seconds(
    tool: FFmpegTool, tmp_path: Path
) -> None:
    source = make_audio(tmp_path / "steady.flac", seconds=60)

    analysis = await analyse(tool, source)

    assert analysis.preview_start_ms > 0
    assert analysis.preview_start_ms + 30_000 < analysis.duration_ms
    assert analysis.preview_start_ms % 1000 == 0


# Bad input


async def test_empty_file(tool: FFmpegTool, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.touch()

    with pytest.raises(IngestError, match=r"empty file \(0 bytes\)") as caught:
        await analyse(tool, empty)
    assert caught.value.path == empty


async def test_random_bytes_named_mp3_is_not_audio(tool: FFmpegTool, tmp_path: Path) -> None:
    fake = tmp_path / "noise.mp3"
    fake.write_bytes(random.Random(4).randbytes(200_000))

    with pytest.raises(IngestError, match=r"^noise\.mp3: not audio \(ffmpeg: Invalid data found"):
        await analyse(tool, fake)


async def test_png_named_flac_is_not_audio(tool: FFmpegTool, tmp_path: Path) -> None:
    picture = tmp_path / "cover.flac"
    make_image(
        picture, pattern="testsrc", options=("-f", "image2", "-c:v", "png"), ffmpeg=GENERATOR
    )

    with pytest.raises(IngestError, match=r"not audio \(ffmpeg: no audio stream"):
        await analyse(tool, picture)


async def test_text_file_is_not_audio(tool: FFmpegTool, tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("Track list\n1. Something\n2. Something else\n" * 20)

    # ffmpeg 7+ calls it invalid data; 5.1 first tries MP3 for the name and says so.
    reason = r"not audio \(ffmpeg: (Invalid data found|Format mp3 detected only with low score)"
    with pytest.raises(IngestError, match=reason):
        await analyse(tool, text)


async def test_first_10_kb_of_a_flac_is_rejected(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(noise_flac.read_bytes()[:10_240])

    with pytest.raises(IngestError, match="truncated or corrupt"):
        await analyse(tool, truncated)


async def test_flac_cut_in_half_is_rejected_as_truncated(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path
) -> None:
    data = noise_flac.read_bytes()
    truncated = tmp_path / "half.flac"
    truncated.write_bytes(data[: len(data) // 2])

    with pytest.raises(IngestError, match=r"truncated or corrupt: .* the header declares 20\.0 s"):
        await analyse(tool, truncated)


async def test_over_long_file_stops_at_its_header(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "five.flac", seconds=5)

    with pytest.raises(IngestError, match=r"longer than the 2 s maximum \(header: 5\.0 s\)"):
        await analyse(tool, source, max_duration_seconds=2)


async def test_over_long_file_without_a_length_header_stops_while_decoding(
    tool: FFmpegTool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No Xing frame: ffmpeg can only estimate the length, so the decoded samples decide.
    source = make_audio(tmp_path / "raw.mp3", NOISE, seconds=30, extra=("-write_xing", "0"))
    delivered = 0
    real_stream_ffmpeg = stream_ffmpeg

    async def counting_stream_ffmpeg(*args: Any, on_stdout: Any, **kwargs: Any) -> str:
        async def count(chunk: bytes) -> None:
            nonlocal delivered
            delivered += len(chunk)
            await on_stdout(chunk)

        return await real_stream_ffmpeg(*args, on_stdout=count, **kwargs)

    monkeypatch.setattr(analysis_module, "stream_ffmpeg", counting_stream_ffmpeg)

    with pytest.raises(IngestError, match=r"longer than the 2 s maximum \(decoding passed 2 s\)"):
        await analyse(tool, source, max_duration_seconds=2)
    assert 0 < delivered < 30 * 44100 * 4 // 2  # stopped well before the end


async def test_timeout_names_the_limit(tool: FFmpegTool, noise_flac: Path) -> None:
    with pytest.raises(IngestError, match=r"ffmpeg took longer than 0\.001 s"):
        await analyse(tool, noise_flac, limit_seconds=0.001)


async def test_memory_limit_hit_is_reported(tool: FFmpegTool, noise_flac: Path) -> None:
    with pytest.raises(IngestError, match=r"ffmpeg ran out of memory \(limit 16 MiB\)"):
        await analyse(tool, noise_flac, memory_limit_bytes=16 << 20)


async def test_default_memory_limit_is_enough(tool: FFmpegTool, noise_flac: Path) -> None:
    analysis = await analyse(tool, noise_flac, memory_limit_bytes=2048 << 20)

    assert analysis.duration_ms == 20_000


async def test_fairplay_m4p_is_drm_protected(tool: FFmpegTool, tmp_path: Path) -> None:
    plain = make_audio(tmp_path / "plain.m4a", seconds=2)
    protected = tmp_path / "bought.m4p"
    # An iTunes FairPlay file names its sample entry `drms` instead of `mp4a`.
    protected.write_bytes(plain.read_bytes().replace(b"mp4a", b"drms", 1))

    with pytest.raises(IngestError, match=r"DRM-protected \(ffmpeg: stream aac"):
        await analyse(tool, protected)


async def test_encrypted_mp4_is_drm_protected(tool: FFmpegTool, tmp_path: Path) -> None:
    plain = make_audio(tmp_path / "plain.m4a", seconds=2)
    encrypted = tmp_path / "encrypted.m4a"
    run_generator(
        "-i", str(plain), "-c", "copy", "-encryption_scheme", "cenc-aes-ctr",
        "-encryption_key", "76a6c65c5ea762046bd749a2e632ccbb",
        "-encryption_kid", "a7e61c373e219033c21091fa607bf3b8", str(encrypted),
    )  # fmt: skip

    with pytest.raises(IngestError, match=r"DRM-protected \(encrypted MP4 audio\)"):
        await analyse(tool, encrypted)


async def test_huge_tag_value_does_not_disturb_analysis(tool: FFmpegTool, tmp_path: Path) -> None:
    source = make_audio(tmp_path / "bomb.flac", seconds=2, tags={"title": "x" * 100_000})

    analysis = await analyse(tool, source)

    assert analysis.duration_ms == 2000


async def test_words_in_a_file_name_are_not_taken_for_drm(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path
) -> None:
    renamed = tmp_path / "Encrypted DRM Protected Love Song.flac"
    shutil.copy(noise_flac, renamed)

    assert (await analyse(tool, renamed)).duration_ms == 20_000


# DRM only from the input's description or ffmpeg's decryption errors (issue 15, defect 2)

DRM_WORDS = "drm protected encrypted decryption key activation_bytes"


async def test_drm_words_in_the_temp_folder_are_not_taken_for_drm(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / f"tmp {DRM_WORDS}"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the analysis's temp folder's parent

    assert (await analyse(tool, noise_flac)).duration_ms == 20_000


@pytest.mark.parametrize("folder", ["Encrypted", "Protected", "DRM", DRM_WORDS])
async def test_drm_words_in_folder_names_are_not_taken_for_drm(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path, folder: str
) -> None:
    song = tmp_path / folder / "Decryption Key" / "01 activation_bytes.flac"
    song.parent.mkdir(parents=True)
    shutil.copy(noise_flac, song)

    assert (await analyse(tool, song)).duration_ms == 20_000


def _with_encrypted_id3_frames(audio: bytes, frames: int) -> bytes:
    """`audio` behind an ID3v2.4 tag of text frames flagged encrypted (flag 0x04)."""
    frame = b"TIT2" + (5).to_bytes(4, "big") + b"\x00\x04" + b"\x03abcd"
    body = frame * frames
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size + body + audio


async def test_an_encrypted_id3_frame_is_not_drm(tool: FFmpegTool, tmp_path: Path) -> None:
    plain = make_audio(tmp_path / "plain.mp3", seconds=3)
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(_with_encrypted_id3_frames(plain.read_bytes(), 3))

    analysis = await analyse(tool, tagged)  # ffmpeg: "Skipping encrypted ID3v2 frame TIT2."

    assert abs(analysis.duration_ms - 3000) < 100


class _SaysDrm(analysis_module.DecodeReport):
    """A report that also hears ffmpeg's WMA DRM warning, as a protected ASF file prints."""

    def __init__(self, source: Path) -> None:
        super().__init__(source)
        self.add_line("[asf @ 0x55d0] DRM protected stream detected, decoding will likely fail!")


async def test_a_decode_that_gave_all_the_audio_is_never_drm(
    tool: FFmpegTool, noise_flac: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis_module, "DecodeReport", _SaysDrm)

    assert (await analyse(tool, noise_flac)).duration_ms == 20_000


async def test_a_decryption_message_with_audio_missing_is_drm(
    tool: FFmpegTool, noise_flac: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut = tmp_path / "cut.flac"
    cut.write_bytes(noise_flac.read_bytes()[: noise_flac.stat().st_size // 2])
    monkeypatch.setattr(analysis_module, "DecodeReport", _SaysDrm)

    with pytest.raises(IngestError, match=r"^.*DRM-protected \(ffmpeg: DRM protected stream"):
        await analyse(tool, cut)


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] [aax] activation_bytes option is missing!", True),
        ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] [aax] mismatch in checksums!", True),
        ("[asf @ 0x1] DRM protected stream detected, decoding will likely fail!", True),
        ("Skipping encrypted ID3v2 frame TIT2.", False),
        ("Skipping encrypted/compressed ID3v2 frame TIT2.", False),
        (f"Output #1, chromaprint, to '/tmp/{DRM_WORDS}/fingerprint.txt':", False),
        ("[out#1 @ 0x1] Error opening output /tmp/decryption_key/activation_bytes.txt.", False),
        ("Error opening input file /music/Encrypted/Protected DRM.flac.", False),
    ],
)
def test_drm_evidence_is_ffmpegs_decryption_messages_only(line: str, evidence: bool) -> None:
    report = analysis_module.DecodeReport(Path("/music/song.m4a"))
    report.add_line(line)
    assert (report.drm_evidence is not None) is evidence
