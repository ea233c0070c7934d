"""PlaylistFileService: importing and exporting playlist files, and the playlists a scan reads
from the music folders.

Scanned playlists belong to the first admin (so Subsonic apps show a real owner) and are
visible to every user: they come from the shared music folders, as the songs do, and any
user could play those songs anyway. Nobody edits them through the APIs: the file is the
playlist, and the next scan would undo the edit.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from tonearm.library.music_folders import MusicFolder
from tonearm.library.paths import display_path, path_to_text
from tonearm.playlists.files.m3u import M3uItem, parse_m3u, write_m3u
from tonearm.playlists.files.matching import SongLocator, match_entries
from tonearm.playlists.files.models import (
    MAX_FILE_BYTES,
    ExportedFile,
    ExportPaths,
    ImportResult,
    InvalidPlaylistFile,
    ParsedPlaylist,
    PlaylistFormat,
)
from tonearm.playlists.files.repository import ScannedPlaylistRepository
from tonearm.playlists.files.xspf import XspfItem, parse_xspf, path_to_uri, write_xspf
from tonearm.playlists.models import MAX_NAME_LENGTH, Playlist, PlaylistEntry, normalize_name
from tonearm.playlists.service import PlaylistService

# A music folder with more playlist files than this has them read up to this many per scan.
MAX_SCANNED_FILES = 2000
PLAYLIST_SUFFIXES = frozenset({".m3u", ".m3u8", ".xspf"})


class ExportLocator(SongLocator, Protocol):
    """SongLocator plus where songs' files are, for export."""

    async def stored_paths(self, song_ids: Sequence[UUID]) -> dict[UUID, str]:
        """The stored path text of each song read in place."""
        ...


@dataclass
class PlaylistSyncSummary:
    """What syncing one music folder's playlist files did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    unmatched_entries: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """For a job result or the CLI."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "unmatched_entries": self.unmatched_entries,
            "failures": [{"path": path, "reason": reason} for path, reason in self.failures],
        }


def parse_playlist_file(data: bytes, fmt: PlaylistFormat) -> ParsedPlaylist:
    """Parse `data` as `fmt`; raises InvalidPlaylistFile."""
    return parse_xspf(data) if fmt is PlaylistFormat.XSPF else parse_m3u(data)


def sniff_format(data: bytes, filename: str | None) -> PlaylistFormat:
    """The format by file name, else by content (XML means XSPF)."""
    named = PlaylistFormat.of_name(filename or "")
    if named is not None:
        return named
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return PlaylistFormat.XSPF if head.startswith(b"<") else PlaylistFormat.M3U8


class PlaylistFileService:
    """Playlist files in and out, and scanned playlists kept in line with their files."""

    def __init__(
        self,
        playlists: PlaylistService,
        locator: ExportLocator,
        scanned: ScannedPlaylistRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._playlists = playlists
        self._locator = locator
        self._scanned = scanned
        self._clock = clock

    async def import_file(
        self,
        owner_id: UUID,
        data: bytes,
        filename: str | None = None,
        name: str | None = None,
        base_dir: str | None = None,
    ) -> ImportResult:
        """A new playlist of `owner_id` holding the songs the file's entries match, in order,
        and a report of the entries that matched none.

        `base_dir` (a POSIX path) is where relative paths start: the file's own folder when
        it is read from disk. Raises InvalidPlaylistFile or InvalidPlaylistName.
        """
        fmt = sniff_format(data, filename)
        parsed = parse_playlist_file(data, fmt)
        matched = await match_entries(parsed.entries, self._locator, base_dir)
        title = name or parsed.title or _stem(filename) or "Imported playlist"
        contents = await self._playlists.create_playlist(
            owner_id,
            _fit_name(title),
            comment=f"Imported from {filename}" if filename else "Imported from a playlist file",
            song_ids=matched.song_ids,
        )
        return ImportResult(contents, matched.unmatched, parsed.encoding)

    async def export_playlist(
        self,
        owner_id: UUID,
        playlist_id: UUID,
        fmt: PlaylistFormat,
        paths: ExportPaths,
        folders: Sequence[MusicFolder] = (),
        base: MusicFolder | None = None,
        stream_url: Callable[[UUID], str] | None = None,
    ) -> ExportedFile:
        """The playlist as a file. Removed songs are left out; so are songs without a file
        (uploads) unless `paths` is URLS. RELATIVE paths start at `base`, or at each song's
        own music folder when it is None; URLS needs `stream_url`."""
        if paths is ExportPaths.URLS and stream_url is None:
            raise InvalidPlaylistFile("export with URLs needs an API key to put in them")
        contents = await self._playlists.get_playlist(owner_id, playlist_id)
        entries = [entry for entry in contents.entries if entry.available]
        stored = await self._locator.stored_paths([entry.song_id for entry in entries])
        locations: list[str | None] = []
        for entry in entries:
            if paths is ExportPaths.URLS and stream_url is not None:
                locations.append(stream_url(entry.song_id))
            elif entry.song_id not in stored:
                locations.append(None)
            else:
                shown = display_path(stored[entry.song_id])
                locations.append(_written_path(shown, paths, folders, base, fmt))
        name = contents.playlist.name
        skipped = len(contents.entries) - sum(1 for loc in locations if loc is not None)
        body = _write(fmt, name, entries, locations)
        return ExportedFile(body, fmt.content_type, f"{name}.{fmt.value}", skipped)

    async def sync_folder(
        self, folder: MusicFolder, all_folder_ids: Sequence[int]
    ) -> PlaylistSyncSummary:
        """Bring the folder's scanned playlists in line with its playlist files: a new file
        adds one, a changed file updates it, a file gone removes it. Entries are matched
        again each time, so songs scanned since are picked up. A file that cannot be read
        leaves its playlist as it was."""
        summary = PlaylistSyncSummary()
        summary.removed += await self._scanned.remove_outside(all_folder_ids)
        owner = await self._scanned.default_owner()
        if owner is None:
            summary.failures.append((folder.display, "no admin account to own scanned playlists"))
            return summary
        known = await self._scanned.in_folder(folder.id)
        files = await _find_playlist_files(folder.fs_path)
        seen: set[str] = set()
        for path in files:
            key = path_to_text(path)
            seen.add(key)
            try:
                parsed = await _read(path)
            except (OSError, InvalidPlaylistFile) as error:
                summary.failures.append((display_path(key), str(error)))
                continue
            base_dir = display_path(path_to_text(path.parent))
            matched = await match_entries(parsed.entries, self._locator, base_dir)
            summary.unmatched_entries += len(matched.unmatched)
            name = _fit_name(parsed.title or path.stem)
            if key in known:
                changed = await self._scanned.replace(
                    known[key], name, matched.song_ids, self._clock()
                )
                if changed:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            else:
                now = self._clock()
                await self._scanned.add(
                    Playlist(
                        id=uuid.uuid4(),
                        owner_id=owner,
                        name=name,
                        comment=f"Read from {display_path(key)}",
                        auto_generated=False,
                        created_at=now,
                        updated_at=now,
                        song_count=0,
                        duration_ms=0,
                        read_only=True,
                    ),
                    matched.song_ids,
                    key,
                    folder.id,
                )
                summary.added += 1
        gone = [playlist_id for key, playlist_id in known.items() if key not in seen]
        if gone:
            summary.removed += await self._scanned.remove(gone)
        return summary


def _write(
    fmt: PlaylistFormat,
    name: str,
    entries: Sequence[PlaylistEntry],
    locations: Sequence[str | None],
) -> bytes:
    if fmt is PlaylistFormat.XSPF:
        return write_xspf(
            name,
            (
                XspfItem(loc, e.artists, e.title, e.album, e.duration_ms)
                for e, loc in zip(entries, locations, strict=True)
                if loc is not None
            ),
        )
    text = write_m3u(
        name,
        (
            M3uItem(loc, e.artists, e.title, e.duration_ms)
            for e, loc in zip(entries, locations, strict=True)
        ),
    )
    # .m3u is read as Windows-1252 by old players; UTF-8 with no BOM is what tonearm and
    # every current player read, and keeps every name. Both get UTF-8.
    return text.encode("utf-8")


def _written_path(
    shown: str,
    paths: ExportPaths,
    folders: Sequence[MusicFolder],
    base: MusicFolder | None,
    fmt: PlaylistFormat,
) -> str:
    if paths is ExportPaths.ABSOLUTE:
        return path_to_uri(shown, absolute=True) if fmt is PlaylistFormat.XSPF else shown
    root = display_path(base.path) if base is not None else _folder_of(shown, folders)
    relative = posixpath.relpath(shown, root) if root else shown
    return path_to_uri(relative, absolute=False) if fmt is PlaylistFormat.XSPF else relative


def _folder_of(shown: str, folders: Sequence[MusicFolder]) -> str | None:
    best: str | None = None
    for folder in folders:
        root = display_path(folder.path).rstrip("/")
        if shown.startswith(root + "/") and (best is None or len(root) > len(best)):
            best = root
    return best


async def _find_playlist_files(root: Path) -> list[Path]:

    def walk() -> list[Path]:
        found: list[Path] = []
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                if os.path.splitext(name)[1].lower() in PLAYLIST_SUFFIXES:
                    found.append(Path(directory) / name)
                    if len(found) >= MAX_SCANNED_FILES:
                        return found
        return found

    return await asyncio.to_thread(walk)


async def _read(path: Path) -> ParsedPlaylist:

    def read() -> bytes:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
        return data

    data = await asyncio.to_thread(read)
    fmt = PlaylistFormat.of_name(path.name) or PlaylistFormat.M3U
    return parse_playlist_file(data, fmt)


def _stem(filename: str | None) -> str | None:
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def _fit_name(name: str) -> str:
    return normalize_name(" ".join(name.split())[:MAX_NAME_LENGTH] or "Playlist")
