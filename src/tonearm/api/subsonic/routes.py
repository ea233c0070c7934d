"""The Subsonic API under /rest: every method, and the one endpoint that dispatches them.

`/rest/{method}` and `/rest/{method}.view`, GET or POST (form body, OpenSubsonic formPost),
XML unless `f=json` or `f=jsonp`. Every answer is HTTP 200 with status ok or failed (with a
Subsonic error code), carries CORS headers for browser-based apps, and never a traceback.
"""

from __future__ import annotations

import inspect
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tonearm.api.deps import app_domains, app_settings, client_ip, public_base_url, rate_counter
from tonearm.api.subsonic import (
    annotation,
    bookmarks,
    browsing,
    info,
    lists,
    lyrics,
    media,
    media_art,
    playlists,
    podcasts,
    radio,
    scanning,
    searching,
    sharing,
    sonic,
    system,
)
from tonearm.api.subsonic.call import Handler, SubsonicCall
from tonearm.api.subsonic.errors import (
    CLIENT_MUST_UPGRADE,
    GENERIC,
    SERVER_MUST_UPGRADE,
    MissingParameter,
    SubsonicError,
    subsonic_code,
)
from tonearm.api.subsonic.params import Params
from tonearm.api.subsonic.render import (
    API_VERSION,
    envelope,
    error_payload,
    render,
    valid_callback,
)
from tonearm.domains import DOMAIN_NAMES, Domains
from tonearm.errors import InvalidInput, RateLimited, TonearmError
from tonearm.settings import Settings
from tonearm.users import User
from tonearm.users.subsonic import SubsonicAuth, SubsonicCredentials

log = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges",
    "Access-Control-Max-Age": "86400",
}


def handlers() -> dict[str, Handler]:
    """Every Subsonic method tonearm answers, by name."""
    return {
        # System and users
        "ping": system.ping,
        "getLicense": system.get_license,
        "getOpenSubsonicExtensions": system.get_open_subsonic_extensions,
        "getUser": system.get_user,
        "getUsers": system.get_users,
        "changePassword": system.change_password,
        "tokenInfo": system.token_info,
        # Play: media retrieval
        "stream": media.stream,
        "download": media.download,
        "getTranscodeDecision": media.get_transcode_decision,
        "getTranscodeStream": media.get_transcode_stream,
        # Play: annotation, now playing, starred lists, lyrics
        "star": annotation.star,
        "unstar": annotation.unstar,
        "setRating": annotation.set_rating,
        "scrobble": annotation.scrobble,
        "reportPlayback": annotation.report_playback,
        "getNowPlaying": annotation.get_now_playing,
        "getStarred": annotation.get_starred,
        "getStarred2": annotation.get_starred2,
        "getLyrics": lyrics.get_lyrics,
        "getLyricsBySongId": lyrics.get_lyrics_by_song_id,
        # Users' data: playlists, bookmarks, play queue (+ indexBasedQueue), shares, info
        "getPlaylists": playlists.get_playlists,
        "getPlaylist": playlists.get_playlist,
        "createPlaylist": playlists.create_playlist,
        "updatePlaylist": playlists.update_playlist,
        "deletePlaylist": playlists.delete_playlist,
        "getBookmarks": bookmarks.get_bookmarks,
        "createBookmark": bookmarks.create_bookmark,
        "deleteBookmark": bookmarks.delete_bookmark,
        "getPlayQueue": bookmarks.get_play_queue,
        "savePlayQueue": bookmarks.save_play_queue,
        "getPlayQueueByIndex": bookmarks.get_play_queue_by_index,
        "savePlayQueueByIndex": bookmarks.save_play_queue_by_index,
        "getShares": sharing.get_shares,
        "createShare": sharing.create_share,
        "updateShare": sharing.update_share,
        "deleteShare": sharing.delete_share,
        "getAvatar": info.get_avatar,
        "getArtistInfo": info.get_artist_info,
        "getArtistInfo2": info.get_artist_info2,
        "getAlbumInfo": info.get_album_info,
        "getAlbumInfo2": info.get_album_info2,
        "getSimilarSongs": info.get_similar_songs,
        "getSimilarSongs2": info.get_similar_songs2,
        "getTopSongs": info.get_top_songs,
        # Browsing, lists, searching, cover art, scans
        "getMusicFolders": browsing.get_music_folders,
        "getIndexes": browsing.get_indexes,
        "getMusicDirectory": browsing.get_music_directory,
        "getGenres": browsing.get_genres,
        "getArtists": browsing.get_artists,
        "getArtist": browsing.get_artist,
        "getAlbum": browsing.get_album,
        "getSong": browsing.get_song,
        "getAlbumList": lists.get_album_list,
        "getAlbumList2": lists.get_album_list2,
        "getRandomSongs": lists.get_random_songs,
        "getSongsByGenre": lists.get_songs_by_genre,
        "search2": searching.search2,
        "search3": searching.search3,
        "getCoverArt": media_art.get_cover_art,
        "startScan": scanning.start_scan,
        "getScanStatus": scanning.get_scan_status,
        # Internet radio
        "getInternetRadioStations": radio.get_internet_radio_stations,
        "createInternetRadioStation": radio.create_internet_radio_station,
        "updateInternetRadioStation": radio.update_internet_radio_station,
        "deleteInternetRadioStation": radio.delete_internet_radio_station,
        # Podcasts
        "getPodcasts": podcasts.get_podcasts,
        "getNewestPodcasts": podcasts.get_newest_podcasts,
        "getPodcastEpisode": podcasts.get_podcast_episode,
        "refreshPodcasts": podcasts.refresh_podcasts,
        "createPodcastChannel": podcasts.create_podcast_channel,
        "deletePodcastChannel": podcasts.delete_podcast_channel,
        "deletePodcastEpisode": podcasts.delete_podcast_episode,
        "downloadPodcastEpisode": podcasts.download_podcast_episode,
        # OpenSubsonic sonicSimilarity
        "getSonicSimilarTracks": sonic.get_sonic_similar_tracks,
        "findSonicPath": sonic.find_sonic_path,
    }


# Answered without credentials (the OpenSubsonic specification requires it for this one).
PUBLIC_METHODS = frozenset({"getOpenSubsonicExtensions"})
# Methods that send bytes, not documents: counted like media, i.e. not rate limited.
BYTE_METHODS = frozenset(
    {"stream", "download", "getCoverArt", "getAvatar", "hls", "getTranscodeStream"}
)

HANDLERS = handlers()


def declared_services(handler: Handler) -> tuple[str, ...]:
    """The domain services a handler declares: its parameters after the call, by name."""
    names = tuple(inspect.signature(handler).parameters)[1:]
    unknown = [name for name in names if name not in DOMAIN_NAMES]
    if unknown:
        raise TypeError(f"{handler.__qualname__} asks for unknown domain services {unknown}")
    return names


# Read once: each method's handler and the names of the services it is given.
BOUND = {method: (handler, declared_services(handler)) for method, handler in HANDLERS.items()}


# More than any Subsonic call needs (a play queue of 1,000 songs is the longest list sent),
# and Starlette's own limits for a form: a field over 1 MiB is refused while it is read.
MAX_PARAMETERS = 1000
MAX_FORM_PART_BYTES = 1024 * 1024


async def _params(request: Request) -> Params:
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        try:
            form = await request.form(
                max_files=MAX_PARAMETERS,
                max_fields=MAX_PARAMETERS,
                max_part_size=MAX_FORM_PART_BYTES,
            )
        except HTTPException as error:  # Starlette's answer to a form over its limits
            raise InvalidInput(f"form body refused: {error.detail}") from None
        items.extend((name, value) for name, value in form.multi_items() if isinstance(value, str))
    if len(items) > MAX_PARAMETERS:
        raise InvalidInput(f"too many parameters: at most {MAX_PARAMETERS}, got {len(items)}")
    for name, value in items:  # the form's limit, for a query string too
        if len(value) > MAX_FORM_PART_BYTES:
            raise InvalidInput(f"parameter {name[:40]!r} is over {MAX_FORM_PART_BYTES} bytes")
    return Params(items)


def _check_version(params: Params) -> None:
    raw = params.get("v")
    if raw is None:
        raise MissingParameter("v")
    try:
        client = tuple(int(part) for part in raw.strip().split("."))
    except ValueError:
        raise InvalidInput(f"parameter v must be a version like 1.16.1, got {raw[:40]!r}") from None
    server = tuple(int(part) for part in API_VERSION.split("."))
    if client[:1] < server[:1]:
        raise SubsonicError(
            CLIENT_MUST_UPGRADE,
            f"incompatible Subsonic REST protocol version: client must upgrade to {API_VERSION}",
        )
    if client[:1] > server[:1] or client[:2] > server[:2]:
        raise SubsonicError(
            SERVER_MUST_UPGRADE,
            f"incompatible Subsonic REST protocol version: server speaks {API_VERSION}",
        )


async def _authenticate(request: Request, params: Params, auth: SubsonicAuth) -> User:
    credentials = SubsonicCredentials(
        username=params.get("u"),
        password=params.get("p"),
        token=params.get("t"),
        salt=params.get("s"),
        api_key=params.get("apiKey"),
        client_ip=client_ip(request),
    )
    return await auth.authenticate(credentials)


async def _count(request: Request, settings: Settings, user: User) -> None:
    limit = settings.rate_limit_subsonic_per_minute
    result = await rate_counter(request).hit_rate_limit(
        f"ratelimit:subsonic:user:{user.id}", limit, RATE_WINDOW_SECONDS
    )
    if not result.allowed:
        raise RateLimited(
            f"too many requests ({limit} per minute); slow down", result.reset_after_seconds
        )


async def _answer(request: Request, method: str, params: Params) -> Response:
    bound = BOUND.get(method)
    if bound is None:
        raise SubsonicError(GENERIC, f"unknown Subsonic method: {method}")
    handler, wanted = bound
    domains: Domains = app_domains(request)
    settings = app_settings(request)
    if method in PUBLIC_METHODS and "u" not in params and "apiKey" not in params:
        user = None
    else:
        _check_version(params)
        user = await _authenticate(request, params, domains.subsonic_auth)
        if method not in BYTE_METHODS:
            await _count(request, settings, user)
    call = SubsonicCall(
        request=request,
        params=params,
        user=user,  # type: ignore[arg-type]  # only PUBLIC_METHODS run without one
        client=params.client_name(),
        base_url=public_base_url(request, settings.public_url),
    )
    result = await handler(call, **{name: getattr(domains, name) for name in wanted})
    if isinstance(result, Response):
        return result
    return render(envelope("ok", result), *_format(params))


def _format(params: Params) -> tuple[str, str | None]:
    # Read unchecked: this also answers the error about a bad value of f or callback.
    fmt = (params.get_unchecked("f") or "xml").lower()
    callback = params.get_unchecked("callback")
    if fmt == "jsonp" and (callback is None or not valid_callback(callback)):
        return "json", None
    return fmt, callback


async def subsonic_endpoint(request: Request) -> Response:
    """Answer one Subsonic call."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS_HEADERS)
    method = request.path_params["method"].removesuffix(".view")
    params = Params(request.query_params.multi_items())
    try:
        params = await _params(request)
        response = await _answer(request, method, params)
    except TonearmError as error:
        response = render(
            envelope("failed", error_payload(subsonic_code(error), str(error))), *_format(params)
        )
    except Exception:
        log.exception("subsonic.unhandled", extra={"method": method})
        response = render(
            envelope(
                "failed", error_payload(GENERIC, "internal error; the server log has details")
            ),
            *_format(params),
        )
    response.headers.update(CORS_HEADERS)
    return response


SUBSONIC_ROUTE = Route(
    "/rest/{method}",
    subsonic_endpoint,
    methods=["GET", "POST", "OPTIONS"],
    name="subsonic",
)

__all__ = [
    "BOUND",
    "HANDLERS",
    "SUBSONIC_ROUTE",
    "declared_services",
    "handlers",
    "subsonic_endpoint",
]
