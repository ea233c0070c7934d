"""Playlist files against a library: matching, import, export round trips, and the scan's
read-only playlists, on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import (
    Database,
    SqlPlaylistRepository,
    SqlSongRepository,
    SqlUserRepository,
)
from tonearm.adapters.db.music_folders import SqlMusicFolderRepository
from tonearm.adapters.db.playlist_files import SqlScannedPlaylistRepository, SqlSongLocator
from tonearm.ingest.folder_scan import scan_folders
from tonearm.ingest.report import BatchSummary, IngestReporter
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.music_folders import MusicFolder
from tonearm.library.paths import path_to_text
from tonearm.playlists import PlaylistNotFound, PlaylistReadOnly, PlaylistService
from tonearm.playlists.files import ExportPaths, PlaylistFileService, PlaylistFormat
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class Library:
    """A music folder on disk with songs listed in the database as if scanned."""

    def __init__(self, database: Database, root: Path) -> None:
        self.database = database
        self.root = root
        self.songs = SqlSongRepository(database.sessions)
        self.playlists = PlaylistService(SqlPlaylistRepository(database.sessions))
        self.files = PlaylistFileService(
            self.playlists,
            SqlSongLocator(database.sessions),
            SqlScannedPlaylistRepository(database.sessions),
        )
        self.folder_repository = SqlMusicFolderRepository(database.sessions)

    async def folder(self) -> MusicFolder:
        folders = await self.folder_repository.list_folders()
        if folders:
            return folders[0]
        return await self.folder_repository.add(path_to_text(self.root), "Music", NOW)

    async def song(self, relative: str, **tags: object) -> UUID:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not really audio")
        song_id = uuid.uuid4()
        draft = make_draft(
            original_path=path_to_text(path),
            original_key=None,
            folder_path=path_to_text(path.parent),
            **tags,
        )
        await self.songs.add(song_id, draft, NOW)
        return song_id

    async def user(self, name: str, role: Role = Role.USER) -> UUID:
        user = User(uuid.uuid4(), name, role, True, NOW)
        await SqlUserRepository(self.database.sessions).add(user, "not-a-real-hash")
        return user.id


@pytest.fixture
async def library(database: Database, tmp_path: Path) -> Library:
    return Library(database, tmp_path / "music")


async def test_import_matches_paths_tails_and_tags_and_reports_the_rest(library: Library) -> None:
    alice = await library.user("alice")
    jóga = await library.song("Björk/Homogenic/02 Jóga.flac", title="Jóga", artists=("Björk",))
    nfd = await library.song(unicodedata.normalize("NFD", "Sigur Rós/Ágætis/Starálfur.flac"))
    windows = await library.song("Artist/Album/01 x.mp3")
    tagged = await library.song(
        "Elsewhere/t.ogg", title="Don't Stop Me Now", artists=("Queen",), duration_ms=209_000
    )
    await library.song("Elsewhere/u.ogg", title="Other", artists=("Queen",), duration_ms=100_000)
    absolute = library.root / "Björk/Homogenic/02 Jóga.flac"
    data = (
        "#EXTM3U\r\n"
        f"{absolute}\r\n"
        "Sigur Rós/Ágætis/Starálfur.flac\r\n"  # NFC in the list, NFD on disk
        "C:\\Users\\me\\Music\\Artist\\Album\\01 X.MP3\r\n"  # another machine, other case
        "#EXTINF:211,queen - dont stop me now\r\n"
        "D:\\lost\\track.mp3\r\n"  # no such path: found by its tags
        "#EXTINF:100,Nobody - Nothing\r\n"
        "missing/song.mp3\r\n"
        "https://radio.example/live\r\n"
        "#EXTINF:300,Queen - Other\r\n"
        "also/missing.mp3\r\n"
    ).encode()

    result = await library.files.import_file(alice, data, "Trip.m3u8", base_dir=str(library.root))

    assert [e.song_id for e in result.contents.entries] == [jóga, nfd, windows, tagged]
    assert result.contents.playlist.name == "Trip"
    assert not result.contents.playlist.read_only
    assert [(u.line, u.text) for u in result.unmatched] == [
        (8, "missing/song.mp3"),
        (9, "https://radio.example/live"),
        (11, "also/missing.mp3"),
    ]
    reasons = [u.reason for u in result.unmatched]
    assert reasons[0] == "no library song at this path or by artist and title"
    assert reasons[1].startswith("a web address")
    assert "length differs" in reasons[2]


async def test_latin1_playlist_matches_utf8_named_files(library: Library) -> None:
    alice = await library.user("alice")
    café = await library.song("Café/Déjà vu.mp3")
    data = "C:\\Music\\Café\\Déjà vu.mp3\n".encode("cp1252")
    result = await library.files.import_file(alice, data, "old.m3u")
    assert result.encoding == "cp1252"
    assert [e.song_id for e in result.contents.entries] == [café]


async def test_xspf_import_by_file_url_and_by_tags(library: Library) -> None:
    alice = await library.user("alice")
    first = await library.song("A b/1.flac")
    second = await library.song("x/2.flac", title="Night", artists=("Nina",), duration_ms=200_000)
    location = "file://" + str(library.root / "A b/1.flac").replace(" ", "%20")
    data = (
        '<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>Evening</title><trackList>'
        f"<track><location>{location}</location></track>"
        "<track><creator>Nina</creator><title>Night</title><duration>201000</duration></track>"
        "</trackList></playlist>"
    ).encode()
    result = await library.files.import_file(alice, data, "evening.xspf")
    assert result.contents.playlist.name == "Evening"
    assert [e.song_id for e in result.contents.entries] == [first, second]
    assert result.unmatched == []


@pytest.mark.parametrize("fmt", [PlaylistFormat.M3U8, PlaylistFormat.XSPF])
@pytest.mark.parametrize("paths", [ExportPaths.RELATIVE, ExportPaths.ABSOLUTE, ExportPaths.URLS])
async def test_export_then_import_gives_the_same_songs(
    library: Library, fmt: PlaylistFormat, paths: ExportPaths
) -> None:
    alice = await library.user("alice")
    ids = [
        await library.song("Ü ber/01 a & b.flac"),
        await library.song("Plain/02.mp3"),
    ]
    ids.append(ids[0])  # duplicates survive
    playlist = await library.playlists.create_playlist(alice, "Mix é", song_ids=ids)
    folder = await library.folder()

    exported = await library.files.export_playlist(
        alice,
        playlist.playlist.id,
        fmt,
        paths,
        folders=[folder],
        stream_url=lambda song_id: f"https://t.example/rest/stream.view?id={song_id}&apiKey=k",
    )

    assert exported.filename == f"Mix é.{fmt.value}"
    assert exported.skipped == 0
    text = exported.body.decode()
    if paths is ExportPaths.RELATIVE and fmt is PlaylistFormat.M3U8:
        assert "#EXTINF:180," in text and "\nÜ ber/01 a & b.flac\n" in text
    if paths is ExportPaths.ABSOLUTE and fmt is PlaylistFormat.XSPF:
        assert "<location>file:///" in text
    again = await library.files.import_file(
        alice, exported.body, exported.filename, base_dir=str(library.root)
    )
    assert [e.song_id for e in again.contents.entries] == ids
    assert again.unmatched == []


async def test_export_refuses_urls_without_a_way_to_make_them(library: Library) -> None:
    alice = await library.user("alice")
    playlist = await library.playlists.create_playlist(alice, "P")
    with pytest.raises(Exception, match="API key"):
        await library.files.export_playlist(
            alice, playlist.playlist.id, PlaylistFormat.M3U8, ExportPaths.URLS
        )


class NoSongs:
    """A FolderScanner that finds no audio (the songs are already listed)."""

    async def scan(
        self, folders: list[Path], reporter: IngestReporter | None = None
    ) -> BatchSummary:
        return BatchSummary()


async def test_scan_keeps_playlist_files_as_read_only_playlists(library: Library) -> None:
    admin = await library.user("admin", Role.ADMIN)
    bob = await library.user("bob")
    one = await library.song("A/1.flac")
    two = await library.song("A/2.flac")
    folder = await library.folder()
    folders = MusicFolderService(
        library.folder_repository, library.songs, protected=[], allowed_roots=[], clock=lambda: NOW
    )
    lists = library.root / "Lists"
    lists.mkdir()
    (lists / "mine.m3u").write_text("../A/1.flac\n")

    async def rescan() -> dict[str, object]:
        await scan_folders(NoSongs(), folders, [folder], playlist_files=library.files)
        return (await library.folder_repository.get(folder.id)).last_scan or {}

    summary = await rescan()
    assert summary["playlists"] == {
        "added": 1,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "unmatched_entries": 0,
        "failures": [],
    }
    # Every user sees it, owned by the admin; nobody may change it.
    (scanned,) = await library.playlists.list_playlists(bob)
    assert scanned.read_only and scanned.owner_id == admin and scanned.name == "mine"
    contents = await library.playlists.get_playlist(bob, scanned.id)
    assert [e.song_id for e in contents.entries] == [one]
    for attempt in (
        library.playlists.update_playlist(admin, scanned.id, name="x"),
        library.playlists.add_songs(admin, scanned.id, [two]),
        library.playlists.delete_playlist(admin, scanned.id),
        library.playlists.delete_playlist(bob, scanned.id),
    ):
        with pytest.raises(PlaylistReadOnly):
            await attempt

    assert (await rescan())["playlists"]["unchanged"] == 1  # type: ignore[index]

    (lists / "mine.m3u").write_text("#PLAYLIST:Renamed\n../A/2.flac\n../A/1.flac\n")
    assert (await rescan())["playlists"]["updated"] == 1  # type: ignore[index]
    contents = await library.playlists.get_playlist(bob, scanned.id)
    assert contents.playlist.name == "Renamed"
    assert [e.song_id for e in contents.entries] == [two, one]

    (lists / "mine.m3u").unlink()
    assert (await rescan())["playlists"]["removed"] == 1  # type: ignore[index]
    assert await library.playlists.list_playlists(bob) == []
    with pytest.raises(PlaylistNotFound):
        await library.playlists.get_playlist(bob, scanned.id)


async def test_windows_relative_paths_resolve_from_the_playlist_folder(library: Library) -> None:
    alice = await library.user("alice")
    here = await library.song("Mine/A/1.flac")
    await library.song("Other/A/1.flac")  # same trailing names: only the path tells them apart
    data = b"..\\A\\1.flac\r\n..\\..\\Other\\B\\9.flac\r\n"
    result = await library.files.import_file(
        alice, data, "list.m3u", base_dir=str(library.root / "Mine" / "Lists")
    )
    assert [e.song_id for e in result.contents.entries] == [here]
    assert [(u.line, u.reason) for u in result.unmatched] == [(2, "no library song at this path")]
    ambiguous = await library.files.import_file(alice, b"D:\\x\\A\\1.flac\n", "other.m3u")
    assert ambiguous.unmatched[0].reason == "2 library songs end in this path (ambiguous)"
