"""Browsing by folder: the music-folder roots, and what lies directly inside a folder.

Scanned songs keep the absolute folder of their original (`songs.folder_path`, stored as
library/paths.py text). The roots are the music folders kept in the database (each with
its stable id) plus, for live songs outside all of them (left by an older version), the
outermost of their folders. Imported and uploaded songs have no folder: they appear under
one virtual root, IMPORTED_FOLDER. Names are shown readably (display_path); paths stay
the stored text, so a non-UTF-8 folder is browsed by the same exact path it was stored as.

Imported songs browse as a virtual tree below IMPORTED_FOLDER: a folder per artist (the
album artist, else the first credited one), in it a folder per album and the songs that
have no album, in each album folder its songs. Their paths are `imported/<artist id>` and
`imported/<artist id>/<album id>` (`-` for a song without any artist); `song_folder` names
the folder a song is listed in, scanned or imported, so an API's "parent" can say it.

Only folders inside a root can be listed, and a path is taken literally: it must be
absolute and normalised (no `.`, `..` or empty segments), so nothing escapes a root.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from tonearm.errors import NotFound
from tonearm.library.catalog import CatalogSong
from tonearm.library.folding import sort_key
from tonearm.library.paths import display_path

# Not absolute, so it can never be a real folder path.
IMPORTED_FOLDER = "imported"
IMPORTED_NAME = "Imported"
UNKNOWN_ARTIST = "Unknown Artist"
_NO_ARTIST = "-"


@dataclass(frozen=True, slots=True)
class FolderEntry:
    """A folder in a listing, with the live songs in it and below it; a music folder's
    root has its id (`folder_id`)."""

    path: str
    name: str
    song_count: int
    folder_id: int | None = None


@dataclass(frozen=True, slots=True)
class FolderListing:
    """The roots (path None) or one folder: its direct subfolders and its own songs."""

    path: str | None
    parent: str | None  # None: go back to the roots
    folders: tuple[FolderEntry, ...]
    songs: tuple[CatalogSong, ...]
    name: str | None = None  # a virtual folder's name (an imported artist's or album's)


@dataclass(frozen=True, slots=True)
class ImportedPlace:
    """A folder of the imported tree: an artist's (album_id None) or one of its albums'."""

    artist_id: UUID | None
    album_id: UUID | None
    is_album: bool


def imported_artist_folder(artist_id: UUID | None) -> str:
    """The virtual folder of an artist's imported songs."""
    return f"{IMPORTED_FOLDER}/{artist_id or _NO_ARTIST}"


def imported_album_folder(artist_id: UUID | None, album_id: UUID) -> str:
    """The virtual folder of an artist's imported songs of one album."""
    return f"{imported_artist_folder(artist_id)}/{album_id}"


def imported_place(path: str) -> ImportedPlace | None:
    """The artist (and album) a virtual folder below IMPORTED_FOLDER names; None if `path`
    is not one."""
    parts = path.split("/")
    if parts[0] != IMPORTED_FOLDER or len(parts) not in (2, 3):
        return None
    try:
        artist = None if parts[1] == _NO_ARTIST else UUID(parts[1])
        album = UUID(parts[2]) if len(parts) == 3 else None
    except ValueError:
        return None
    place = ImportedPlace(artist, album, len(parts) == 3)
    canonical = imported_album_folder(artist, album) if album else imported_artist_folder(artist)
    return place if canonical == path else None


def song_folder(song: CatalogSong) -> str:
    """The folder a song is listed in when browsed: its real folder, or for an imported
    song its album's (or, without an album, its artist's) virtual folder."""
    if song.folder_path is not None:
        return song.folder_path
    artist = song.album_artist_id or (song.artist_ids[0] if song.artist_ids else None)
    if song.album_id is None:
        return imported_artist_folder(artist)
    return imported_album_folder(artist, song.album_id)


class FolderNotFound(NotFound):
    """The path is not a folder of the library (or lies outside every music folder)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"folder {path!r}: not in the library's music folders")


def normalized_folder(path: str) -> str | None:
    """`path` without a trailing slash if it is absolute and plain; None otherwise."""
    if not path.startswith("/") or "\0" in path:
        return None
    trimmed = path.rstrip("/") or "/"
    if posixpath.normpath(trimmed) != trimmed or trimmed.startswith("//"):
        return None
    return trimmed


def is_within(path: str, root: str) -> bool:
    """Whether `path` is `root` or below it (segment-wise: /music2 is not in /music)."""
    return path == root or path.startswith(root if root == "/" else root + "/")


def music_roots(configured: Sequence[str], folders: Iterable[str]) -> list[str]:
    """The configured roots, then the outermost `folders` that lie outside all of them."""
    roots = [p for p in dict.fromkeys(normalized_folder(c) for c in configured) if p]
    outside = sorted(f for f in folders if not any(is_within(f, r) for r in roots))
    extra: list[str] = []
    for folder in outside:  # sorted, so an ancestor comes before what it contains
        if not any(is_within(folder, kept) for kept in extra):
            extra.append(folder)
    return roots + extra


def folder_name(path: str) -> str:
    """The last segment of `path` ("/" for the filesystem root), readable for people
    (a Latin-1 name shows as "café")."""
    return display_path(posixpath.basename(path) or path)


def subfolders(path: str, counts: Mapping[str, int]) -> list[FolderEntry]:
    """The folders directly inside `path` that hold live songs, by name, with song counts."""
    prefix = path if path == "/" else path + "/"
    children: dict[str, int] = {}
    for folder, count in counts.items():
        if folder.startswith(prefix) and folder != path:
            child = prefix + folder[len(prefix) :].split("/", 1)[0]
            children[child] = children.get(child, 0) + count
    return [
        FolderEntry(child, folder_name(child), count)
        for child, count in sorted(children.items(), key=_by_folded_name)
    ]


def _by_folded_name(item: tuple[str, int]) -> tuple[str, str]:
    return sort_key(folder_name(item[0])), item[0]


def songs_within(path: str, counts: Mapping[str, int]) -> int:
    """Live songs in `path` and below."""
    return sum(count for folder, count in counts.items() if is_within(folder, path))
