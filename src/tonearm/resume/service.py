"""ResumeService: bookmarks and the saved play queue, shared by the Subsonic and REST APIs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from uuid import UUID

from tonearm.library.models import SongNotFound
from tonearm.resume.models import (
    MAX_BOOKMARK_COMMENT_LENGTH,
    MAX_CLIENT_NAME_LENGTH,
    MAX_QUEUE_LENGTH,
    Bookmark,
    BookmarkNotFound,
    InvalidBookmark,
    InvalidPlayQueue,
    PlayQueue,
)
from tonearm.resume.repository import ResumeRepository


class ResumeService:
    """Lets a user stop on one device and go on on another.

    Everything is per user: nobody sees or changes another user's bookmarks or queue.
    Songs must be in the library when a bookmark or queue is saved; songs removed later
    drop out of what is read back.
    """

    def __init__(
        self,
        repository: ResumeRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repository = repository
        self._clock = clock

    async def bookmarks(self, user_id: UUID) -> list[Bookmark]:
        """The user's bookmarks in songs still in the library, newest change first."""
        return await self._repository.bookmarks(user_id)

    async def save_bookmark(
        self, user_id: UUID, song_id: UUID, position_ms: int, comment: str | None = None
    ) -> Bookmark:
        """Set the user's bookmark in a song (replacing an earlier one).

        Raises SongNotFound or InvalidBookmark.
        """
        if position_ms < 0:
            raise InvalidBookmark(f"position {position_ms}: must be 0 or more milliseconds")
        text = (comment or "").strip() or None
        if text is not None and len(text) > MAX_BOOKMARK_COMMENT_LENGTH:
            raise InvalidBookmark(
                f"bookmark comment: {len(text)} characters, "
                f"at most {MAX_BOOKMARK_COMMENT_LENGTH} allowed"
            )
        if not await self._repository.live_songs([song_id]):
            raise SongNotFound(song_id)
        now = self._clock()
        return await self._repository.put_bookmark(
            user_id, Bookmark(song_id, position_ms, text, now, now)
        )

    async def delete_bookmark(self, user_id: UUID, song_id: UUID) -> None:
        """Remove the user's bookmark in a song; raises BookmarkNotFound."""
        if not await self._repository.delete_bookmark(user_id, song_id):
            raise BookmarkNotFound(song_id)

    async def play_queue(self, user_id: UUID) -> PlayQueue | None:
        """The user's saved queue without songs removed since, or None when there is none.

        When the current song was removed, the next remaining one becomes current.
        """
        queue = await self._repository.play_queue(user_id)
        if queue is None:
            return None
        live = await self._repository.live_songs(queue.song_ids)
        if len(live) == len(set(queue.song_ids)):
            return queue
        kept: list[UUID] = []
        current: int | None = None
        for index, song_id in enumerate(queue.song_ids):
            if song_id not in live:
                continue
            if current is None and queue.current_index is not None and index >= queue.current_index:
                current = len(kept)
            kept.append(song_id)
        if not kept:
            return None
        # The position belongs to the current song: it carries over only if that song stays.
        same_song = queue.current_song_id in live
        return PlayQueue(
            tuple(kept),
            current,
            queue.position_ms if same_song else 0,
            queue.changed_by,
            queue.updated_at,
        )

    async def save_play_queue(
        self,
        user_id: UUID,
        song_ids: Sequence[UUID],
        current_index: int | None,
        position_ms: int,
        changed_by: str,
    ) -> PlayQueue | None:
        """Replace the user's queue; an empty list clears it (and returns None).

        `current_index` is 0-based (None: nothing current, allowed only with position 0).
        Raises InvalidPlayQueue or SongNotFound (naming the first unknown song), saving
        nothing.
        """
        if not song_ids:
            await self._repository.delete_play_queue(user_id)
            return None
        if len(song_ids) > MAX_QUEUE_LENGTH:
            raise InvalidPlayQueue(
                f"play queue: {len(song_ids)} songs, at most {MAX_QUEUE_LENGTH} allowed"
            )
        if current_index is not None and not 0 <= current_index < len(song_ids):
            raise InvalidPlayQueue(
                f"current index {current_index}: the queue has songs at 0..{len(song_ids) - 1}"
            )
        if position_ms < 0:
            raise InvalidPlayQueue(f"position {position_ms}: must be 0 or more milliseconds")
        live = await self._repository.live_songs(song_ids)
        for song_id in song_ids:
            if song_id not in live:
                raise SongNotFound(song_id)
        queue = PlayQueue(
            tuple(song_ids),
            current_index,
            position_ms,
            changed_by.strip()[:MAX_CLIENT_NAME_LENGTH] or "unknown",
            self._clock(),
        )
        await self._repository.put_play_queue(user_id, queue)
        return queue


def index_of_song(song_ids: Sequence[UUID], current: UUID | None) -> int | None:
    """The index of the first `current` in `song_ids` (how Subsonic's `current` song id
    maps to an index); None for None. Raises InvalidPlayQueue when it is not in the list."""
    if current is None:
        return None
    try:
        return list(song_ids).index(current)
    except ValueError:
        raise InvalidPlayQueue(f"current song {current} is not in the queue") from None
