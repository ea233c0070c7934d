"""XSPF (XML Shareable Playlist Format, xspf.org/spec): reading it safely, and writing it.

Parsed with defusedxml: a document type declaration is refused outright (XSPF needs none),
which stops entity expansion ("billion laughs"), external entities and DTD retrieval before
they start. An entry's "line" in a report is its track number (ElementTree keeps no lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from tonearm.playlists.files.models import (
    MAX_FILE_BYTES,
    MAX_FILE_ENTRIES,
    MAX_LINE_CHARS,
    FileEntry,
    InvalidPlaylistFile,
    ParsedPlaylist,
)

NAMESPACE = "http://xspf.org/ns/0/"
_NS = f"{{{NAMESPACE}}}"


def parse_xspf(data: bytes) -> ParsedPlaylist:
    """The tracks of an XSPF file; raises InvalidPlaylistFile for hostile or broken XML."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidPlaylistFile(
            f"playlist file: {len(data)} bytes, at most {MAX_FILE_BYTES} allowed"
        )
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InvalidPlaylistFile(
            f"XSPF file refused: it declares a DTD or entities ({type(error).__name__})"
        ) from None
    except ParseError as error:
        raise InvalidPlaylistFile(f"XSPF file is not well-formed XML: {error}") from None
    if _local(root.tag) != "playlist":
        raise InvalidPlaylistFile("XSPF file: the root element is not <playlist>")
    entries: list[FileEntry] = []
    track_list = _child(root, "trackList")
    tracks = [] if track_list is None else [t for t in track_list if _local(t.tag) == "track"]
    if len(tracks) > MAX_FILE_ENTRIES:
        raise InvalidPlaylistFile(
            f"playlist file: more than {MAX_FILE_ENTRIES} entries (the playlist limit)"
        )
    for number, track in enumerate(tracks, start=1):
        location = _text(track, "location")
        artist, title, album = _text(track, "creator"), _text(track, "title"), _text(track, "album")
        duration = _text(track, "duration")
        duration_ms = int(duration) if duration and duration.isdigit() else None
        label = location or " - ".join(part for part in (artist, title) if part)
        entries.append(
            FileEntry(
                line=number,
                text=label or f"track {number}",
                location=_location_as_path(location) if location else None,
                artist=artist,
                title=title,
                album=album,
                duration_ms=duration_ms or None,
            )
        )
    return ParsedPlaylist(title=_text(root, "title"), entries=entries, encoding="utf-8")


@dataclass(frozen=True, slots=True)
class XspfItem:
    """One track to write."""

    location: str | None  # a URI (see path_to_uri), or None to leave it out
    artists: tuple[str, ...]
    title: str
    album: str | None
    duration_ms: int


def write_xspf(name: str, items: Iterable[XspfItem]) -> bytes:
    """An XSPF document (UTF-8, with its XML declaration)."""
    root = Element("playlist", version="1", xmlns=NAMESPACE)
    SubElement(root, "title").text = name
    track_list = SubElement(root, "trackList")
    for item in items:
        track = SubElement(track_list, "track")
        if item.location is not None:
            SubElement(track, "location").text = item.location
        if item.artists:
            SubElement(track, "creator").text = ", ".join(item.artists)
        SubElement(track, "title").text = item.title
        if item.album:
            SubElement(track, "album").text = item.album
        SubElement(track, "duration").text = str(item.duration_ms)
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def path_to_uri(path: str, *, absolute: bool) -> str:
    """A POSIX path as an XSPF location: a file:// URL, or a relative URI reference."""
    quoted = quote(path, safe="/")
    return f"file://{quoted}" if absolute else quoted


def _location_as_path(location: str) -> str:
    # Locations are URIs: a relative reference is a percent-encoded path. URLs stay as they
    # are (locations.py reads file:// and stream URLs).
    location = location[:MAX_LINE_CHARS]
    if urlsplit(location).scheme.lower() in {"file", "http", "https"}:
        return location
    return unquote(location)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(parent: Element, name: str) -> Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _text(parent: Element, name: str) -> str | None:
    child = _child(parent, name)
    if child is None or child.text is None:
        return None
    return child.text.strip()[:MAX_LINE_CHARS] or None
