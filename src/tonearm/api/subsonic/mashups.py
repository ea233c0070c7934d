"""The owner's "Mashups" playlist: read-only, listed by getPlaylists and read by getPlaylist
for its owner alone, only while they have a mashup. Its entries are Child objects with ids
`mx-` + the mashup's UUID (ids.py), which `stream` and `download` send from the stored MP3
(Range, ETag, HEAD). A mashup is not a song: it is not starred, rated, scrobbled or found
anywhere else. Anyone else asking for the playlist or an entry gets code 70, as for an id
that does not exist; changing the playlist answers code 50.
"""

from __future__ import annotations

from uuid import UUID

from starlette.responses import Response

from tonearm.analysis.mashups import MASHUPS_PLAYLIST, Mashup, MashupService, bitrate_kbps
from tonearm.api.object_response import own_file_response
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.ids import ArtKind, cover_art_id, mashup_entry_id
from tonearm.api.subsonic.render import Payload, compact
from tonearm.api.subsonic.responses import seconds
from tonearm.errors import PermissionDenied
from tonearm.streaming import StreamService

READ_ONLY_MESSAGE = 'the "Mashups" playlist is made by tonearm and cannot be changed'


def mashup_child(mashup: Mashup, playlist_id: UUID) -> Payload:
    """A mashup as a Child of its owner's "Mashups" playlist."""
    return compact(
        id=mashup_entry_id(mashup.id),
        parent=str(playlist_id),
        isDir=False,
        title=mashup.title,
        album=MASHUPS_PLAYLIST,
        # The lead song's cover (a library song, readable by every user anyway).
        coverArt=cover_art_id(ArtKind.SONG, mashup.lead_song_id),
        size=mashup.size_bytes,
        contentType="audio/mpeg",
        suffix="mp3",
        duration=seconds(mashup.duration_ms),
        bitRate=bitrate_kbps(mashup),
        isVideo=False,
        created=mashup.created_at,
        type="music",
        mediaType="song",
        comment=mashup.why,
    )


def mashups_playlist(call: SubsonicCall, service: MashupService, mashups: list[Mashup]) -> Payload:
    """The "Mashups" Playlist (read-only) of the caller's `mashups` (newest first)."""
    return compact(
        id=str(service.playlist_id(call.user.id)),
        name=MASHUPS_PLAYLIST,
        comment="Made from your most played songs; new ones come each month",
        owner=call.user.username,
        public=False,
        songCount=len(mashups),
        duration=seconds(sum(m.duration_ms for m in mashups)),
        created=mashups[-1].created_at,
        changed=mashups[0].created_at,
        readonly=True,
    )


async def own_mashups(call: SubsonicCall, service: MashupService) -> list[Mashup]:
    """The caller's mashups, newest first."""
    return await service.mashups(call.user.id)


def is_mashups_playlist(call: SubsonicCall, service: MashupService, raw_id: str | None) -> bool:
    """Whether `raw_id` is the caller's own "Mashups" playlist."""
    return raw_id is not None and raw_id.strip() == str(service.playlist_id(call.user.id))


def refuse_change(call: SubsonicCall, service: MashupService, raw_id: str | None) -> None:
    """Code 50 for a change to the caller's "Mashups" playlist."""
    if is_mashups_playlist(call, service, raw_id):
        raise PermissionDenied(READ_ONLY_MESSAGE)


async def mashup_response(
    call: SubsonicCall,
    service: MashupService,
    streaming: StreamService,
    mashup_id: UUID,
    *,
    attachment: bool,
) -> Response:
    """The caller's mashup MP3 for `stream` / `download` (Range, ETag, HEAD)."""
    source = await service.stream_source(call.user.id, mashup_id)
    name = f"mashup-{mashup_id}.mp3" if attachment else None
    return await own_file_response(call.request, streaming, source, name)


__all__ = [
    "READ_ONLY_MESSAGE",
    "is_mashups_playlist",
    "mashup_child",
    "mashup_response",
    "mashups_playlist",
    "own_mashups",
    "refuse_change",
]
