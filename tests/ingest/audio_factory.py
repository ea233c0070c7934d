"""Real audio files for tests: a sine encoded by the system ffmpeg, tagged with mutagen.

    path = make_audio_file(tmp_path, "flac", tags={"title": "Song", "artists": ["A", "B"]},
                           picture=make_image_bytes("jpeg"))

Other signals and images, all from ffmpeg's lavfi sources (the one place tests build such
commands; pass `ffmpeg=` to use another binary than the system one):

    make_signal(tmp_path / "beeps.flac", "aevalsrc=0.5*sin(2*PI*441*t):s=44100:d=3", channels=1)
    make_image(tmp_path / "cover.png", size_px=64)
    lavfi(["sine=d=2", "anoisesrc=d=2"], "-filter_complex", "amix=inputs=2", str(out))

Formats: "mp3", "flac", "ogg" (Vorbis), "opus" (Ogg Opus), "m4a" (AAC), "alac" (ALAC in
.m4a), "wav", "aiff". Tag keys are SongTags field names (see SUPPORTED_TAGS); each format
writes them the way common taggers (MusicBrainz Picard, iTunes) do. `raw_tags` writes
format-native keys as given, for what the common names cannot say ("3/12" in a Vorbis
TRACKNUMBER, an ID3 TCON of "(17)", a 2 MiB value).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import mutagen
import mutagen.apev2
import mutagen.flac
import mutagen.id3
import mutagen.mp3
import mutagen.mp4

from tonearm.ingest.models import LyricsLine

AudioFormat = Literal["mp3", "flac", "ogg", "opus", "m4a", "alac", "wav", "aiff"]
# How an MP3 is tagged; WAV and AIFF take "id3v2.4" or "id3v2.3" (their ID3 chunk), and WAV
# also "riff-info" (a LIST/INFO chunk, as Windows and ffmpeg write).
TagFormat = Literal["id3v2.4", "id3v2.3", "id3v2.2", "id3v1", "apev2", "riff-info"]
RawTags = Mapping[str, str | Sequence[str]]
# A tag writer: (path, tags by SongTags field name, picture, raw tags) -> None.
_Writer = Callable[[Path, dict[str, Any], bytes | None, RawTags], None]

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"

EXTENSIONS: dict[str, str] = {
    "mp3": ".mp3",
    "flac": ".flac",
    "ogg": ".ogg",
    "opus": ".opus",
    "m4a": ".m4a",
    "alac": ".m4a",
    "wav": ".wav",
    "aiff": ".aiff",
}
# ffmpeg output options: codec, then muxer. Opus only runs at 48 kHz.
_ENCODE: dict[str, tuple[str, ...]] = {
    "mp3": ("-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "0", "-f", "mp3"),
    "flac": ("-c:a", "flac", "-f", "flac"),
    "ogg": ("-c:a", "libvorbis", "-q:a", "2", "-f", "ogg"),
    "opus": ("-c:a", "libopus", "-b:a", "64k", "-ar", "48000", "-f", "opus"),
    "m4a": ("-c:a", "aac", "-b:a", "96k", "-f", "ipod"),
    "alac": ("-c:a", "alac", "-f", "ipod"),
    "wav": ("-c:a", "pcm_s16le", "-f", "wav"),
    "aiff": ("-c:a", "pcm_s16be", "-f", "aiff"),
}
_DEFAULT_TAG_FORMAT: dict[str, str] = {
    "mp3": "id3v2.4",
    "wav": "id3v2.4",
    "aiff": "id3v2.4",
    "flac": "vorbis",
    "ogg": "vorbis",
    "opus": "vorbis",
    "m4a": "mp4",
    "alac": "mp4",
}

SUPPORTED_TAGS = frozenset(
    {
        "title",
        "artists",  # a str or a sequence: several values in one tag
        "album",
        "album_artist",
        "track_number",
        "track_total",
        "disc_number",
        "disc_total",
        "year",  # an int, or a date string such as "2019-05-01"
        "genres",  # a str or a sequence
        "musicbrainz_recording_id",
        "musicbrainz_album_id",
        "musicbrainz_artist_id",
        "isrc",
        "lyrics",
        "synced_lyrics",  # LyricsLine or (time_ms, text): ID3 SYLT, else LRC text as lyrics
        "compilation",  # True: ID3 TCMP, MP4 cpil, Vorbis/APE COMPILATION (as iTunes, Picard)
    }
)
_ID3V1_TAGS = frozenset({"title", "artists", "album", "year", "track_number", "genres"})
_MUSICBRAINZ = "http://musicbrainz.org"


def make_audio_file(
    directory: Path,
    fmt: AudioFormat,
    *,
    seconds: float = 1.0,
    tags: Mapping[str, Any] | None = None,
    picture: bytes | None = None,
    name: str | None = None,
    tag_format: TagFormat | None = None,
    raw_tags: RawTags | None = None,
    frequency_hz: float = 440.0,
) -> Path:
    """A real `fmt` file of a `seconds`-long sine under `directory`, tagged as asked.

    - `name` may hold folders ("Artist/Album/01 Song.flac"); the default is "track" plus the
      format's extension. The muxer is chosen by `fmt`, so a wrong extension is possible.
    - Without `tags`, `picture` and `raw_tags` the file has no tags at all (not even
      ffmpeg's encoder tag).
    - `tags` uses SongTags field names (SUPPORTED_TAGS). `synced_lyrics` becomes an ID3 SYLT
      frame, and LRC text in the lyrics tag of the other formats (as taggers do there).
    - `tag_format` picks the MP3 tag: "id3v2.4" (default), "id3v2.3", "id3v2.2" (written by
      hand: mutagen reads it but cannot write it), "id3v1" alone, or "apev2" alone; for WAV
      and AIFF the ID3 chunk's version, and for WAV also "riff-info" (a LIST/INFO chunk).
    - `raw_tags` adds format-native keys after `tags`: ID3 frame ids ("TRCK", "TCON") or
      "TXXX:description", Vorbis comment names, MP4 atom names ("----:…" freeform too), APE
      item keys, or ID3v2.2 three-letter text frames.
    - `picture` is embedded as the front cover (PNG or JPEG, told apart by its bytes).

    Raises ValueError for a tag the chosen format cannot hold.
    """
    values = dict(tags or {})
    unknown = set(values) - SUPPORTED_TAGS
    if unknown:
        raise ValueError(f"unknown tags {sorted(unknown)}; use SongTags field names")
    path = directory / (name or f"track{EXTENSIONS[fmt]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _encode_sine(path, fmt, seconds, frequency_hz)
    if not values and picture is None and not raw_tags:
        return path
    chosen = tag_format or _DEFAULT_TAG_FORMAT[fmt]
    if chosen not in _writers_for(fmt):
        raise ValueError(f"{fmt} files cannot carry {chosen} tags")
    _writers_for(fmt)[chosen](path, values, picture, dict(raw_tags or {}))
    return path


def make_image_bytes(kind: Literal["jpeg", "png"] = "jpeg", size_px: int = 16) -> bytes:
    """A real, square JPEG or PNG image (ffmpeg's test pattern), to embed as cover art."""
    codec = "mjpeg" if kind == "jpeg" else "png"
    return lavfi(
        f"testsrc2=size={size_px}x{size_px}:rate=1",
        *("-frames:v", "1", "-c:v", codec, "-f", "image2pipe", "-"),
    )


FFmpegPath = str | os.PathLike[str]


def lavfi(
    sources: str | Sequence[str],
    *arguments: str,
    ffmpeg: FFmpegPath = FFMPEG,
    timeout: float = 120,
) -> bytes:
    """Run ffmpeg on the lavfi `sources` (an input each, in order), then `arguments` (more
    inputs, filters, output options and the output); returns what it wrote to stdout.

    Raises RuntimeError with ffmpeg's message when it fails.
    """
    inputs = [sources] if isinstance(sources, str) else list(sources)
    command = [str(ffmpeg), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for source in inputs:
        command += ["-f", "lavfi", "-i", source]
    result = subprocess.run(
        [*command, *arguments], capture_output=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"ffmpeg {' '.join(command[6:])} {' '.join(arguments)}: {stderr}")
    return result.stdout


def make_signal(
    path: Path,
    signal: str,
    *,
    seconds: float | None = None,
    channels: int | None = None,
    tags: Mapping[str, str] | None = None,
    options: Sequence[str] = (),
    ffmpeg: FFmpegPath = FFMPEG,
) -> Path:
    """Encode the lavfi audio `signal` into `path`: cut to `seconds`, on `channels`, with
    ffmpeg `-metadata` tags, then `options` (codec, muxer); else the suffix picks them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cut = ["-t", f"{seconds}"] if seconds is not None else []
    layout = ["-ac", str(channels)] if channels is not None else []
    metadata = [
        arg for key, value in (tags or {}).items() for arg in ("-metadata", f"{key}={value}")
    ]
    lavfi(signal, *cut, *layout, *metadata, *options, str(path), ffmpeg=ffmpeg)
    return path


def make_image(
    path: Path,
    *,
    size_px: int = 64,
    pattern: str = "testsrc2",
    options: Sequence[str] = (),
    ffmpeg: FFmpegPath = FFMPEG,
) -> Path:
    """One frame of ffmpeg's test `pattern`, square, into `path` (its suffix picks the
    format unless `options` say otherwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"{pattern}=size={size_px}x{size_px}:rate=1"
    lavfi(source, "-frames:v", "1", *options, str(path), ffmpeg=ffmpeg)
    return path


def as_lrc(lines: Sequence[LyricsLine | tuple[int, str]]) -> str:
    """LRC text (`[mm:ss.xx]text` per line) for synced lyrics."""
    out = []
    for line in map(_lyrics_line, lines):
        minutes, rest_ms = divmod(line.time_ms, 60_000)
        out.append(f"[{minutes:02d}:{rest_ms / 1000:05.2f}]{line.text}")
    return "\n".join(out)


def _encode_sine(path: Path, fmt: str, seconds: float, frequency_hz: float) -> None:
    # bitexact and -map_metadata -1 keep ffmpeg from writing its own encoder tags, so a file
    # made without tags really has none.
    lavfi(
        f"sine=frequency={frequency_hz}:sample_rate=44100:duration={seconds}",
        *("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"),
        *_ENCODE[fmt],
        str(path),
    )


def _writers_for(fmt: str) -> dict[str, _Writer]:
    if fmt == "mp3":
        return {
            "id3v2.4": _id3_writer(4),
            "id3v2.3": _id3_writer(3),
            "id3v2.2": _write_id3v22,
            "id3v1": _write_id3v1,
            "apev2": _write_apev2,
        }
    if fmt == "wav":
        return {"id3v2.4": _id3_writer(4), "id3v2.3": _id3_writer(3), "riff-info": _write_riff_info}
    if fmt == "aiff":
        return {"id3v2.4": _id3_writer(4), "id3v2.3": _id3_writer(3)}
    if fmt in ("m4a", "alac"):
        return {"mp4": _write_mp4}
    return {"vorbis": _write_vorbis}


# Value helpers.


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _lyrics_line(line: LyricsLine | tuple[int, str]) -> LyricsLine:
    return line if isinstance(line, LyricsLine) else LyricsLine(line[0], line[1])


def _pair(number: object, total: object) -> str:
    """The "number/total" form of ID3 and APE, or the number alone without a total."""
    return f"{number}/{total}" if total else str(number)


def _picture_mime(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def _lyrics_text(values: dict[str, Any]) -> str | None:
    """Plain lyrics, or the synced lines as LRC text for formats without a synced tag."""
    if "synced_lyrics" in values:
        if "lyrics" in values:
            raise ValueError("this format has one lyrics tag: give lyrics or synced_lyrics")
        return as_lrc(values["synced_lyrics"])
    return values.get("lyrics")


# ID3v2.3 and ID3v2.4 (MP3, and the ID3 chunk of WAV and AIFF).


def _id3_writer(version: int) -> _Writer:
    def write(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
        audio = mutagen.File(path)
        if audio is None or isinstance(audio, mutagen.mp3.MP3):
            tags = mutagen.id3.ID3()
            _fill_id3(tags, values, picture, raw)
            # v23_sep=None: several values stay NUL-separated in v2.3 instead of joined by "/".
            tags.save(path, v2_version=version, v23_sep=None)
            return
        audio.add_tags()
        _fill_id3(audio.tags, values, picture, raw)
        audio.save(v2_version=version, v23_sep=None)

    return write


def _fill_id3(tags: Any, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    id3 = mutagen.id3
    text_frames = {
        "title": id3.TIT2,
        "album": id3.TALB,
        "album_artist": id3.TPE2,
        "isrc": id3.TSRC,
    }
    for key, frame in text_frames.items():
        if key in values:
            tags.add(frame(encoding=3, text=_as_list(values[key])))
    if "artists" in values:
        tags.add(id3.TPE1(encoding=3, text=_as_list(values["artists"])))
    if "genres" in values:
        tags.add(id3.TCON(encoding=3, text=_as_list(values["genres"])))
    if "track_number" in values:
        tags.add(
            id3.TRCK(encoding=3, text=_pair(values["track_number"], values.get("track_total")))
        )
    if "disc_number" in values:
        tags.add(id3.TPOS(encoding=3, text=_pair(values["disc_number"], values.get("disc_total"))))
    if "year" in values:
        tags.add(id3.TDRC(encoding=3, text=str(values["year"])))
    if "musicbrainz_recording_id" in values:
        tags.add(id3.UFID(owner=_MUSICBRAINZ, data=values["musicbrainz_recording_id"].encode()))
    for key, desc in (
        ("musicbrainz_album_id", "MusicBrainz Album Id"),
        ("musicbrainz_artist_id", "MusicBrainz Artist Id"),
    ):
        if key in values:
            tags.add(id3.TXXX(encoding=3, desc=desc, text=values[key]))
    if values.get("compilation"):
        tags.add(id3.TCMP(encoding=3, text=["1"]))
    if "lyrics" in values:
        tags.add(id3.USLT(encoding=3, lang="eng", desc="", text=values["lyrics"]))
    if "synced_lyrics" in values:
        lines = [(line.text, line.time_ms) for line in map(_lyrics_line, values["synced_lyrics"])]
        tags.add(id3.SYLT(encoding=3, lang="eng", format=2, type=1, desc="", text=lines))
    if picture is not None:
        tags.add(id3.APIC(encoding=3, mime=_picture_mime(picture), type=3, desc="", data=picture))
    for key, value in raw.items():
        if key.startswith("TXXX:"):
            tags.add(id3.TXXX(encoding=3, desc=key[5:], text=_as_list(value)))
        else:
            tags.add(id3.Frames[key](encoding=3, text=_as_list(value)))


# ID3v2.2, written by hand: mutagen reads it but only writes 2.3 and 2.4.


def _write_id3v22(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    if "synced_lyrics" in values:
        raise ValueError("the ID3v2.2 writer has no synced lyrics (SLT)")
    texts = {
        "TT2": values.get("title"),
        "TP1": values.get("artists"),
        "TAL": values.get("album"),
        "TP2": values.get("album_artist"),
        "TYE": str(values["year"]) if "year" in values else None,
        "TCO": values.get("genres"),
        "TRC": values.get("isrc"),
    }
    if "track_number" in values:
        texts["TRK"] = _pair(values["track_number"], values.get("track_total"))
    if "disc_number" in values:
        texts["TPA"] = _pair(values["disc_number"], values.get("disc_total"))
    texts.update(raw)
    frames = [_v22_frame(key, _v22_text(value)) for key, value in texts.items() if value]
    for key, desc in (
        ("musicbrainz_album_id", "MusicBrainz Album Id"),
        ("musicbrainz_artist_id", "MusicBrainz Artist Id"),
    ):
        if key in values:
            frames.append(_v22_frame("TXX", _v22_text(desc) + _v22_text(values[key])[1:]))
    if "musicbrainz_recording_id" in values:
        owner = _MUSICBRAINZ.encode() + b"\0"
        frames.append(_v22_frame("UFI", owner + values["musicbrainz_recording_id"].encode()))
    if "lyrics" in values:
        # encoding, language, empty description (UTF-16: BOM + terminator), text
        body = b"\x01eng" + "".encode("utf-16") + b"\0\0" + values["lyrics"].encode("utf-16")
        frames.append(_v22_frame("ULT", body))
    if picture is not None:
        image_format = b"PNG" if picture.startswith(b"\x89PNG") else b"JPG"
        frames.append(_v22_frame("PIC", b"\x00" + image_format + b"\x03\x00" + picture))
    body = b"".join(frames)
    header = b"ID3\x02\x00\x00" + bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    audio = path.read_bytes()
    path.write_bytes(header + body + audio)


def _v22_text(value: str | Sequence[str]) -> bytes:
    """A text frame body: UTF-16 with BOM, several values separated by NUL, NUL-terminated."""
    return b"\x01" + "\0".join(_as_list(value)).encode("utf-16") + b"\0\0"


def _v22_frame(frame_id: str, body: bytes) -> bytes:
    return frame_id.encode("ascii") + len(body).to_bytes(3, "big") + body


# ID3v1: 128 bytes at the end, Latin-1, fixed widths, the genre as a number.


def _write_id3v1(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    unsupported = set(values) - _ID3V1_TAGS
    if unsupported or picture is not None or raw:
        raise ValueError(f"ID3v1 cannot hold {sorted(unsupported) or 'pictures or raw tags'}")

    def field(value: object, width: int) -> bytes:
        return str(value).encode("latin-1", "replace")[:width].ljust(width, b"\0")

    genres = _as_list(values.get("genres", []))
    genre = 255
    if genres:
        genre = int(genres[0]) if genres[0].isdigit() else mutagen.id3.TCON.GENRES.index(genres[0])
    tag = (
        b"TAG"
        + field(values.get("title", ""), 30)
        + field(_as_list(values.get("artists", []))[:1][0] if "artists" in values else "", 30)
        + field(values.get("album", ""), 30)
        + field(values.get("year", ""), 4)
        + field("", 28)
        + b"\0"
        + bytes((int(values.get("track_number", 0)),))
        + bytes((genre,))
    )
    with path.open("ab") as file:
        file.write(tag)


# RIFF INFO (WAV), written by ffmpeg's muxer from -metadata: one value per tag.

_RIFF_INFO_TAGS = {
    "title": "title",
    "artists": "artist",
    "album": "album",
    "year": "date",
    "genres": "genre",
    "track_number": "track",
}


def _write_riff_info(
    path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags
) -> None:
    unsupported = set(values) - set(_RIFF_INFO_TAGS)
    if unsupported or picture is not None or raw:
        raise ValueError(f"RIFF INFO cannot hold {sorted(unsupported) or 'pictures or raw tags'}")
    metadata = []
    for name, key in _RIFF_INFO_TAGS.items():
        if name in values:
            value = values[name]
            first = value[0] if isinstance(value, list | tuple) else value
            metadata += ["-metadata", f"{key}={first}"]
    temp = path.with_name(f"{path.stem}.info{path.suffix}")
    subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(path),
         "-c", "copy", "-fflags", "+bitexact", *metadata, str(temp)],
        check=True,
    )  # fmt: skip
    temp.replace(path)


# APEv2 (on MP3 here; the same tag as Monkey's Audio, WavPack, Musepack).


def _write_apev2(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    tags = mutagen.apev2.APEv2()
    keys = {
        "title": "Title",
        "artists": "Artist",
        "album": "Album",
        "album_artist": "Album Artist",
        "year": "Year",
        "genres": "Genre",
        "musicbrainz_recording_id": "MUSICBRAINZ_TRACKID",
        "musicbrainz_album_id": "MUSICBRAINZ_ALBUMID",
        "musicbrainz_artist_id": "MUSICBRAINZ_ARTISTID",
        "isrc": "ISRC",
    }
    for name, key in keys.items():
        if name in values:
            tags[key] = _as_list(values[name] if name != "year" else str(values[name]))
    if "track_number" in values:
        tags["Track"] = _pair(values["track_number"], values.get("track_total"))
    if "disc_number" in values:
        tags["Disc"] = _pair(values["disc_number"], values.get("disc_total"))
    if values.get("compilation"):
        tags["Compilation"] = "1"
    lyrics = _lyrics_text(values)
    if lyrics is not None:
        tags["Lyrics"] = lyrics
    if picture is not None:
        tags["Cover Art (Front)"] = mutagen.apev2.APEValue(
            b"cover.jpg\0" + picture, mutagen.apev2.BINARY
        )
    for key, value in raw.items():
        tags[key] = _as_list(value)
    tags.save(path)


# Vorbis comments (FLAC, Ogg Vorbis, Ogg Opus).

_VORBIS_KEYS = {
    "title": "TITLE",
    "artists": "ARTIST",
    "album": "ALBUM",
    "album_artist": "ALBUMARTIST",
    "track_number": "TRACKNUMBER",
    "track_total": "TRACKTOTAL",
    "disc_number": "DISCNUMBER",
    "disc_total": "DISCTOTAL",
    "year": "DATE",
    "genres": "GENRE",
    "musicbrainz_recording_id": "MUSICBRAINZ_TRACKID",
    "musicbrainz_album_id": "MUSICBRAINZ_ALBUMID",
    "musicbrainz_artist_id": "MUSICBRAINZ_ARTISTID",
    "isrc": "ISRC",
}


def _write_vorbis(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    audio: Any = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    for name, key in _VORBIS_KEYS.items():
        if name in values:
            value = values[name]
            audio.tags[key] = _as_list(
                value if isinstance(value, str | list | tuple) else str(value)
            )
    if values.get("compilation"):
        audio.tags["COMPILATION"] = "1"
    lyrics = _lyrics_text(values)
    if lyrics is not None:
        audio.tags["LYRICS"] = lyrics
    if picture is not None:
        cover = mutagen.flac.Picture()
        cover.type = 3
        cover.mime = _picture_mime(picture)
        cover.data = picture
        if isinstance(audio, mutagen.flac.FLAC):
            audio.add_picture(cover)
        else:
            audio.tags["METADATA_BLOCK_PICTURE"] = base64.b64encode(cover.write()).decode()
    for key, value in raw.items():
        audio.tags[key] = _as_list(value)
    audio.save()


# MP4 atoms (M4A with AAC or ALAC), as iTunes and Picard write them.

_ITUNES = "----:com.apple.iTunes:"
_MP4_KEYS = {
    "title": "©nam",
    "artists": "©ART",
    "album": "©alb",
    "album_artist": "aART",
    "year": "©day",
    "genres": "©gen",
    "lyrics": "©lyr",
}
_MP4_FREEFORM = {
    "musicbrainz_recording_id": "MusicBrainz Track Id",
    "musicbrainz_album_id": "MusicBrainz Album Id",
    "musicbrainz_artist_id": "MusicBrainz Artist Id",
    "isrc": "ISRC",
}


def _write_mp4(path: Path, values: dict[str, Any], picture: bytes | None, raw: RawTags) -> None:
    audio = mutagen.mp4.MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags: Any = audio.tags
    values = {**values, "lyrics": _lyrics_text(values)} if "synced_lyrics" in values else values
    for name, key in _MP4_KEYS.items():
        if values.get(name) is not None:
            value = values[name]
            tags[key] = _as_list(value if isinstance(value, str | list | tuple) else str(value))
    for name, key in _MP4_FREEFORM.items():
        if name in values:
            tags[_ITUNES + key] = [mutagen.mp4.MP4FreeForm(values[name].encode())]
    if "track_number" in values:
        tags["trkn"] = [(values["track_number"], values.get("track_total", 0))]
    if "disc_number" in values:
        tags["disk"] = [(values["disc_number"], values.get("disc_total", 0))]
    if values.get("compilation"):
        tags["cpil"] = True
    if picture is not None:
        image_format = (
            mutagen.mp4.MP4Cover.FORMAT_PNG
            if picture.startswith(b"\x89PNG")
            else mutagen.mp4.MP4Cover.FORMAT_JPEG
        )
        tags["covr"] = [mutagen.mp4.MP4Cover(picture, imageformat=image_format)]
    for key, value in raw.items():
        if key.startswith("----:"):
            tags[key] = [mutagen.mp4.MP4FreeForm(item.encode()) for item in _as_list(value)]
        else:
            tags[key] = _as_list(value)
    audio.save()
