"""Importing a playlist file against a library: how long matching takes, by kind of entry.

Builds a SQLite library of N songs read in place (`/srv/music/Artist k/Album k/NN Title.flac`,
added through SqlSongRepository so the search index is filled as a scan fills it), then imports
1,000-entry playlists whose entries match by:
  exact     absolute paths on this server (one IN look-up per 500 paths)
  windows   `C:\\Users\\me\\Music\\…` paths from another machine (trailing-name matching: every
            song's path is read once per import)
  tags      `#EXTINF:<secs>,Artist - Title` with paths that match nothing (the path steps
            run and fail first, then the folded-title look-up)
and prints the median of 5 imports of each.

    PYTHONPATH=src:. python bench/bench_playlist_files.py --songs 20000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.factories import make_draft

from tonearm.adapters.db import (
    Database,
    SqlPlaylistRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.adapters.db.playlist_files import SqlScannedPlaylistRepository, SqlSongLocator
from tonearm.playlists import PlaylistService
from tonearm.playlists.files import PlaylistFileService
from tonearm.users import Role, User

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ENTRIES = 1000
RUNS = 5


def song_path(n: int) -> tuple[str, str, str]:
    artist, album = f"Artist {n // 100}", f"Album {n // 10}"
    return artist, album, f"{artist}/{album}/{n % 10:02d} Title {n}.flac"


async def build(database: Database, songs: int) -> None:
    repository = SqlSongRepository(database.sessions)
    for n in range(songs):
        artist, album, relative = song_path(n)
        draft = make_draft(
            title=f"Title {n}",
            artists=(artist,),
            album=album,
            duration_ms=200_000 + n,
            original_path=f"/srv/music/{relative}",
            original_key=None,
            folder_path=f"/srv/music/{artist}/{album}",
        )
        await repository.add(uuid.uuid4(), draft, NOW)


def playlist(kind: str, songs: int) -> bytes:
    step = max(1, songs // ENTRIES)
    lines = ["#EXTM3U"]
    for n in range(0, step * ENTRIES, step):
        artist, _, relative = song_path(n % songs)
        lines.append(f"#EXTINF:{(200_000 + n % songs) // 1000},{artist} - Title {n % songs}")
        if kind == "exact":
            lines.append(f"/srv/music/{relative}")
        elif kind == "windows":
            lines.append("C:\\Users\\me\\Music\\" + relative.replace("/", "\\"))
        else:
            lines.append(f"/elsewhere/{n}.mp3")
    return ("\n".join(lines) + "\n").encode()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")
        await database.upgrade()
        started = time.perf_counter()
        await build(database, args.songs)
        print(f"library of {args.songs:,} songs built in {time.perf_counter() - started:.0f} s")
        owner = User(uuid.uuid4(), "bench", Role.USER, True, NOW)
        await SqlUserRepository(database.sessions).add(owner, "not-a-hash")
        service = PlaylistFileService(
            PlaylistService(SqlPlaylistRepository(database.sessions)),
            SqlSongLocator(database.sessions),
            SqlScannedPlaylistRepository(database.sessions),
        )
        for kind in ("exact", "windows", "tags"):
            data = playlist(kind, args.songs)
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                result = await service.import_file(owner.id, data, f"{kind}.m3u8")
                timings.append(time.perf_counter() - started)
            matched = len(result.contents.entries)
            print(
                f"{kind:8} {ENTRIES} entries: median {statistics.median(timings) * 1000:.0f} ms "
                f"(min {min(timings) * 1000:.0f}), {matched} matched"
            )
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())
