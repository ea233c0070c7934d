"""Browsing: getMusicFolders, getIndexes, getMusicDirectory, getGenres, getArtists,
getArtist, getAlbum, getSong.

Folder browsing (getIndexes, getMusicDirectory) follows the originals' real folders under
each music folder, and imported songs' virtual tree (artist, album: library/folders.py);
the ID3 methods (getArtists, getArtist, getAlbum) follow the tags. Every song's `parent`
is the directory it is listed in there.
"""

from __future__ import annotations

from tonearm.api.subsonic import ids
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.params import MAX_EPOCH_MS, parse_id
from tonearm.api.subsonic.render import Payload, compact
from tonearm.api.subsonic.responses import (
    IGNORED_ARTICLES,
    album_child,
    album_id3,
    artist_id3,
    directory_child,
    indexed,
    song_child,
)
from tonearm.errors import NotFound
from tonearm.library.catalog import AlbumDetail, ArtistSummary, CatalogSong
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folders import IMPORTED_FOLDER, IMPORTED_NAME, FolderEntry, folder_name


def _music_folder_id(root: FolderEntry) -> int | None:
    if root.path == IMPORTED_FOLDER:
        return ids.IMPORTED_MUSIC_FOLDER_ID
    return root.folder_id


async def get_music_folders(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """Each music folder by its stable id (and Imported, for songs without a folder)."""
    roots = await catalog.music_folders()
    return {
        "musicFolders": {
            "musicFolder": [
                {"id": number, "name": root.name}
                for root in roots
                if (number := _music_folder_id(root)) is not None
            ]
        }
    }


async def music_folder(call: SubsonicCall, catalog: CatalogService) -> str | None:
    """The root path that `musicFolderId` names (None: every folder); raises NotFound."""
    wanted = ids.parse_music_folder_id(call.params.get("musicFolderId"))
    if wanted is None:
        return None
    for root in await catalog.music_folders():
        if _music_folder_id(root) == wanted:
            return root.path
    raise NotFound(f"music folder {wanted} not found")


async def get_indexes(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """The top folders of the music folders by letter, and the songs right in them;
    nothing but the stamp when unchanged since `ifModifiedSince` (ms)."""
    changed = await catalog.last_changed_at()
    last_modified = int(changed.timestamp() * 1000) if changed else 0
    indexes: Payload = {"lastModified": last_modified, "ignoredArticles": IGNORED_ARTICLES}
    since = call.params.get_int("ifModifiedSince", 0, highest=MAX_EPOCH_MS) or 0
    if since and last_modified <= since:
        return {"indexes": indexes}
    chosen = await music_folder(call, catalog)
    roots = [r for r in await catalog.music_folders() if chosen is None or r.path == chosen]
    folders: list[FolderEntry] = []
    songs: list[CatalogSong] = []
    for root in roots:
        # Imported songs' root lists their artists' virtual folders (library/folders.py).
        listing = await catalog.folder(root.path, viewer=call.user.id)
        folders.extend(listing.folders)
        songs.extend(listing.songs)
    indexes["index"] = indexed(folders, _entry_name, _folder_as_artist)
    indexes["child"] = [song_child(s) for s in songs]
    return {"indexes": indexes}


def _entry_name(entry: FolderEntry) -> str:
    return entry.name


def _folder_as_artist(entry: FolderEntry) -> Payload:
    return {"id": ids.folder_id(entry.path), "name": entry.name}


async def get_music_directory(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """A folder's subfolders and songs; an artist id lists its albums, an album id its
    songs (as other servers allow)."""
    raw = call.params.require("id")
    path = ids.folder_path(raw)
    if path is not None:
        return {"directory": await _folder_directory(call, catalog, raw, path)}
    item = await catalog.album_or_artist(parse_id(raw), viewer=call.user.id)
    if isinstance(item, AlbumDetail):
        return {
            "directory": compact(
                id=raw,
                parent=str(item.album.artist_id) if item.album.artist_id else None,
                name=item.album.name,
                child=[song_child(s, parent=raw) for s in item.tracks],
            )
        }
    return {
        "directory": {
            "id": raw,
            "name": item.artist.name,
            "child": [album_child(a) for a in item.albums],
        }
    }


async def _folder_directory(
    call: SubsonicCall, catalog: CatalogService, raw: str, path: str
) -> Payload:
    listing = await catalog.folder(path, viewer=call.user.id)
    name = listing.name or (IMPORTED_NAME if path == IMPORTED_FOLDER else folder_name(path))
    return compact(
        id=raw,
        parent=ids.folder_id(listing.parent) if listing.parent else None,
        name=name,
        child=[directory_child(f, parent=raw) for f in listing.folders]
        + [song_child(s, parent=raw) for s in listing.songs],
    )


async def get_genres(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """Every genre with its song and album counts."""
    genres = await catalog.genres()
    return {
        "genres": {
            "genre": [
                {"songCount": g.song_count, "albumCount": g.album_count, "value": g.name}
                for g in genres
            ]
        }
    }


async def get_artists(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """Every artist (ID3 tags) by index letter."""
    folder = await music_folder(call, catalog)
    artists = await catalog.every_artist(folder, viewer=call.user.id)
    return {
        "artists": {
            "ignoredArticles": IGNORED_ARTICLES,
            "index": indexed(artists, _artist_name, artist_id3),
        }
    }


def _artist_name(artist: ArtistSummary) -> str:
    return artist.name


async def get_artist(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """An artist and its albums."""
    detail = await catalog.artist(call.params.get_id("id"), viewer=call.user.id)
    return {
        "artist": {
            **artist_id3(detail.artist),
            "album": [album_id3(a) for a in detail.albums],
        }
    }


async def get_album(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """An album and its songs in disc and track order."""
    detail = await catalog.album(call.params.get_id("id"), viewer=call.user.id)
    return {
        "album": {
            **album_id3(detail.album),
            "song": [song_child(s) for s in detail.tracks],
        }
    }


async def get_song(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """One song."""
    return {"song": song_child(await catalog.song(call.params.get_id("id"), viewer=call.user.id))}


__all__ = [
    "get_album",
    "get_artist",
    "get_artists",
    "get_genres",
    "get_indexes",
    "get_music_directory",
    "get_music_folders",
    "get_song",
    "music_folder",
]
