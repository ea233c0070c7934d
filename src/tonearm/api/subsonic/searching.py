"""Searching: search2 (directories) and search3 (ID3 tags).

Songs are found by the library's song search (typo-tolerant, ranked); artists and albums
by the words of their names. An empty query (`query=""`, also sent as `""` in quotes, or
`*`) lists everything in stable pages: how full-sync apps such as Symfonium read a whole
library, 500 at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from tonearm.api.subsonic.browsing import music_folder
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import (
    album_child,
    album_id3,
    artist_id3,
    index_artist,
    song_child,
)
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong, SongFilter
from tonearm.library.catalog_service import CatalogService
from tonearm.library.search import MAX_QUERY_CHARS, LibrarySearch, SearchQuery

MAX_COUNT = 500
DEFAULT_COUNT = 20
# Sent by apps that mean "everything".
_EVERYTHING = frozenset({"", '""', "''", "*"})


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The three lists a search answers with."""

    artists: list[ArtistSummary]
    albums: list[AlbumSummary]
    songs: list[CatalogSong]


def _page(call: SubsonicCall, kind: str) -> tuple[int, int]:
    count = call.params.get_int(f"{kind}Count", DEFAULT_COUNT, minimum=0, maximum=MAX_COUNT)
    offset = call.params.get_int(f"{kind}Offset", 0, minimum=0)
    return count or 0, offset or 0


async def _search(
    call: SubsonicCall, catalog: CatalogService, search: LibrarySearch
) -> SearchResults:
    text = (call.params.get_text("query", max_length=MAX_QUERY_CHARS) or "").strip()
    everything = text in _EVERYTHING
    text = "" if everything else text
    artist_count, artist_offset = _page(call, "artist")
    album_count, album_offset = _page(call, "album")
    song_count, song_offset = _page(call, "song")
    viewer = call.user.id
    songs: list[CatalogSong] = []
    variants = None
    if song_count and everything:
        where = SongFilter(folder=await music_folder(call, catalog))
        songs = await catalog.song_list(
            where, random=False, offset=song_offset, limit=song_count, viewer=viewer
        )
    elif song_count:
        # The song search reads the words' typo variants too: the names use them.
        page = await search.songs(SearchQuery.parse(text), song_count, song_offset)
        variants = page.variants
        if page.items:
            ids = [match.id for match in page.items]
            songs = await catalog.songs_in_order(ids, viewer=viewer)
    artists, albums = await catalog.find_artists_and_albums(
        text,
        (artist_offset, artist_count),
        (album_offset, album_count),
        viewer=viewer,
        variants=variants,
    )
    return SearchResults(artists, albums, songs)


async def search2(call: SubsonicCall, search: LibrarySearch, catalog: CatalogService) -> Payload:
    """Artists, albums (as directories) and songs matching `query`."""
    found = await _search(call, catalog, search)
    return {
        "searchResult2": {
            "artist": [index_artist(a) for a in found.artists],
            "album": [album_child(a) for a in found.albums],
            "song": [song_child(s) for s in found.songs],
        }
    }


async def search3(call: SubsonicCall, search: LibrarySearch, catalog: CatalogService) -> Payload:
    """Artists, albums and songs (ID3 tags) matching `query`."""
    found = await _search(call, catalog, search)
    return {
        "searchResult3": {
            "artist": [artist_id3(a) for a in found.artists],
            "album": [album_id3(a) for a in found.albums],
            "song": [song_child(s) for s in found.songs],
        }
    }


__all__ = ["search2", "search3"]
