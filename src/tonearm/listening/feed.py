"""Who else hears about listening: counted plays, songs starting, loves. Scrobbling
(scrobbling/service.py) is the one listener; it is handed to the services at construction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import structlog

from tonearm.listening.models import CountedPlay

log = structlog.get_logger(__name__)


class ListeningFeed(Protocol):
    """Told after the fact; its failures never undo or fail what listening did."""

    async def plays_counted(self, user_id: UUID, plays: Sequence[CountedPlay]) -> None:
        """These plays just counted (stored and committed)."""
        ...

    async def playing_now(self, user_id: UUID, song_id: UUID, started_at: datetime) -> None:
        """A player started the song."""
        ...

    async def song_loved(self, user_id: UUID, song_id: UUID, loved: bool) -> None:
        """The user liked (or stopped liking) the song."""
        ...


async def tell_counted(
    feed: ListeningFeed | None, user_id: UUID, plays: Sequence[CountedPlay]
) -> None:
    """Pass counted plays on; a failure is logged, never raised (the plays are stored)."""
    if feed is None or not plays:
        return
    try:
        await feed.plays_counted(user_id, plays)
    except Exception:
        log.exception("listening.feed_failed", user_id=str(user_id), plays=len(plays))


async def tell_playing(
    feed: ListeningFeed | None, user_id: UUID, song_id: UUID, started_at: datetime
) -> None:
    """Pass a song's start on, best effort."""
    if feed is None:
        return
    try:
        await feed.playing_now(user_id, song_id, started_at)
    except Exception:
        log.exception("listening.feed_failed", user_id=str(user_id), what="playing_now")


async def tell_loved(feed: ListeningFeed | None, user_id: UUID, song_id: UUID, loved: bool) -> None:
    """Pass a like or unlike on; a failure is logged (the like is stored)."""
    if feed is None:
        return
    try:
        await feed.song_loved(user_id, song_id, loved)
    except Exception:
        log.exception("listening.feed_failed", user_id=str(user_id), what="love")
