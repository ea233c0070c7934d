"""Information methods from tonearm's own data: getArtistInfo(2), getAlbumInfo(2),
getSimilarSongs(2), getTopSongs, getAvatar.

No outside sources: biography, notes and Last.fm links are sent empty (strict clients
require the fields), `musicBrainzId` too when unknown. Similar artists share genres
in this library; similar songs share an artist or genre; top songs are the most played
here. Image URLs are signed cover URLs (they work without credentials, like Last.fm's).
Podcasts are in podcasts.py, internet radio in radio.py.
"""

from __future__ import annotations

from starlette.responses import Response

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.entries import song_entries
from tonearm.api.subsonic.ids import folder_path
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import artist_id3, index_artist
from tonearm.library.info import MusicInfo
from tonearm.library.related import RelatedMusic
from tonearm.users.avatars import DEFAULT_AVATAR_PX, AvatarService

# The three image sizes apps ask for; the nearest stored cover at least this big is used.
IMAGE_SIZES_PX = {"smallImageUrl": 64, "mediumImageUrl": 300, "largeImageUrl": 600}
DEFAULT_SIMILAR_ARTISTS = 20
DEFAULT_SIMILAR_SONGS = 50
DEFAULT_TOP_SONGS = 50


def _image_urls(call: SubsonicCall, paths: dict[int, str]) -> Payload:
    return {name: call.base_url + paths[size] for name, size in IMAGE_SIZES_PX.items() if paths}


def info_text(text_key: str, musicbrainz_id: str | None, images: Payload) -> Payload:
    """The text fields of an artist's or album's info, in the XSD's order: unknown ones empty."""
    return {text_key: "", "musicBrainzId": musicbrainz_id or "", "lastFmUrl": "", **images}


async def _artist_info(call: SubsonicCall, info: MusicInfo, *, id3: bool) -> Payload:
    if folder_path(call.params.require("id")) is not None:
        return info_text("biography", None, {})  # a folder has nothing to tell
    count = call.params.get_int("count", DEFAULT_SIMILAR_ARTISTS, minimum=0, maximum=500) or 0
    found = await info.artist(
        call.user.id, call.params.get_id("id"), count, list(IMAGE_SIZES_PX.values())
    )
    build = artist_id3 if id3 else index_artist
    similar = [build(artist) for artist in found.similar]
    images = _image_urls(call, found.image_paths)
    return info_text("biography", found.musicbrainz_id, images) | {"similarArtist": similar}


async def get_artist_info(call: SubsonicCall, info: MusicInfo) -> Payload:
    """An artist's MusicBrainz id, cover images and similar artists (`Artist`)."""
    return {"artistInfo": await _artist_info(call, info, id3=False)}


async def get_artist_info2(call: SubsonicCall, info: MusicInfo) -> Payload:
    """An artist's MusicBrainz id, cover images and similar artists (`ArtistID3`)."""
    return {"artistInfo2": await _artist_info(call, info, id3=True)}


async def _album_info(call: SubsonicCall, info: MusicInfo) -> Payload:
    if folder_path(call.params.require("id")) is not None:
        return info_text("notes", None, {})
    found = await info.album(call.user.id, call.params.get_id("id"), list(IMAGE_SIZES_PX.values()))
    return info_text("notes", found.musicbrainz_id, _image_urls(call, found.image_paths))


async def get_album_info(call: SubsonicCall, info: MusicInfo) -> Payload:
    """An album's MusicBrainz id and cover images (empty notes and Last.fm link)."""
    return {"albumInfo": await _album_info(call, info)}


async def get_album_info2(call: SubsonicCall, info: MusicInfo) -> Payload:
    """An album's MusicBrainz id and cover images (empty notes and Last.fm link)."""
    return {"albumInfo": await _album_info(call, info)}


async def _similar_songs(call: SubsonicCall, related: RelatedMusic) -> list[Payload]:
    count = call.params.get_int("count", DEFAULT_SIMILAR_SONGS, minimum=0, maximum=500) or 0
    songs = await related.similar_songs(call.params.get_id("id"), count, viewer=call.user.id)
    return song_entries(songs)


async def get_similar_songs(call: SubsonicCall, related: RelatedMusic) -> Payload:
    """Songs sharing an artist or genre with a song, an album or an artist (`id`)."""
    return {"similarSongs": {"song": await _similar_songs(call, related)}}


async def get_similar_songs2(call: SubsonicCall, related: RelatedMusic) -> Payload:
    """Songs sharing an artist or genre with a song, an album or an artist (`id`)."""
    return {"similarSongs2": {"song": await _similar_songs(call, related)}}


async def get_top_songs(call: SubsonicCall, related: RelatedMusic) -> Payload:
    """An artist's songs (`artist` is a name) by play count in this library."""
    count = call.params.get_int("count", DEFAULT_TOP_SONGS, minimum=0, maximum=500) or 0
    songs = await related.top_songs(call.params.require("artist"), count, viewer=call.user.id)
    return {"topSongs": {"song": song_entries(songs)}}


async def get_avatar(call: SubsonicCall, avatars: AvatarService) -> Response:
    """A user's generated avatar (PNG): initials on a colour of their own."""
    png = await avatars.avatar_png(call.params.require("username"), DEFAULT_AVATAR_PX)
    return Response(
        png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
    )


__all__ = [
    "get_album_info",
    "get_album_info2",
    "get_artist_info",
    "get_artist_info2",
    "get_avatar",
    "get_similar_songs",
    "get_similar_songs2",
    "get_top_songs",
    "info_text",
]
