"""Finding the library song each playlist-file entry means.

In order, the first that finds one wins:
1. A tonearm stream URL: the song it names.
2. The path: an absolute path, or a relative one resolved against the playlist file's own
   folder, equal to a song's path (a scanned song's path is its music folder's path plus
   its path within it; NFC and NFD spellings both tried).
3. The path's last names: the list was made on another machine (`C:\\Users\\me\\Music\\
   Artist\\Album\\01 x.mp3` → `…/Artist/Album/01 x.mp3`), compared without case,
   separators or Unicode composition. The song whose path shares the most trailing names
   wins, at least the file name and its folder (or just the file name when that is all the
   entry has); a tie is no match.
4. The tags: artist and title folded as search folds them (library/folding.py), and the
   length within DURATION_TOLERANCE_MS when the entry gives one; the closest length wins.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from tonearm.library.folding import fold
from tonearm.library.paths import display_path, path_to_text
from tonearm.playlists.files.locations import EntryLocation, fold_name, read_location
from tonearm.playlists.files.models import DURATION_TOLERANCE_MS, FileEntry, Unmatched


@dataclass(frozen=True, slots=True)
class TagCandidate:
    """A live song as tag matching sees it: folded title and artists, and its length."""

    song_id: UUID
    title: str  # folded
    artists: str  # every artist's name folded, joined by spaces
    duration_ms: int


class SongLocator(Protocol):
    """How matching looks songs up. Implemented in adapters/db/playlist_files.py."""

    async def live_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Those of `song_ids` in the library and not removed."""
        ...

    async def songs_at(self, paths: Collection[str]) -> dict[str, UUID]:
        """Live songs whose stored path text is one of `paths`, by path."""
        ...

    async def song_paths(self) -> list[tuple[UUID, str]]:
        """Every live song read in place, with its stored path text."""
        ...

    async def songs_titled(self, titles: Collection[str]) -> list[TagCandidate]:
        """Live songs whose folded title is one of `titles`."""
        ...


@dataclass
class MatchResult:
    """The song of each matched entry in file order, and the entries left out."""

    song_ids: list[UUID] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)


async def match_entries(
    entries: Sequence[FileEntry], locator: SongLocator, base_dir: str | None = None
) -> MatchResult:
    """Match each entry; `base_dir` is the folder (a POSIX path) relative paths start from."""
    found: dict[int, UUID] = {}
    why: dict[int, str] = {}
    places = {i: read_location(e.location) for i, e in enumerate(entries) if e.location}

    await _by_stream_url(places, locator, found, why)
    await _by_path(places, locator, base_dir, found)
    await _by_trailing_names(places, locator, found, why)
    await _by_tags(entries, locator, found, why)

    result = MatchResult()
    for index, entry in enumerate(entries):
        if index in found:
            result.song_ids.append(found[index])
        else:
            reason = why.get(index) or _reason(entry, places.get(index))
            result.unmatched.append(Unmatched(entry.line, entry.text, reason))
    return result


async def _by_stream_url(
    places: dict[int, EntryLocation],
    locator: SongLocator,
    found: dict[int, UUID],
    why: dict[int, str],
) -> None:
    named = {i: p.song_id for i, p in places.items() if p.song_id is not None}
    live = await locator.live_songs(set(named.values())) if named else set()
    for index, song_id in named.items():
        if song_id in live:
            found[index] = song_id
        else:
            why[index] = "a stream URL of a song that is not in this library"


async def _by_path(
    places: dict[int, EntryLocation],
    locator: SongLocator,
    base_dir: str | None,
    found: dict[int, UUID],
) -> None:
    wanted: dict[int, list[str]] = {}
    for index, place in places.items():
        if place.remote or not place.names or (place.windows and place.absolute):
            continue  # a Windows drive path names no file here: the trailing names may
        if place.absolute:
            joined = "/" + "/".join(place.names)
        elif base_dir is not None:
            joined = posixpath.join(base_dir, *place.names)
        else:
            continue
        path = posixpath.normpath(joined)
        spellings = {path, unicodedata.normalize("NFC", path), unicodedata.normalize("NFD", path)}
        wanted[index] = [path_to_text(spelling) for spelling in spellings]
    if not wanted:
        return
    songs = await locator.songs_at({text for texts in wanted.values() for text in texts})
    for index, texts in wanted.items():
        for text in texts:
            if text in songs:
                found[index] = songs[text]
                break


async def _by_trailing_names(
    places: dict[int, EntryLocation],
    locator: SongLocator,
    found: dict[int, UUID],
    why: dict[int, str],
) -> None:
    pending = {
        i: _after_parent_steps(p.names)
        for i, p in places.items()
        if i not in found and not p.remote and p.names
    }
    pending = {i: names for i, names in pending.items() if names}
    if not pending:
        return
    by_file_name: dict[str, list[tuple[tuple[str, ...], UUID]]] = {}
    for song_id, stored in await locator.song_paths():
        names = tuple(fold_name(n) for n in display_path(stored).split("/") if n)
        if names:
            by_file_name.setdefault(names[-1], []).append((names, song_id))
    for index, names in pending.items():
        folded = tuple(fold_name(n) for n in names)
        needed = min(2, len(folded))
        best: list[UUID] = []
        best_score = 0
        for candidate, song_id in by_file_name.get(folded[-1], []):
            score = _shared_tail(folded, candidate)
            if score > best_score:
                best, best_score = [song_id], score
            elif score == best_score and song_id not in best:
                best.append(song_id)
        if best_score >= needed and len(best) == 1:
            found[index] = best[0]
        elif best_score >= needed:
            why[index] = f"{len(best)} library songs end in this path (ambiguous)"


async def _by_tags(
    entries: Sequence[FileEntry],
    locator: SongLocator,
    found: dict[int, UUID],
    why: dict[int, str],
) -> None:
    pending = {
        i: (fold(e.artist), fold(e.title))
        for i, e in enumerate(entries)
        if i not in found and e.artist and e.title
    }
    pending = {i: pair for i, pair in pending.items() if all(pair)}
    if not pending:
        return
    candidates: dict[str, list[TagCandidate]] = {}
    for candidate in await locator.songs_titled({title for _, title in pending.values()}):
        candidates.setdefault(candidate.title, []).append(candidate)
    for index, (artist, title) in pending.items():
        wanted_ms = entries[index].duration_ms
        fits = [
            c
            for c in candidates.get(title, [])
            if f" {artist} " in f" {c.artists} "
            and (wanted_ms is None or abs(c.duration_ms - wanted_ms) <= DURATION_TOLERANCE_MS)
        ]
        if fits:
            fits.sort(key=lambda c: (abs(c.duration_ms - (wanted_ms or 0)), str(c.song_id)))
            found[index] = fits[0].song_id
            why.pop(index, None)
        elif candidates.get(title) and wanted_ms is not None:
            why[index] = why.get(index) or (
                "a song with this artist and title is in the library, but its length differs"
            )


def _after_parent_steps(names: tuple[str, ...]) -> tuple[str, ...]:
    # "../x/y.flac" seen from elsewhere: only what follows the last ".." can be compared.
    for position in range(len(names) - 1, -1, -1):
        if names[position] == "..":
            return names[position + 1 :]
    return names


def _shared_tail(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    shared = 0
    for left, right in zip(reversed(a), reversed(b), strict=False):
        if left != right:
            break
        shared += 1
    return shared


def _reason(entry: FileEntry, place: EntryLocation | None) -> str:
    tags = " or by artist and title" if entry.artist and entry.title else ""
    if place is None:
        if entry.artist and entry.title:
            return "no library song by this artist and title"
        return "no location, artist or title to match by"
    if place.remote:
        return "a web address, not a file in the music folders" + (
            "; no library song by this artist and title" if tags else ""
        )
    return f"no library song at this path{tags}"
