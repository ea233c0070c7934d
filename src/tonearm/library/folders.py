"""Browsing by folder: the music-folder roots, and what lies directly inside a folder.

Scanned songs keep the absolute folder of their original (`songs.folder_path`, stored as
library/paths.py text). The roots are the music folders kept in the database (each with
its stable id) plus, for live songs outside all of them (left by an older version), the
outermost of their folders. Imported and uploaded songs have no folder: they appear under
one virtual root, IMPORTED_FOLDER. Names are shown readably (display_path); paths stay
the stored text, so a non-UTF-8 folder is browsed by the same exact path it was stored as.

Only folders inside a root can be listed, and a path is taken literally: it must be
absolute and normalised (no `.`, `..` or empty segments), so nothing escapes a root.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tonearm.errors import NotFound
from tonearm.library.catalog import CatalogSong
from tonearm.library.folding import sort_key
from tonearm.library.paths import display_path

# Not absolute, so it can never be a real folder path.
IMPORTED_FOLDER = "imported"
IMPORTED_NAME = "Imported"


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
