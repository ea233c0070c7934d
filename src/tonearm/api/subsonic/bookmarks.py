"""Bookmarks and the play queue: getBookmarks, createBookmark, deleteBookmark,
getPlayQueue, savePlayQueue, and OpenSubsonic indexBasedQueue (getPlayQueueByIndex,
savePlayQueueByIndex). All over ResumeService; positions in milliseconds.

A bookmark in a podcast episode (its id or streamId) is the user's position in it, kept by
PodcastService (the same one the web player and getPodcasts' bookmarkPosition show)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.entries import entries_of, song_entries
from tonearm.api.subsonic.errors import MissingParameter
from tonearm.api.subsonic.ids import parse_episode_stream_id
from tonearm.api.subsonic.params import parse_id
from tonearm.api.subsonic.podcasts import episode_child
from tonearm.api.subsonic.render import Payload, compact
from tonearm.library.catalog_service import CatalogService
from tonearm.library.models import SongNotFound
from tonearm.podcasts import EpisodeNotFound, PodcastService
from tonearm.resume import BookmarkNotFound, PlayQueue, ResumeService, index_of_song

# When no queue is saved, `changed` (required) is the Unix epoch: older than any real save, so
# an app that keeps the newer of its own and the server's queue keeps its own.
NEVER_SAVED = datetime(1970, 1, 1, tzinfo=UTC)


async def _episode_bookmarks(call: SubsonicCall, podcasts: PodcastService) -> list[Payload]:
    found = []
    for item in await podcasts.resumable(call.user.id):
        assert item.progress is not None
        channel = await podcasts.channel(item.episode.channel_id)
        found.append(
            {
                "position": item.progress.position_ms,
                "username": call.user.username,
                "created": item.progress.updated_at,
                "changed": item.progress.updated_at,
                "entry": episode_child(item, channel),
            }
        )
    return found


def _episode_id(raw: str) -> UUID | None:
    return parse_episode_stream_id(raw)


async def get_bookmarks(
    call: SubsonicCall, resume: ResumeService, catalog: CatalogService, podcasts: PodcastService
) -> Payload:
    """The caller's bookmarks, each with its song (or podcast episode)."""
    bookmarks = await resume.bookmarks(call.user.id)
    songs = await catalog.songs_in_order([b.song_id for b in bookmarks], viewer=call.user.id)
    entries = dict(zip((song.id for song in songs), song_entries(songs), strict=True))
    return {
        "bookmarks": {
            "bookmark": [
                compact(
                    position=bookmark.position_ms,
                    username=call.user.username,
                    comment=bookmark.comment,
                    created=bookmark.created_at,
                    changed=bookmark.updated_at,
                    entry=entries[bookmark.song_id],
                )
                for bookmark in bookmarks
                if bookmark.song_id in entries
            ]
            + await _episode_bookmarks(call, podcasts)
        }
    }


async def create_bookmark(
    call: SubsonicCall, resume: ResumeService, podcasts: PodcastService
) -> Payload:
    """Set the caller's bookmark in a song or podcast episode (`id`, `position` ms, optional
    `comment`, which episodes do not keep)."""
    position = call.params.require_int("position")
    episode_id = _episode_id(call.params.require("id"))
    if episode_id is not None:
        await podcasts.save_progress(call.user.id, episode_id, position)
        return {}
    item_id = call.params.get_id("id")
    try:
        await resume.save_bookmark(call.user.id, item_id, position, call.params.get("comment"))
    except SongNotFound:
        try:
            await podcasts.save_progress(call.user.id, item_id, position)
        except EpisodeNotFound:
            raise SongNotFound(item_id) from None
    return {}


async def delete_bookmark(
    call: SubsonicCall, resume: ResumeService, podcasts: PodcastService
) -> Payload:
    """Remove the caller's bookmark in a song (or a podcast episode: back to its start)."""
    raw = call.params.require("id")
    episode_id = _episode_id(raw)
    if episode_id is None:
        item_id = call.params.get_id("id")
        try:
            await resume.delete_bookmark(call.user.id, item_id)
            return {}
        except BookmarkNotFound:
            episode_id = item_id
            try:
                found = await podcasts.episode(call.user.id, item_id)
            except EpisodeNotFound:
                raise BookmarkNotFound(item_id) from None
            if found.progress is None or found.progress.position_ms == 0:
                raise BookmarkNotFound(item_id) from None
    await podcasts.save_progress(call.user.id, episode_id, 0)
    return {}


async def _queue_payload(
    call: SubsonicCall,
    catalog: CatalogService,
    queue: PlayQueue,
    *,
    by_index: bool,
) -> Payload:
    current = (
        {"currentIndex": queue.current_index}
        if by_index
        else {"current": str(queue.current_song_id) if queue.current_song_id else None}
    )
    return compact(
        **current,
        position=queue.position_ms if queue.current_index is not None else None,
        username=call.user.username,
        changed=queue.updated_at,
        changedBy=queue.changed_by,
        entry=await entries_of(call, catalog, queue.song_ids),
    )


def _no_queue(call: SubsonicCall) -> Payload:
    """An empty queue: no entries and no current song, only the fields the spec requires."""
    return {"username": call.user.username, "changed": NEVER_SAVED, "changedBy": ""}


async def get_play_queue(
    call: SubsonicCall, catalog: CatalogService, resume: ResumeService
) -> Payload:
    """The caller's saved queue; an empty `playQueue` when none is saved (the spec requires
    the element and its `username`, `changed`, `changedBy`)."""
    queue = await resume.play_queue(call.user.id)
    if queue is None:
        return {"playQueue": _no_queue(call)}
    return {"playQueue": await _queue_payload(call, catalog, queue, by_index=False)}


async def save_play_queue(call: SubsonicCall, resume: ResumeService) -> Payload:
    """Save the queue (`id`…, `current` song id, `position` ms); no `id` clears it.
    `changedBy` is the calling app (`c`)."""
    song_ids = call.params.get_ids("id")
    raw_current = call.params.get("current")
    current = parse_id(raw_current, "current") if raw_current else None
    await resume.save_play_queue(
        call.user.id,
        song_ids,
        index_of_song(song_ids, current) if song_ids else None,
        call.params.get_int("position", 0) or 0,
        call.client,
    )
    return {}


async def get_play_queue_by_index(
    call: SubsonicCall, catalog: CatalogService, resume: ResumeService
) -> Payload:
    """The caller's saved queue with a 0-based `currentIndex` (indexBasedQueue); an empty
    `playQueueByIndex` when none is saved."""
    queue = await resume.play_queue(call.user.id)
    if queue is None:
        return {"playQueueByIndex": _no_queue(call)}
    return {"playQueueByIndex": await _queue_payload(call, catalog, queue, by_index=True)}


async def save_play_queue_by_index(call: SubsonicCall, resume: ResumeService) -> Payload:
    """Save the queue by index (`id`…, `currentIndex` 0-based, required with ids;
    `position` ms); no `id` clears it (indexBasedQueue)."""
    song_ids = call.params.get_ids("id")
    current_index = call.params.get_int("currentIndex")
    if song_ids and current_index is None:
        raise MissingParameter("currentIndex")
    await resume.save_play_queue(
        call.user.id,
        song_ids,
        current_index,
        call.params.get_int("position", 0) or 0,
        call.client,
    )
    return {}


__all__ = [
    "create_bookmark",
    "delete_bookmark",
    "get_bookmarks",
    "get_play_queue",
    "get_play_queue_by_index",
    "save_play_queue",
    "save_play_queue_by_index",
]
