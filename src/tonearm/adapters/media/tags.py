"""Read a file's tags with mutagen into bounded, text-only SongTags (blocking: run in a thread).

Containers: MP3 (ID3v2.2/2.3/2.4, ID3v1, or APEv2 when there is no ID3), FLAC, Ogg Vorbis,
Ogg Opus and Ogg FLAC (Vorbis comments), M4A with AAC or ALAC (MP4 atoms), WAV and AIFF (an ID3
chunk), and the APEv2 containers (Monkey's Audio, WavPack, Musepack). Also the LRC lyrics format,
for a `.lrc` file beside the audio and for lyrics tags written in it.

Before mutagen parses anything, the sizes that tag headers claim are checked against the file
and against MAX_TAG_BLOCK_BYTES, so a header claiming 200 MB in a 50 KB file is refused without
reading (or allocating) what it claims.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mutagen
import mutagen.apev2
import mutagen.flac
import mutagen.id3
import mutagen.mp4
import structlog

from tonearm.adapters.media.tag_sizes import (
    MAX_TAG_BLOCK_BYTES,
    check_tag_sizes,
    describe_size,
    read_at,
)
from tonearm.ingest.models import EmbeddedPicture, IngestError, LyricsLine, SongTags
from tonearm.ingest.tags import (
    GENRE_SEPARATORS,
    MAX_LRC_LINES,
    MAX_LYRICS_CHARS,
    MAX_NAMES,
    MAX_TEXT_CHARS,
    RELEASE_TYPE_SEPARATORS,
    ROLE_SEPARATORS,
    canonical_isrc,
    canonical_mbid,
    clean_text,
    parse_bpm,
    parse_date,
    parse_lrc,
    parse_number_pair,
    parse_year,
    split_values,
)
from tonearm.library.models import Contributor

__all__ = [
    "MAX_PICTURE_BYTES",
    "MAX_TAG_BLOCK_BYTES",
    "MAX_TAG_VALUE_BYTES",
    "parse_lrc",
    "read_lrc_file",
    "read_tags",
]

log = structlog.get_logger(__name__)

MAX_TAG_VALUE_BYTES = 1024 * 1024  # one text value; more is a tag bomb, not a title
MAX_PICTURE_BYTES = 20 * 1024 * 1024
MAX_LRC_FILE_BYTES = 1024 * 1024
_FRONT_COVER = 3  # the ID3/FLAC picture type "Cover (front)"

# Errors mutagen raises on malformed tags besides its own MutagenError (older code paths let
# these through); MemoryError is left alone on purpose.
_PARSE_ERRORS = (
    mutagen.MutagenError,
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    EOFError,
    OverflowError,
)

_CONTAINERS = {
    "MP3": "mp3",
    "EasyMP3": "mp3",
    "FLAC": "flac",
    "OggVorbis": "ogg",
    "OggFLAC": "ogg",
    "OggSpeex": "ogg",
    "OggTheora": "ogg",
    "OggOpus": "opus",
    "MP4": "m4a",
    "EasyMP4": "m4a",
    "WAVE": "wav",
    "AIFF": "aiff",
    "AAC": "aac",
    "AC3": "ac3",
    "ASF": "wma",
    "MonkeysAudio": "ape",
    "WavPack": "wv",
    "Musepack": "mpc",
    "TrueAudio": "tta",
    "OptimFROG": "ofr",
    "DSF": "dsf",
    "DSDIFF": "dff",
}


def read_tags(path: Path) -> SongTags:
    """The tags of the audio file at `path`, cleaned and bounded (blocking).

    Whether a file is audio is ffmpeg's call, not this function's: a file mutagen cannot
    identify, or whose tags it cannot parse, gives empty tags (only `container` set, from the
    container mutagen found or else the lower-case extension) and a `tags.unreadable` log
    event. So a PNG named `.mp3` gives `SongTags(container="mp3")`.

    Raises IngestError only when the file cannot be opened or read, and for tag bombs:
    a tag header claiming a size past the end of the file (or its chunk), a whole tag over
    MAX_TAG_BLOCK_BYTES, one text value over MAX_TAG_VALUE_BYTES, or a picture over
    MAX_PICTURE_BYTES. Text is then cleaned and cut by `tonearm.ingest.tags.clean_text`
    (500 characters, lyrics 100,000); at most MAX_NAMES artists and genres are kept.
    """
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            check_tag_sizes(path, file, size)
    except OSError as error:
        raise IngestError(path, f"cannot read file ({error.strerror or error})") from None
    fallback_container = path.suffix.lstrip(".").lower()
    try:
        audio = mutagen.File(path)
    except _PARSE_ERRORS as error:
        log.warning("tags.unreadable", path=str(path), error=str(error))
        found = _read_bare_tags(path)
        return _song_tags(found, fallback_container)
    if audio is None:
        return _song_tags(_read_bare_tags(path), fallback_container)
    container = _CONTAINERS.get(type(audio).__name__, fallback_container)
    found = _Found()
    tags = audio.tags
    if isinstance(tags, mutagen.id3.ID3):
        _read_id3(path, tags, found)
    elif isinstance(tags, mutagen.mp4.MP4Tags):
        _read_mp4(path, tags, found)
    elif isinstance(tags, mutagen.apev2.APEv2):
        _read_ape(path, tags, found)
    elif tags is not None and hasattr(tags, "vendor"):  # Vorbis comments: FLAC and Ogg
        _read_vorbis(path, tags, found)
    elif container == "wav":
        _read_riff_info(path, found)  # a WAV without an ID3 chunk
    else:
        found = _read_bare_tags(path)  # e.g. an MP3 whose only tag is APEv2
    for picture in getattr(audio, "pictures", ()):  # FLAC picture blocks
        _add_flac_picture(path, picture, found)
    sample_rate, bit_depth, channels = _stream_format(audio, container)
    return dataclasses.replace(
        _song_tags(found, container),
        duration_ms=_stream_length_ms(audio),
        sample_rate=sample_rate,
        bit_depth=bit_depth,
        channels=channels,
    )


def _stream_length_ms(audio: Any) -> int | None:
    """The length in the stream headers, for phase 1 of a scan; None when unknown or absurd."""
    length = getattr(getattr(audio, "info", None), "length", None)
    if not isinstance(length, int | float) or not 0 < length < 1e7:
        return None
    return round(length * 1000)


# Containers whose samples have a bit depth worth showing (lossy codecs have none).
_LOSSLESS_CONTAINERS = {"flac", "wav", "aiff", "ape", "wv", "tta", "ofr", "dsf", "dff"}


def _stream_format(audio: Any, container: str) -> tuple[int | None, int | None, int | None]:
    """(sample rate, bit depth, channels) from the stream headers; None where unknown."""
    info = getattr(audio, "info", None)

    def bounded(name: str, limit: int) -> int | None:
        value = getattr(info, name, None)
        return value if isinstance(value, int) and 0 < value <= limit else None

    lossless = container in _LOSSLESS_CONTAINERS or getattr(info, "codec", None) == "alac"
    if container == "ogg" and type(audio).__name__ != "OggFLAC":
        lossless = False
    return (
        bounded("sample_rate", 1_000_000),
        bounded("bits_per_sample", 64) if lossless else None,
        # An AAC sample entry's channel count is a placeholder (2 for mono): left unknown.
        None if str(getattr(info, "codec", "")).startswith("mp4a") else bounded("channels", 64),
    )


def read_lrc_file(path: Path) -> tuple[LyricsLine, ...]:
    """The synced lyrics of an LRC file (blocking); () when it cannot be read.

    Only the first MAX_LRC_FILE_BYTES are read. The text is UTF-8 (with or without a BOM),
    else Latin-1, which older LRC files use.
    """
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_LRC_FILE_BYTES + 1)
    except OSError as error:
        log.warning("lyrics.unreadable", path=str(path), error=str(error))
        return ()
    if len(raw) > MAX_LRC_FILE_BYTES:
        # Cut at a line end, so the last line and any UTF-8 sequence stay whole.
        raw = raw[: raw.rfind(b"\n", 0, MAX_LRC_FILE_BYTES) + 1]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_lrc(text)


@dataclass
class _Found:
    """What one tag format yielded, before it is cleaned and bounded."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    pictures: list[tuple[bool, str | None, bytes]] = field(default_factory=list)  # front?
    synced: list[LyricsLine] = field(default_factory=list)

    def add(self, name: str, values: Iterable[object]) -> None:
        """Keep `values` (already size-checked) under the common field `name`."""
        self.fields.setdefault(name, []).extend(str(value) for value in values)


# mutagen is only partly annotated, so its tag objects are passed around as Any.

# Common field name -> the keys each format uses for it (Vorbis and APE keys are
# case-insensitive in mutagen; ID3 text frames and TXXX descriptions are as written).
_VORBIS_KEYS = {
    "title": ("TITLE",),
    "artist": ("ARTIST",),
    "artists": ("ARTISTS",),
    "album": ("ALBUM",),
    "albumartist": ("ALBUMARTIST", "ALBUM ARTIST"),
    "track": ("TRACKNUMBER",),
    "tracktotal": ("TRACKTOTAL", "TOTALTRACKS"),
    "disc": ("DISCNUMBER",),
    "disctotal": ("DISCTOTAL", "TOTALDISCS"),
    "date": ("DATE", "YEAR", "ORIGINALDATE"),
    "genre": ("GENRE",),
    "mb_recording": ("MUSICBRAINZ_TRACKID",),
    "mb_album": ("MUSICBRAINZ_ALBUMID",),
    "mb_artist": ("MUSICBRAINZ_ARTISTID",),
    "isrc": ("ISRC",),
    "lyrics": ("LYRICS", "UNSYNCEDLYRICS"),
    "compilation": ("COMPILATION",),
    "mb_albumartist": ("MUSICBRAINZ_ALBUMARTISTID",),
    "titlesort": ("TITLESORT",),
    "artistsort": ("ARTISTSORT",),
    "albumartistsort": ("ALBUMARTISTSORT",),
    "albumsort": ("ALBUMSORT",),
    "bpm": ("BPM",),
    "comment": ("COMMENT", "DESCRIPTION"),
    "composer": ("COMPOSER",),
    "lyricist": ("LYRICIST",),
    "conductor": ("CONDUCTOR",),
    "arranger": ("ARRANGER",),
    "remixer": ("REMIXER",),
    "performer": ("PERFORMER",),  # "Name (instrument)"
    "originaldate": ("ORIGINALDATE", "ORIGINALYEAR"),
    "releasetype": ("RELEASETYPE", "MUSICBRAINZ_ALBUMTYPE"),
    "label": ("LABEL", "ORGANIZATION", "PUBLISHER"),
    "mood": ("MOOD",),
}
_APE_KEYS = {
    **_VORBIS_KEYS,
    "track": ("TRACK", "TRACKNUMBER"),
    "disc": ("DISC", "DISCNUMBER"),
    "date": ("YEAR", "DATE"),
}
_ID3_KEYS = {
    "title": ("TIT2",),
    "artist": ("TPE1",),
    "artists": ("TXXX:ARTISTS",),
    "album": ("TALB",),
    "albumartist": ("TPE2",),
    "track": ("TRCK",),
    "tracktotal": ("TXXX:TRACKTOTAL", "TXXX:TOTALTRACKS"),
    "disc": ("TPOS",),
    "disctotal": ("TXXX:DISCTOTAL", "TXXX:TOTALDISCS"),
    "date": ("TDRC", "TDOR"),
    "mb_album": ("TXXX:MusicBrainz Album Id",),
    "mb_artist": ("TXXX:MusicBrainz Artist Id",),
    "isrc": ("TSRC",),
    "compilation": ("TCMP", "TXXX:COMPILATION"),  # TCMP: iTunes' frame, not in the standard
    "mb_albumartist": ("TXXX:MusicBrainz Album Artist Id",),
    "titlesort": ("TSOT",),
    "artistsort": ("TSOP",),
    "albumartistsort": ("TSO2", "TXXX:ALBUMARTISTSORT"),
    "albumsort": ("TSOA",),
    "bpm": ("TBPM",),
    "composer": ("TCOM",),
    "lyricist": ("TEXT",),
    "conductor": ("TPE3",),
    "remixer": ("TPE4",),
    # mutagen turns ID3v2.3's TORY into TDOR when it loads a tag.
    "originaldate": ("TDOR", "TXXX:ORIGINALDATE", "TXXX:ORIGINALYEAR"),
    "releasetype": ("TXXX:MusicBrainz Album Type", "TXXX:RELEASETYPE"),
    "label": ("TPUB", "TXXX:LABEL"),
    "mood": ("TMOO", "TXXX:MOOD"),
}
# TIPL (ID3v2.3's IPLS, upgraded on load) pairs an involvement with a name.
_ID3_INVOLVEMENTS = {"arranger": "arranger", "mix": "remixer", "producer": "producer"}
_ITUNES = "----:com.apple.iTunes:"
_MP4_KEYS = {
    "title": ("©nam",),
    "artist": ("©ART",),
    "artists": (_ITUNES + "ARTISTS",),
    "album": ("©alb",),
    "albumartist": ("aART",),
    "date": ("©day",),
    "genre": ("©gen",),
    "mb_recording": (_ITUNES + "MusicBrainz Track Id",),
    "mb_album": (_ITUNES + "MusicBrainz Album Id",),
    "mb_artist": (_ITUNES + "MusicBrainz Artist Id",),
    "isrc": (_ITUNES + "ISRC",),
    "lyrics": ("©lyr",),
    "mb_albumartist": (_ITUNES + "MusicBrainz Album Artist Id",),
    "titlesort": ("sonm",),
    "artistsort": ("soar",),
    "albumartistsort": ("soaa",),
    "albumsort": ("soal",),
    "bpm": ("tmpo",),
    "comment": ("©cmt",),
    "composer": ("©wrt",),
    "lyricist": (_ITUNES + "LYRICIST",),
    "conductor": (_ITUNES + "CONDUCTOR",),
    "arranger": (_ITUNES + "ARRANGER",),
    "remixer": (_ITUNES + "REMIXER",),
    "originaldate": (_ITUNES + "originaldate", _ITUNES + "ORIGINALDATE", _ITUNES + "originalyear"),
    "releasetype": (_ITUNES + "MusicBrainz Album Type", _ITUNES + "RELEASETYPE"),
    "label": (_ITUNES + "LABEL",),
    "mood": (_ITUNES + "MOOD",),
}


def _read_id3(path: Path, tags: Any, found: _Found) -> None:
    for frame in tags.values():
        _check_id3_frame(path, frame)
    for name, keys in _ID3_KEYS.items():
        for key in keys:
            found.add(name, (str(text) for text in getattr(tags.get(key), "text", ())))
    for frame in tags.getall("TCON"):
        found.add("genre", frame.genres)  # "(17)" and ID3v1's "17" are "Rock"
    for frame in tags.getall("UFID"):
        if frame.owner == "http://musicbrainz.org":
            found.add("mb_recording", [frame.data.decode("ascii", "replace")])
    found.add("lyrics", (frame.text for frame in tags.getall("USLT")))
    # Comments, except the ones iTunes fills with its own data (iTunNORM, iTunSMPB, ...).
    comments = [frame for frame in tags.getall("COMM") if not frame.desc.startswith("iTun")]
    for frame in sorted(comments, key=lambda frame: frame.desc != ""):
        found.add("comment", (str(text) for text in frame.text))
    for frame in tags.getall("TIPL"):
        for involvement, name in frame.people:
            role = _ID3_INVOLVEMENTS.get(str(involvement).strip().lower())
            if role is not None:
                found.add(role, [name])
    for frame in tags.getall("TMCL"):  # musician credits: instrument, name
        for instrument, name in frame.people:
            found.add("performer", [f"{name} ({instrument})" if instrument else name])
    for frame in tags.getall("SYLT"):
        # Format 2 is milliseconds; format 1 counts MPEG frames, which need the frame
        # duration to mean anything, so those are left out.
        if frame.format == 2 and not found.synced:
            found.synced = [LyricsLine(time, text) for text, time in frame.text]
    for frame in tags.getall("APIC"):
        found.pictures.append((frame.type == _FRONT_COVER, frame.mime, frame.data))


def _check_id3_frame(path: Path, frame: Any) -> None:
    if frame.FrameID == "APIC":  # ID3v2.2's PIC is upgraded to APIC on load
        _check_picture(path, frame.FrameID, len(frame.data))
        return
    text = getattr(frame, "text", None)
    values = [text] if isinstance(text, str) else text or []
    for value in values:
        # SYLT holds (text, time) pairs; TDRC holds time stamps.
        text_value = value[0] if isinstance(value, tuple) else value
        _check_value(path, frame.FrameID, str(text_value))


def _read_vorbis(path: Path, tags: Any, found: _Found) -> None:
    for key, value in tags:
        if key.upper() in ("METADATA_BLOCK_PICTURE", "COVERART"):
            # Base64 makes 3 bytes into 4 characters.
            _check_picture(path, key, len(value) * 3 // 4)
        else:
            _check_value(path, key, value)
    for name, keys in _VORBIS_KEYS.items():
        for key in keys:
            found.add(name, tags.get(key, ()))
    for value in tags.get("METADATA_BLOCK_PICTURE", ()):
        try:
            picture: Any = mutagen.flac.Picture(base64.b64decode(value))  # type: ignore[no-untyped-call]
        except (binascii.Error, *_PARSE_ERRORS):
            continue  # a broken picture is no reason to lose the other tags
        _add_flac_picture(path, picture, found)
    mime = next(iter(tags.get("COVERARTMIME", ())), None)
    for value in tags.get("COVERART", ()):
        try:
            found.pictures.append((False, mime, base64.b64decode(value)))
        except binascii.Error:
            continue


def _add_flac_picture(path: Path, picture: Any, found: _Found) -> None:
    _check_picture(path, "picture", len(picture.data))
    found.pictures.append((picture.type == _FRONT_COVER, picture.mime, picture.data))


def _read_mp4(path: Path, tags: Any, found: _Found) -> None:
    for key, values in tags.items():
        if not isinstance(values, list):
            continue  # a flag atom (cpil, pgap, pcst): a bool, nothing to bound
        for value in values:
            if key == "covr":
                _check_picture(path, key, len(value))
            elif isinstance(value, str | bytes):
                _check_value(path, key, value)
    for name, keys in _MP4_KEYS.items():
        for key in keys:
            found.add(name, (_mp4_text(value) for value in tags.get(key, ())))
    for key, number, total in (("trkn", "track", "tracktotal"), ("disk", "disc", "disctotal")):
        for pair in tags.get(key, ()):
            found.add(number, [pair[0]])
            found.add(total, [pair[1]] if len(pair) > 1 and pair[1] else [])
    if tags.get("cpil") is True:
        found.add("compilation", ["1"])
    for cover in tags.get("covr", ()):
        png = cover.imageformat == mutagen.mp4.MP4Cover.FORMAT_PNG
        found.pictures.append((True, "image/png" if png else "image/jpeg", bytes(cover)))


def _mp4_text(value: object) -> str:
    # Freeform atoms (----:com.apple.iTunes:…) hold UTF-8 bytes.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _read_ape(path: Path, tags: Any, found: _Found) -> None:
    for key, value in tags.items():
        if value.kind == mutagen.apev2.BINARY:
            if key.lower().startswith("cover art"):
                _check_picture(path, key, len(value.value))
                # The value is "file name\0image bytes".
                _, _, data = value.value.partition(b"\0")
                found.pictures.append(("(front)" in key.lower(), None, data))
        else:
            _check_value(path, key, str(value))
    for name, keys in _APE_KEYS.items():
        for key in keys:
            value = tags.get(key)
            if value is not None and value.kind == mutagen.apev2.TEXT:
                found.add(name, [str(value)])  # "\0" between values, split later


def _read_bare_tags(path: Path) -> _Found:
    """Tags when mutagen knows no container for the file: an ID3v2 or APEv2 tag alone."""
    found = _Found()
    for load in (mutagen.id3.ID3, mutagen.apev2.APEv2):
        try:
            tags = load(path)
        except _PARSE_ERRORS:
            continue
        if isinstance(tags, mutagen.id3.ID3):
            _read_id3(path, tags, found)
        else:
            _read_ape(path, tags, found)
        return found
    return found


_RIFF_INFO_KEYS = {
    b"INAM": "title",
    b"IART": "artist",
    b"IPRD": "album",
    b"ICRD": "date",
    b"IGNR": "genre",
    b"IPRT": "track",
    b"ITRK": "track",
}


def _read_riff_info(path: Path, found: _Found) -> None:
    """The LIST/INFO chunk that Windows and ffmpeg write in a WAV (mutagen reads only ID3)."""
    with path.open("rb") as file:
        offset = 12
        for _ in range(10_000):
            header = read_at(file, offset, 12)
            if len(header) < 12:
                return
            chunk_size = struct.unpack("<I", header[4:8])[0]
            if header[:4] == b"LIST" and header[8:] == b"INFO":
                # The size was checked against the file and the limit before mutagen ran.
                data = read_at(file, offset + 12, max(chunk_size - 4, 0))
                break
            offset += 8 + chunk_size + (chunk_size & 1)
        else:
            return
    position = 0
    while position + 8 <= len(data):
        key, length = (
            data[position : position + 4],
            struct.unpack("<I", data[position + 4 : position + 8])[0],
        )
        raw = data[position + 8 : position + 8 + length].split(b"\0", 1)[0]
        position += 8 + length + (length & 1)
        if key in _RIFF_INFO_KEYS:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # INFO predates UTF-8: often a Windows code page
            _check_value(path, key.decode("latin-1"), text)
            found.add(_RIFF_INFO_KEYS[key], [text])


def _check_value(path: Path, key: str, value: str | bytes) -> None:
    # A str of n characters is at most 4n bytes of UTF-8; count exactly only near the limit.
    size = len(value)
    if isinstance(value, str) and size * 4 > MAX_TAG_VALUE_BYTES:
        size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_TAG_VALUE_BYTES:
        raise IngestError(
            path,
            f"tag bomb: {key} value of {describe_size(size)} is over the "
            f"{describe_size(MAX_TAG_VALUE_BYTES)} limit",
        )


def _check_picture(path: Path, key: str, size: int) -> None:
    if size > MAX_PICTURE_BYTES:
        raise IngestError(
            path,
            f"tag bomb: {key} picture of {describe_size(size)} is over the "
            f"{describe_size(MAX_PICTURE_BYTES)} limit",
        )


def _song_tags(found: _Found, container: str) -> SongTags:
    def first(name: str) -> str | None:
        return next(iter(_texts(found.fields.get(name, ()))), None)

    def names(name: str) -> tuple[str, ...]:
        unique = dict.fromkeys(_texts(found.fields.get(name, ())))
        return tuple(unique)[:MAX_NAMES]

    track, track_total = parse_number_pair(first("track"))
    disc, disc_total = parse_number_pair(first("disc"))
    lyrics = next(iter(_texts(found.fields.get("lyrics", ()), multiline=True)), None)
    synced = tuple(
        LyricsLine(line.time_ms, clean_text(line.text) or "")
        for line in sorted(found.synced, key=lambda line: line.time_ms)[:MAX_LRC_LINES]
    )
    if lyrics is not None and not synced and (synced := parse_lrc(lyrics)):
        # An LRC text in a lyrics tag: the timed lines, and the words alone as plain lyrics.
        lyrics = clean_text(
            "\n".join(line.text for line in synced if line.text), MAX_LYRICS_CHARS, multiline=True
        )
    return SongTags(
        container=container,
        title=first("title"),
        artists=names("artists") or names("artist"),
        album=first("album"),
        album_artist=first("albumartist"),
        track_number=track,
        track_total=track_total or parse_number_pair(first("tracktotal"))[0],
        disc_number=disc,
        disc_total=disc_total or parse_number_pair(first("disctotal"))[0],
        year=parse_year(first("date")),
        genres=split_values(names("genre"), GENRE_SEPARATORS),
        musicbrainz_recording_id=canonical_mbid(first("mb_recording")),
        musicbrainz_album_id=canonical_mbid(first("mb_album")),
        musicbrainz_artist_id=canonical_mbid(first("mb_artist")),
        isrc=canonical_isrc(first("isrc")),
        compilation=(first("compilation") or "").lower() in ("1", "true", "yes"),
        musicbrainz_album_artist_id=canonical_mbid(first("mb_albumartist")),
        title_sort=first("titlesort"),
        artist_sort=first("artistsort"),
        album_artist_sort=first("albumartistsort"),
        album_sort=first("albumsort"),
        bpm=parse_bpm(first("bpm")),
        comment=next(iter(_texts(found.fields.get("comment", ()), multiline=True)), None),
        contributors=_contributors(found),
        original_date=parse_date(first("originaldate")),
        release_types=split_values(names("releasetype"), RELEASE_TYPE_SEPARATORS),
        record_labels=names("label"),
        moods=split_values(names("mood"), GENRE_SEPARATORS),
        lyrics=lyrics,
        synced_lyrics=synced,
        picture=_best_picture(found.pictures),
    )


_CONTRIBUTOR_ROLES = ("composer", "lyricist", "conductor", "arranger", "remixer", "producer")
_PERFORMER = re.compile(r"^(?P<name>.*?\S)\s*\((?P<instrument>[^()]+)\)$")


def _contributors(found: _Found) -> tuple[Contributor, ...]:
    """Everyone credited for a role, in role order then tag order, each (role, name) once."""
    credits: dict[tuple[str, str, str | None], None] = {}
    for role in _CONTRIBUTOR_ROLES:
        values = tuple(dict.fromkeys(_texts(found.fields.get(role, ()))))
        for name in split_values(values, ROLE_SEPARATORS)[:MAX_NAMES]:
            credits.setdefault((role, name, None))
    for value in tuple(dict.fromkeys(_texts(found.fields.get("performer", ()))))[:MAX_NAMES]:
        match = _PERFORMER.match(value)
        if match is None:
            credits.setdefault(("performer", value, None))
        else:
            instrument = match.group("instrument").strip().lower()
            credits.setdefault(("performer", match.group("name"), instrument))
    return tuple(Contributor(role, name, sub_role) for role, name, sub_role in credits)


def _texts(values: Iterable[str], *, multiline: bool = False) -> Iterator[str]:
    """Each cleaned, non-empty value; "\\0" separates values (ID3v2.4, APEv2), so it splits."""
    limit = MAX_LYRICS_CHARS if multiline else MAX_TEXT_CHARS
    for value in values:
        for part in value.split("\0"):
            text = clean_text(part, limit, multiline=multiline)
            if text is not None:
                yield text


_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
)


def _best_picture(pictures: list[tuple[bool, str | None, bytes]]) -> EmbeddedPicture | None:
    """The front cover if there is one, else the first picture."""
    for _front, mime, data in sorted(pictures, key=lambda picture: not picture[0]):
        if not data:
            continue
        # The bytes say what the image is better than tags do (ID3v2.2 writes "JPG").
        sniffed = next((kind for magic, kind in _IMAGE_SIGNATURES if data.startswith(magic)), None)
        if sniffed is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            sniffed = "image/webp"
        declared = clean_text(mime or "", 100)
        usable = declared if declared and declared.startswith("image/") else None
        return EmbeddedPicture(data=bytes(data), mime_type=sniffed or usable)
    return None
