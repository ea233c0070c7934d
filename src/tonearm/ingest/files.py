"""Which files are music, and walking folders in a stable order with constant memory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tonearm.library.paths import path_to_text

AUDIO_EXTENSIONS = frozenset(
    {
        ".mp3",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".m4a",
        ".m4b",
        ".mp4",
        ".aac",
        ".alac",
        ".wav",
        ".wave",
        ".aif",
        ".aiff",
        ".aifc",
        ".ape",
        ".wv",
        ".mpc",
        ".wma",
        ".webm",
        ".mka",
        ".m4p",
        ".dsf",
    }
)


def is_audio_candidate(path: Path) -> bool:
    """True for names that may hold music; images, .nfo, .cue, .DS_Store are skipped."""
    return path.suffix.lower() in AUDIO_EXTENSIONS and not path.name.startswith(".")


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A music file seen on disk."""

    path: Path
    size_bytes: int
    mtime_ns: int


def walk_music(root: Path) -> Iterator[FoundFile]:
    """Every music file under `root`, in bytewise order of the full path string.

    Entries are sorted per folder with a trailing "/" on folder names, so the walk's order
    is exactly the order of the path strings: the scanner can merge it with the library's
    rows sorted the same way, holding one folder listing in memory at a time. Symlinked
    folders are not followed (no loops); hidden files and folders are skipped.
    """
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    keyed = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        keyed.append((entry.name + "/" if is_dir else entry.name, entry, is_dir))
    # The order of the names' stored text (library/paths.py), which the database sorts by.
    keyed.sort(key=lambda item: path_to_text(item[0]).encode("utf-8"))
    for _, entry, is_dir in keyed:
        path = Path(entry.path)
        if is_dir:
            yield from walk_music(path)
        elif is_audio_candidate(path):
            try:
                stat = entry.stat()
            except OSError:
                continue
            yield FoundFile(path, stat.st_size, stat.st_mtime_ns)


def walk_inputs(paths: list[Path]) -> Iterator[Path]:
    """Music files named on a command line: files as given, folders recursively."""
    for path in paths:
        if path.is_dir():
            for found in walk_music(path):
                yield found.path
        elif path.is_file():
            yield path
