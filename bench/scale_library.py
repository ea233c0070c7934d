"""Big test libraries quickly: make_library.py's output copied with new tags and new audio.

make_library.py (../shared/peers) encodes every track with ffmpeg, ~0.1 CPU-second each:
10,000 tracks take ~10 min on an idle 2-core machine and well over an hour on a busy one.
A library of N = parts × B tracks is built instead from the B-track library it made:

  part-0/      the base library itself (hard links)
  part-K/      a copy in which
               - every name gets " #K" (title, artist, album artist, album; file and folder
                 names stay), so each part adds its own artists, albums and songs, as a real
                 library of N tracks has them;
               - the audio differs from every other part's: in an MP3, one byte of a
                 mid-file frame's main data is changed (a different payload and different
                 decoded audio; the frame still decodes); a FLAC (whose frames carry CRCs)
                 is re-encoded by ffmpeg at a gain of 1 + K/1000;
               - modification times are the base's, covers are hard links.

So no scanner can take two parts' files for the same file (tonearm's phase-1 identity hashes
the audio payload, not the tags). What the copies do not give is decoded audio that is
different throughout; enrichment is measured on a library made by make_library.py alone.
A `.scale-manifest.json` records how the library was made; an identical one is reused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mutagen.flac import FLAC
from mutagen.id3 import ID3

MANIFEST = ".scale-manifest.json"
NAMED_ID3_FRAMES = ("TIT2", "TPE1", "TPE2", "TALB")
NAMED_VORBIS_KEYS = ("title", "artist", "albumartist", "album_artist", "album")
MPEG1_LAYER3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MPEG1_RATES = (44100, 48000, 32000)


def derive_library(base: Path, out: Path, parts: int) -> int:
    """`parts` copies of the library at `base` (part-0 is `base` itself) in `out`; how
    many audio files it holds. Reuses `out` when it was made the same way."""
    base_manifest = json.loads((base / ".manifest.json").read_text())
    recipe = {"base": str(base), "base_params": base_manifest["params"], "parts": parts}
    tracks = base_manifest["tracks"]
    marker = out / MANIFEST
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return parts * len(tracks)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out / "part-0", copy_function=os.link)
    flacs: list[tuple[Path, Path, int]] = []
    for part in range(1, parts):
        root = out / f"part-{part}"
        for album in base_manifest["albums"]:
            (root / album["dir"]).mkdir(parents=True, exist_ok=True)
            cover = base / album["cover"]
            if cover.exists():
                os.link(cover, root / album["cover"])
        for track in tracks:
            source, target = base / track["path"], root / track["path"]
            if track["format"] == "mp3":
                shutil.copyfile(source, target)
                rename_id3(target, part)
                change_one_frame(target, part)
                os.utime(target, (track["mtime"], track["mtime"]))
            else:
                flacs.append((source, target, part))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda job: reencode_flac(*job), flacs))
    for part in range(1, parts):
        for track in tracks:
            target = out / f"part-{part}" / track["path"]
            os.utime(target, (track["mtime"], track["mtime"]))
            os.utime(target.parent, (track["mtime"], track["mtime"]))
    marker.write_text(json.dumps(recipe))
    return parts * len(tracks)


def rename_id3(path: Path, part: int) -> None:
    """Every name in the ID3 tag gets " #part"."""
    tags = ID3(path)
    for frame_id in NAMED_ID3_FRAMES:
        frame = tags.get(frame_id)
        if frame is not None:
            frame.text = [f"{text} #{part}" for text in frame.text]
    tags.save(path, v2_version=3)


def change_one_frame(path: Path, part: int) -> None:
    """Change one byte of the main data of an MPEG-1 Layer III frame near the middle of the
    file: the payload (and the decoded audio) differ, the frame still parses."""
    data = bytearray(path.read_bytes())
    offset = len(data) // 2
    while offset + 4 < len(data):
        length = mpeg1_layer3_frame_length(data, offset)
        if length and offset + length + 1 < len(data) and data[offset + length] == 0xFF:
            side_info = 32 if data[offset + 3] >> 6 != 3 else 17  # stereo / mono
            target = offset + 4 + side_info + (length - 4 - side_info) // 2
            data[target] ^= (part % 255) + 1
            path.write_bytes(data)
            return
        offset += 1
    raise ValueError(f"no MPEG-1 Layer III frame found in the second half of {path}")


def mpeg1_layer3_frame_length(data: bytearray, offset: int) -> int:
    """The length of the MPEG-1 Layer III frame (without CRC) at `offset`, else 0."""
    if data[offset] != 0xFF or data[offset + 1] != 0xFB:  # sync, MPEG-1, Layer III, no CRC
        return 0
    bitrate, rate = data[offset + 2] >> 4, (data[offset + 2] >> 2) & 3
    if bitrate in (0, 15) or rate == 3:
        return 0
    padding = (data[offset + 2] >> 1) & 1
    return 144 * MPEG1_LAYER3_KBPS[bitrate] * 1000 // MPEG1_RATES[rate] + padding


def reencode_flac(source: Path, target: Path, part: int) -> None:
    """The FLAC again at a gain of 1 + part/1000 (its tags kept), then renamed."""
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", "1",
            "-i", str(source), "-af", f"volume={1 + part / 1000}", "-map_metadata", "0",
            "-c:a", "flac", "-fflags", "+bitexact", str(target),
        ],
        check=True,
    )  # fmt: skip
    tags = FLAC(target)
    for key in NAMED_VORBIS_KEYS:
        if key in tags:
            tags[key] = [f"{text} #{part}" for text in tags[key]]
    tags.save()
