"""Information methods from tonearm's own data: getArtistInfo(2), getAlbumInfo(2),
getSimilarSongs(2), getTopSongs, getAvatar; and empty podcast and internet-radio lists.

No outside sources: biography, notes and Last.fm links are sent empty (strict clients
require the fields), `musicBrainzId` too when unknown. Similar artists share genres
in this library; similar songs share an artist or genre; top songs are the most played
here. Image URLs are signed cover URLs (they work without credentials, like Last.fm's).
Podcasts and internet radio are not part of tonearm: their lists answer empty, and the
methods that would change them answer code 50 with a message saying so.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.entries import song_entries
from tonearm.api.subsonic.errors import NOT_AUTHORIZED, SubsonicError
from tonearm.api.subsonic.ids import folder_path
from tonearm.api.subsonic.marks import artist_states
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import artist_id3, index_artist
from tonearm.library.catalog import ArtistSummary, CatalogSong
from tonearm.streaming import MediaNotFound
from tonearm.users.avatars import DEFAULT_AVATAR_PX

# The three image sizes apps ask for; the nearest stored cover at least this big is used.
IMAGE_SIZES_PX = {"smallImageUrl": 64, "mediumImageUrl": 300, "largeImageUrl": 600}
DEFAULT_SIMILAR_ARTISTS = 20
DEFAULT_SIMILAR_SONGS = 50
DEFAULT_TOP_SONGS = 50


async def _images(call: SubsonicCall, songs: Sequence[CatalogSong]) -> Payload:
    cover = next((song for song in songs if song.has_art), None)
    if cover is None:
        return {}
    urls: Payload = {}
    for name, size_px in IMAGE_SIZES_PX.items():
        try:
            path = await call.services.streaming.art_path(call.user.id, cover.id, size_px)
        except MediaNotFound:
            return {}
        urls[name] = call.base_url + path
    return urls


def info_text(text_key: str, musicbrainz_id: str | None, images: Payload) -> Payload:
    """The text fields of an artist's or album's info, in the XSD's order: unknown ones empty."""
    return {text_key: "", "musicBrainzId": musicbrainz_id or "", "lastFmUrl": "", **images}


async def _artist_info(call: SubsonicCall, *, id3: bool) -> Payload:
    raw = call.params.require("id")
    if folder_path(raw) is not None:
        return info_text("biography", None, {})  # a folder has nothing to tell
    catalog = call.services.catalog
    detail = await catalog.artist(call.params.get_id("id"))
    count = call.params.get_int("count", DEFAULT_SIMILAR_ARTISTS, minimum=0, maximum=500) or 0
    similar = await call.services.related.similar_artists(detail.artist.id, count)
    with_art = next((album for album in detail.albums if album.has_art), None)
    tracks = (await catalog.album(with_art.id)).tracks if with_art else ()
    return info_text("biography", detail.artist.musicbrainz_id, await _images(call, tracks)) | {
        "similarArtist": await _similar_artists(call, similar, id3=id3)
    }


async def _similar_artists(
    call: SubsonicCall, artists: list[ArtistSummary], *, id3: bool
) -> list[Payload]:
    states = await artist_states(call, artists)
    build = artist_id3 if id3 else index_artist
    return [build(artist, user_state=states.get(artist.id)) for artist in artists]


async def get_artist_info(call: SubsonicCall) -> Payload:
    """An artist's MusicBrainz id, cover images and similar artists (`Artist`)."""
    return {"artistInfo": await _artist_info(call, id3=False)}


async def get_artist_info2(call: SubsonicCall) -> Payload:
    """An artist's MusicBrainz id, cover images and similar artists (`ArtistID3`)."""
    return {"artistInfo2": await _artist_info(call, id3=True)}


async def _album_info(call: SubsonicCall) -> Payload:
    if folder_path(call.params.require("id")) is not None:
        return info_text("notes", None, {})
    detail = await call.services.catalog.album(call.params.get_id("id"))
    return info_text("notes", detail.album.musicbrainz_id, await _images(call, detail.tracks))


async def get_album_info(call: SubsonicCall) -> Payload:
    """An album's MusicBrainz id and cover images (empty notes and Last.fm link)."""
    return {"albumInfo": await _album_info(call)}


async def get_album_info2(call: SubsonicCall) -> Payload:
    """An album's MusicBrainz id and cover images (empty notes and Last.fm link)."""
    return {"albumInfo": await _album_info(call)}


async def _similar_songs(call: SubsonicCall) -> list[Payload]:
    count = call.params.get_int("count", DEFAULT_SIMILAR_SONGS, minimum=0, maximum=500) or 0
    songs = await call.services.related.similar_songs(call.params.get_id("id"), count)
    return await song_entries(call, songs)


async def get_similar_songs(call: SubsonicCall) -> Payload:
    """Songs sharing an artist or genre with a song, an album or an artist (`id`)."""
    return {"similarSongs": {"song": await _similar_songs(call)}}


async def get_similar_songs2(call: SubsonicCall) -> Payload:
    """Songs sharing an artist or genre with a song, an album or an artist (`id`)."""
    return {"similarSongs2": {"song": await _similar_songs(call)}}


async def get_top_songs(call: SubsonicCall) -> Payload:
    """An artist's songs (`artist` is a name) by play count in this library."""
    count = call.params.get_int("count", DEFAULT_TOP_SONGS, minimum=0, maximum=500) or 0
    songs = await call.services.related.top_songs(call.params.require("artist"), count)
    return {"topSongs": {"song": await song_entries(call, songs)}}


async def get_avatar(call: SubsonicCall) -> Response:
    """A user's generated avatar (PNG): initials on a colour of their own."""
    png = await call.services.avatars.avatar_png(call.params.require("username"), DEFAULT_AVATAR_PX)
    return Response(
        png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
    )


async def get_podcasts(call: SubsonicCall) -> Payload:
    """No podcasts: tonearm does not host them (an empty list, not an error)."""
    return {"podcasts": {}}


async def get_newest_podcasts(call: SubsonicCall) -> Payload:
    """No podcast episodes (an empty list)."""
    return {"newestPodcasts": {}}


async def get_internet_radio_stations(call: SubsonicCall) -> Payload:
    """No internet radio stations (an empty list)."""
    return {"internetRadioStations": {}}


async def podcasts_not_supported(call: SubsonicCall) -> Payload:
    """Podcast changes: code 50, since tonearm has no podcasts (podcastRole is false)."""
    raise SubsonicError(NOT_AUTHORIZED, "tonearm does not support podcasts")


async def radio_not_supported(call: SubsonicCall) -> Payload:
    """Internet radio changes: code 50, since tonearm keeps no radio stations."""
    raise SubsonicError(NOT_AUTHORIZED, "tonearm does not support internet radio stations")


PODCAST_WRITES = (
    "refreshPodcasts",
    "createPodcastChannel",
    "deletePodcastChannel",
    "deletePodcastEpisode",
    "downloadPodcastEpisode",
)
RADIO_WRITES = (
    "createInternetRadioStation",
    "updateInternetRadioStation",
    "deleteInternetRadioStation",
)

__all__ = [
    "PODCAST_WRITES",
    "RADIO_WRITES",
    "get_album_info",
    "get_album_info2",
    "get_artist_info",
    "get_artist_info2",
    "get_avatar",
    "get_internet_radio_stations",
    "get_newest_podcasts",
    "get_podcasts",
    "get_similar_songs",
    "get_similar_songs2",
    "get_top_songs",
    "info_text",
    "podcasts_not_supported",
    "radio_not_supported",
]
