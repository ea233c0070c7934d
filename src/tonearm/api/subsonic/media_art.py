"""Cover art: getCoverArt, with `size` in pixels (the longer side).

A coverArt id names an album (`al-`), artist (`ar-`), song (`mf-`) or playlist (`pl-`);
a bare id is tried as an album, then a song, then an artist. Albums, artists and playlists
show the cover of their first song that has one. No cover: code 70.
"""

from __future__ import annotations

from uuid import UUID

from starlette.responses import Response

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.ids import ArtKind, CoverArtRef, parse_cover_art_id
from tonearm.errors import NotFound
from tonearm.library.catalog_service import CatalogService
from tonearm.playlists import PlaylistService
from tonearm.streaming.covers import RESIZED_TTL_SECONDS, CoverArtService

MAX_SIZE_PX = 2048
_KIND_NAMES = {ArtKind.ALBUM: "album", ArtKind.ARTIST: "artist", ArtKind.SONG: "song"}


async def get_cover_art(
    call: SubsonicCall, catalog: CatalogService, playlists: PlaylistService, covers: CoverArtService
) -> Response:
    """The cover image bytes, cacheable by apps for a week (ETag for revalidation)."""
    raw = call.params.require("id")
    size = call.params.get_int("size", None, minimum=16, maximum=MAX_SIZE_PX)
    song_id = await _cover_song(call, catalog, playlists, parse_cover_art_id(raw))
    if song_id is None:
        raise NotFound(f"cover art {raw!r} not found")
    cover = await covers.cover(song_id, size)
    headers = {
        "ETag": cover.etag,
        "Cache-Control": f"private, max-age={RESIZED_TTL_SECONDS}",
    }
    if call.request.headers.get("if-none-match") == cover.etag:
        return Response(status_code=304, headers=headers)
    return Response(cover.body, media_type=cover.content_type, headers=headers)


async def _cover_song(
    call: SubsonicCall, catalog: CatalogService, playlists: PlaylistService, ref: CoverArtRef
) -> UUID | None:
    if ref.kind is ArtKind.PLAYLIST:
        contents = await playlists.get_playlist(call.user.id, ref.item_id)
        songs = await catalog.songs_in_order([entry.song_id for entry in contents.entries])
        return next((song.id for song in songs if song.has_art), None)
    if ref.kind is not None:
        return await catalog.cover_song(_KIND_NAMES[ref.kind], ref.item_id)
    for kind in ("album", "song", "artist"):
        found = await catalog.cover_song(kind, ref.item_id)
        if found is not None:
            return found
    return None


__all__ = ["get_cover_art"]
