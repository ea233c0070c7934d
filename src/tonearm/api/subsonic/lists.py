"""Album and song lists: getAlbumList, getAlbumList2, getRandomSongs, getSongsByGenre."""

from __future__ import annotations

from tonearm.api.subsonic.browsing import music_folder
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.errors import MissingParameter
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import album_child, album_id3, song_child
from tonearm.errors import InvalidInput
from tonearm.library.catalog import AlbumFilter, AlbumListType, AlbumSummary, SongFilter
from tonearm.library.catalog_service import CatalogService

MAX_LIST_SIZE = 500
MAX_YEAR = 9999


async def _album_list(call: SubsonicCall, catalog: CatalogService) -> list[AlbumSummary]:
    params = call.params
    raw_type = params.require("type")
    try:
        kind = AlbumListType(raw_type)
    except ValueError:
        choices = ", ".join(member.value for member in AlbumListType)
        raise InvalidInput(f"type {raw_type!r}: use one of {choices}") from None
    where = AlbumFilter(folder=await music_folder(call, catalog))
    if kind is AlbumListType.BY_YEAR:
        first = params.require_int("fromYear", highest=MAX_YEAR)
        last = params.require_int("toYear", highest=MAX_YEAR)
        where = AlbumFilter(folder=where.folder, from_year=first, to_year=last)
    elif kind is AlbumListType.BY_GENRE:
        where = AlbumFilter(folder=where.folder, genre=params.require("genre"))
    size = params.get_int("size", 10, minimum=1, maximum=MAX_LIST_SIZE) or 10
    offset = params.get_int("offset", 0, minimum=0) or 0
    return await catalog.album_list(kind, where, call.user.id, offset, size)


async def get_album_list(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """An album list as directories (`Child`)."""
    albums = await _album_list(call, catalog)
    return {"albumList": {"album": [album_child(a) for a in albums]}}


async def get_album_list2(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """An album list by ID3 tags (`AlbumID3`)."""
    albums = await _album_list(call, catalog)
    return {"albumList2": {"album": [album_id3(a) for a in albums]}}


async def get_random_songs(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """Up to `size` (10, at most 500) songs at random, by genre, years and music folder."""
    params = call.params
    where = SongFilter(
        genre=params.get("genre") or None,
        from_year=params.get_int("fromYear", highest=MAX_YEAR),
        to_year=params.get_int("toYear", highest=MAX_YEAR),
        folder=await music_folder(call, catalog),
    )
    size = params.get_int("size", 10, minimum=1, maximum=MAX_LIST_SIZE) or 10
    songs = await catalog.song_list(where, random=True, offset=0, limit=size, viewer=call.user.id)
    return {"randomSongs": {"song": [song_child(s) for s in songs]}}


async def get_songs_by_genre(call: SubsonicCall, catalog: CatalogService) -> Payload:
    """A page of a genre's songs by title (`count` 10, at most 500; `offset`)."""
    params = call.params
    genre = params.get("genre")
    if not genre:
        raise MissingParameter("genre")
    where = SongFilter(genre=genre, folder=await music_folder(call, catalog))
    count = params.get_int("count", 10, minimum=1, maximum=MAX_LIST_SIZE) or 10
    offset = params.get_int("offset", 0, minimum=0) or 0
    songs = await catalog.song_list(
        where, random=False, offset=offset, limit=count, viewer=call.user.id
    )
    return {"songsByGenre": {"song": [song_child(s) for s in songs]}}


__all__ = ["get_album_list", "get_album_list2", "get_random_songs", "get_songs_by_genre"]
