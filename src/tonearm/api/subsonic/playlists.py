"""Playlist methods: getPlaylists, getPlaylist, createPlaylist, updatePlaylist, deletePlaylist.

The same playlists as the REST API, through PlaylistService: each belongs to its owner
and only the owner sees or changes it (another user's answers code 70, like a missing one).
tonearm playlists are private, so `public` is accepted and ignored, and answered false.
The exception: playlists read from playlist files in the music folders are listed to every
user as `public`, owned by the admin, and changing one answers code 50. A user with
mashups also sees their read-only "Mashups" playlist (mashups.py), which no one else sees.
Smart playlists (playlists/smart) are the owner's, answered with OpenSubsonic's
`readonly: true` and `validUntil` (when their rules are next evaluated); changing or
deleting one answers code 50 (edit its rules in the web player or /api/smart-playlists).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tonearm.analysis.mashups import MashupNotFound, MashupService
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.entries import entries_of
from tonearm.api.subsonic.ids import ArtKind, cover_art_id
from tonearm.api.subsonic.mashups import (
    is_mashups_playlist,
    mashup_child,
    mashups_playlist,
    own_mashups,
    refuse_change,
)
from tonearm.api.subsonic.render import Payload, compact
from tonearm.api.subsonic.responses import seconds
from tonearm.errors import InvalidInput, PermissionDenied
from tonearm.library.catalog_service import CatalogService
from tonearm.playlists import (
    KEEP,
    Playlist,
    PlaylistContents,
    PlaylistEntryNotFound,
    PlaylistService,
)
from tonearm.users import UserService


def playlist_payload(playlist: Playlist, owner: str) -> Payload:
    """A Subsonic `Playlist` (add `entry` after it for PlaylistWithSongs)."""
    return compact(
        id=str(playlist.id),
        name=playlist.name,
        comment=playlist.comment,
        owner=owner,
        public=playlist.read_only and not playlist.smart,
        songCount=playlist.song_count,
        duration=seconds(playlist.duration_ms),
        created=playlist.created_at,
        changed=playlist.updated_at,
        coverArt=cover_art_id(ArtKind.PLAYLIST, playlist.id) if playlist.song_count else None,
        # OpenSubsonic: a smart playlist's songs follow its rules, evaluated again after this.
        readonly=True if playlist.smart else None,
        validUntil=playlist.valid_until,
    )


async def _owner_names(
    call: SubsonicCall, users: UserService, playlists: Sequence[Playlist]
) -> dict[UUID, str]:
    """Usernames of the playlists' owners: the caller's own, and the admin who owns the
    scanned ones (looked up only when there are some)."""
    names = {call.user.id: call.user.username}
    if any(p.owner_id not in names for p in playlists):
        names.update({user.id: user.username for user in await users.list_users()})
    return names


async def _with_songs(
    call: SubsonicCall,
    catalog: CatalogService,
    users: UserService,
    contents: PlaylistContents,
) -> Payload:
    playable = [entry.song_id for entry in contents.entries if entry.available]
    owner = (await _owner_names(call, users, [contents.playlist])).get(
        contents.playlist.owner_id, call.user.username
    )
    return {
        "playlist": playlist_payload(contents.playlist, owner)
        | {"entry": await entries_of(call, catalog, playable)}
    }


async def get_playlists(
    call: SubsonicCall, users: UserService, playlists: PlaylistService, mashups: MashupService
) -> Payload:
    """The caller's playlists; an admin may name another user with `username`."""
    owner = call.user
    username = call.params.get("username")
    if username and username.strip().lower() != call.user.username:
        if not call.user.is_admin:
            raise PermissionDenied("only an admin may list another user's playlists")
        owner = await users.get_user(username)
    owned = await playlists.list_playlists(owner.id)
    names = await _owner_names(call, users, owned) | {owner.id: owner.username}
    listed = [playlist_payload(p, names.get(p.owner_id, owner.username)) for p in owned]
    if owner.id == call.user.id:  # only the owner ever sees their mashups
        made = await own_mashups(call, mashups)
        if made:
            listed.append(mashups_playlist(call, mashups, made))
    return {"playlists": {"playlist": listed}}


async def get_playlist(
    call: SubsonicCall,
    catalog: CatalogService,
    users: UserService,
    playlists: PlaylistService,
    mashups: MashupService,
) -> Payload:
    """One of the caller's playlists (or a scanned one) with its songs, or their "Mashups"."""
    if is_mashups_playlist(call, mashups, call.params.get("id")):
        made = await own_mashups(call, mashups)
        if not made:
            raise MashupNotFound("no mashups yet: `tonearm mashup` makes some")
        playlist_id = mashups.playlist_id(call.user.id)
        entries = [mashup_child(m, playlist_id) for m in made]
        return {"playlist": mashups_playlist(call, mashups, made) | {"entry": entries}}
    contents = await playlists.get_playlist(call.user.id, call.params.get_id("id"))
    return await _with_songs(call, catalog, users, contents)


async def create_playlist(
    call: SubsonicCall,
    catalog: CatalogService,
    users: UserService,
    playlists: PlaylistService,
    mashups: MashupService,
) -> Payload:
    """A new playlist (`name`, `songId`…), or an existing one's songs replaced
    (`playlistId`, `songId`…, and a new `name` if given)."""
    refuse_change(call, mashups, call.params.get("playlistId"))
    song_ids = call.params.get_ids("songId")
    if "playlistId" in call.params:
        playlist_id = call.params.get_id("playlistId")
        name = call.params.get("name")
        if name is not None:
            await playlists.update_playlist(call.user.id, playlist_id, name=name)
        contents = await playlists.replace_songs(call.user.id, playlist_id, song_ids)
    else:
        contents = await playlists.create_playlist(
            call.user.id, call.params.require("name"), song_ids=song_ids
        )
    return await _with_songs(call, catalog, users, contents)


async def update_playlist(
    call: SubsonicCall, playlists: PlaylistService, mashups: MashupService
) -> Payload:
    """Rename, set the comment, remove entries by index (as numbered before this call),
    then append songs. `public` is accepted and ignored (playlists are private)."""
    refuse_change(call, mashups, call.params.get("playlistId"))
    owner, playlist_id = call.user.id, call.params.get_id("playlistId")
    name, comment = call.params.get("name"), call.params.get("comment")
    await playlists.update_playlist(
        owner,
        playlist_id,
        name=KEEP if name is None else name,
        comment=KEEP if comment is None else comment,
    )
    removed = _indexes(call.params.get_list("songIndexToRemove"))
    if removed:
        # Apps count only the entries they were shown: songs still in the library.
        contents = await playlists.get_playlist(owner, playlist_id)
        shown = [entry.position for entry in contents.entries if entry.available]
        for index in removed:
            if not 0 <= index < len(shown):
                raise PlaylistEntryNotFound(playlist_id, index)
        await playlists.remove_entries(owner, playlist_id, [shown[i] for i in removed])
    added = call.params.get_ids("songIdToAdd")
    if added:
        await playlists.add_songs(owner, playlist_id, added)
    return {}


def _indexes(raw_values: list[str]) -> list[int]:
    try:
        return [int(raw) for raw in raw_values if raw.strip()]
    except ValueError:
        raise InvalidInput(
            f"parameter songIndexToRemove must be whole numbers, got {raw_values!r}"
        ) from None


async def delete_playlist(
    call: SubsonicCall, playlists: PlaylistService, mashups: MashupService
) -> Payload:
    """Delete one of the caller's playlists."""
    refuse_change(call, mashups, call.params.get("id"))
    await playlists.delete_playlist(call.user.id, call.params.get_id("id"))
    return {}


__all__ = [
    "create_playlist",
    "delete_playlist",
    "get_playlist",
    "get_playlists",
    "playlist_payload",
    "update_playlist",
]
