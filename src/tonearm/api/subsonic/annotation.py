"""Media annotation and lists: star, unstar, setRating, scrobble, getNowPlaying,
getStarred, getStarred2, and OpenSubsonic reportPlayback (extension playbackReport)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.params import MAX_EPOCH_MS
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import (
    album_child,
    album_id3,
    artist_id3,
    index_artist,
    song_child,
)
from tonearm.errors import InvalidInput, NotFound
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong
from tonearm.library.catalog_service import CatalogService
from tonearm.listening.annotations import AnnotationService, PlaybackReport, PlaybackState
from tonearm.listening.stars import StarService
from tonearm.listening.user_state import ItemKind

# Players offer up to 4x; anything far past that is not a playback rate.
MAX_PLAYBACK_RATE = 100.0


def _targets(call: SubsonicCall) -> list[tuple[ItemKind | None, UUID]]:
    params = call.params
    return [
        *((None, item_id) for item_id in params.get_ids("id")),
        *((ItemKind.ALBUM, item_id) for item_id in params.get_ids("albumId")),
        *((ItemKind.ARTIST, item_id) for item_id in params.get_ids("artistId")),
    ]


async def star(call: SubsonicCall, stars: StarService) -> Payload:
    """Star songs (`id`, also an album's or artist's id), albums and artists."""
    for kind, item_id in _targets(call):
        await stars.star(call.user.id, kind, item_id)
    return {}


async def unstar(call: SubsonicCall, stars: StarService) -> Payload:
    """Unstar songs, albums and artists."""
    for kind, item_id in _targets(call):
        await stars.unstar(call.user.id, kind, item_id)
    return {}


async def set_rating(call: SubsonicCall, stars: StarService) -> Payload:
    """Rate a song, album or artist 1–5; 0 removes the rating."""
    rating = call.params.require_int("rating", highest=5)
    await stars.set_rating(call.user.id, call.params.get_id("id"), rating)
    return {}


def _times(raw: list[str]) -> list[datetime | None]:
    times: list[datetime | None] = []
    for value in raw:
        try:
            milliseconds = int(value)
        except ValueError:
            milliseconds = -1
        if not 0 <= milliseconds <= MAX_EPOCH_MS:
            raise InvalidInput(
                f"time must be milliseconds since 1970, between 0 and {MAX_EPOCH_MS}, "
                f"got {value[:40]!r}"
            )
        times.append(datetime.fromtimestamp(milliseconds / 1000, tz=UTC))
    return times


async def scrobble(call: SubsonicCall, annotations: AnnotationService) -> Payload:
    """Now playing (`submission=false`) or a play (the default) of each `id`."""
    params = call.params
    params.require("id")
    song_ids = params.get_ids("id")
    await annotations.scrobble(
        call.user.id,
        call.client,
        song_ids,
        _times(params.get_list("time")),
        submission=params.get_bool("submission", True),
    )
    return {}


async def report_playback(call: SubsonicCall, annotations: AnnotationService) -> Payload:
    """A player's timeline state (OpenSubsonic playbackReport); songs only."""
    params = call.params
    media_type = params.require("mediaType")
    if media_type != "song":
        raise NotFound(f"mediaType {media_type!r}: tonearm has songs only")
    try:
        state = PlaybackState(params.require("state"))
    except ValueError:
        raise InvalidInput("state must be starting, playing, paused or stopped") from None
    rate = params.get_float("playbackRate", lowest=0.0, highest=MAX_PLAYBACK_RATE)
    report = PlaybackReport(
        song_id=params.get_id("mediaId"),
        state=state,
        position_ms=params.require_int("positionMs"),
        playback_rate=1.0 if rate is None else rate,
        ignore_scrobble=params.get_bool("ignoreScrobble"),
    )
    await annotations.report_playback(call.user.id, call.client, report)
    return {}


async def get_now_playing(
    call: SubsonicCall, annotations: AnnotationService, catalog: CatalogService
) -> Payload:
    """What everyone's players play now (entries past the song's end are left out)."""
    entries = await annotations.now_playing()
    playing = await catalog.songs_in_order([e.song_id for e in entries], viewer=call.user.id)
    songs = {song.id: song for song in playing}
    return {
        "nowPlaying": {
            "entry": [
                song_child(songs[entry.song_id])
                | {
                    "username": entry.username,
                    "minutesAgo": entry.minutes_ago,
                    "playerId": entry.player_id,
                    "playerName": entry.player,
                }
                for entry in entries
                if entry.song_id in songs
            ]
        }
    }


async def _starred(
    call: SubsonicCall, stars: StarService, catalog: CatalogService
) -> tuple[list[ArtistSummary], list[AlbumSummary], list[CatalogSong]]:
    viewer = call.user.id
    by_kind: dict[ItemKind, list[UUID]] = {kind: [] for kind in ItemKind}
    for item in await stars.starred(viewer):
        by_kind[item.kind].append(item.item_id)
    artists = [
        a.artist
        for a in await _existing(partial(catalog.artist, viewer=viewer), by_kind[ItemKind.ARTIST])
    ]
    albums = [
        a.album
        for a in await _existing(partial(catalog.album, viewer=viewer), by_kind[ItemKind.ALBUM])
    ]
    songs = await catalog.songs_in_order(by_kind[ItemKind.SONG], viewer=viewer)
    return artists, albums, songs


async def _existing(load: Callable[[UUID], Awaitable[Any]], ids: list[UUID]) -> list[Any]:
    # An album or artist left without live songs is gone from listings, stars or not.
    found = []
    for item_id in ids:
        try:
            found.append(await load(item_id))
        except NotFound:
            continue
    return found


async def get_starred(call: SubsonicCall, stars: StarService, catalog: CatalogService) -> Payload:
    """Starred artists, albums (as directories) and songs, most recently starred first."""
    artists, albums, songs = await _starred(call, stars, catalog)
    return {
        "starred": {
            "artist": [index_artist(a) for a in artists],
            "album": [album_child(a) for a in albums],
            "song": [song_child(song) for song in songs],
        }
    }


async def get_starred2(call: SubsonicCall, stars: StarService, catalog: CatalogService) -> Payload:
    """Starred artists, albums and songs, by ID3 tags."""
    artists, albums, songs = await _starred(call, stars, catalog)
    return {
        "starred2": {
            "artist": [artist_id3(a) for a in artists],
            "album": [album_id3(a) for a in albums],
            "song": [song_child(song) for song in songs],
        }
    }


__all__ = [
    "get_now_playing",
    "get_starred",
    "get_starred2",
    "report_playback",
    "scrobble",
    "set_rating",
    "star",
    "unstar",
]
