"""Merging two songs found to hold the same audio, and the aliases the merge leaves.

Deterministic: the older song (by added_at, then id) stays; every piece of history that
names the other one moves to it (plays and listening events, likes/stars, ratings, playlist
and share entries, bookmarks, saved play queues, now-playing rows); where a user has the
same thing for both (a star, a rating, a bookmark), the kept song's wins. The dropped id is
deleted (a DELETE in the change log tells syncing clients) and recorded in `song_aliases`, so
a client or playlist still holding it gets the kept song.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.changes import ChangeEntity, ChangeOp, append_change
from tonearm.adapters.db.song_search.index import unindex_song
from tonearm.adapters.db.tables import (
    BookmarkRow,
    ImportFailureRow,
    NowPlayingRow,
    PlaylistSongRow,
    PlayQueueRow,
    RatingRow,
    RenditionRow,
    ShareRow,
    ShareSongRow,
    SongAliasRow,
    SongArtistRow,
    SongContributorRow,
    SongEnrichmentRow,
    SongFeatureRow,
    SongGenreRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)

# Columns that describe the file and its tags: a kept song without a file takes them over.
_FILE_COLUMNS = (
    "title",
    "sort_title",
    "album_id",
    "album_artist_id",
    "track_number",
    "track_total",
    "disc_number",
    "disc_total",
    "year",
    "original_path",
    "original_key",
    "folder_path",
    "original_format",
    "original_size_bytes",
    "original_mtime_ns",
    "musicbrainz_recording_id",
    "musicbrainz_album_id",
    "isrc",
    "lyrics",
    "synced_lyrics",
    "compilation",
    "bpm",
    "comment",
    "original_date",
    "release_types",
    "record_labels",
    "moods",
    "sample_rate",
    "bit_depth",
    "channels",
    "tags_version",
)


async def resolve_alias(session: AsyncSession, song_id: UUID) -> UUID | None:
    """The song a merged-away id now answers as, if it is one."""
    return await session.scalar(select(SongAliasRow.song_id).where(SongAliasRow.old_id == song_id))


def older_first(a: SongRow, b: SongRow) -> tuple[SongRow, SongRow]:
    """(kept, dropped): the older song stays; ties go to the smaller id."""
    return (a, b) if (a.added_at, str(a.id)) <= (b.added_at, str(b.id)) else (b, a)


def has_live_file(row: SongRow) -> bool:
    """A song whose original is still there (in storage, or in place and not removed)."""
    return row.deleted_at is None and (
        row.original_key is not None or row.original_path is not None
    )


async def merge_songs(
    session: AsyncSession, kept: SongRow, dropped: SongRow, now: datetime
) -> None:
    """Fold `dropped` into `kept` in the caller's transaction (see the module docstring)."""
    k, d = kept.id, dropped.id
    for table in (UserInteractionRow, PlaylistSongRow, ShareSongRow):
        await session.execute(update(table).where(table.song_id == d).values(song_id=k))
    await session.execute(
        update(ShareRow)
        .where(ShareRow.item_kind == "song", ShareRow.item_id == d)
        .values(item_id=k)
    )
    await session.execute(update(NowPlayingRow).where(NowPlayingRow.song_id == d).values(song_id=k))
    taken_bookmarks = select(BookmarkRow.user_id).where(BookmarkRow.song_id == k)
    await session.execute(
        update(BookmarkRow)
        .where(BookmarkRow.song_id == d, BookmarkRow.user_id.not_in(taken_bookmarks))
        .values(song_id=k)
    )
    for keyed in (StarredItemRow, RatingRow):
        taken = select(keyed.user_id).where(keyed.item_kind == "song", keyed.item_id == k)
        await session.execute(
            update(keyed)
            .where(keyed.item_kind == "song", keyed.item_id == d, keyed.user_id.not_in(taken))
            .values(item_id=k)
        )
        await session.execute(delete(keyed).where(keyed.item_kind == "song", keyed.item_id == d))
    for queue in await session.scalars(select(PlayQueueRow)):
        if str(d) in queue.song_ids:
            queue.song_ids = [str(k) if song == str(d) else song for song in queue.song_ids]
    kept.play_count += dropped.play_count
    kept.popularity_score = max(kept.popularity_score, dropped.popularity_score)

    takes_file = not has_live_file(kept) and has_live_file(dropped)
    if takes_file:
        await _take_over_file(session, kept, dropped)
    elif dropped.original_path is not None and dropped.deleted_at is None:
        # Both files are there: the second is remembered as a duplicate, so rescans skip it
        # while it is unchanged instead of listing it again.
        await session.merge(
            ImportFailureRow(
                path=dropped.original_path,
                reason=f"same audio as “{kept.title}” (merged into song {k})",
                source="scan",
                size_bytes=dropped.original_size_bytes,
                mtime_ns=dropped.original_mtime_ns,
                failed_at=now,
            )
        )
    await session.execute(update(SongAliasRow).where(SongAliasRow.song_id == d).values(song_id=k))
    await unindex_song(session, d)
    # Explicit, not left to ON DELETE CASCADE: SQLite enforces it only with a pragma.
    for owned in (
        RenditionRow,
        SongFeatureRow,
        SongArtistRow,
        SongGenreRow,
        SongContributorRow,
        SongEnrichmentRow,
        BookmarkRow,
    ):
        await session.execute(delete(owned).where(owned.song_id == d))
    await session.execute(delete(SongRow).where(SongRow.id == d))
    await session.flush()
    session.add(SongAliasRow(old_id=d, song_id=k, merged_at=now))
    kept.deleted_at = None if takes_file else kept.deleted_at
    kept.last_updated = now
    await append_change(session, ChangeEntity.SONG, d, ChangeOp.DELETE, now)
    await append_change(session, ChangeEntity.SONG, k, ChangeOp.UPSERT, now)


async def _take_over_file(session: AsyncSession, kept: SongRow, dropped: SongRow) -> None:
    """The kept song lost its file (moved, removed): it becomes the dropped song's file,
    tags and links, and inherits its place in the enrichment queue."""
    values = {column: getattr(dropped, column) for column in _FILE_COLUMNS}
    for link in (SongArtistRow, SongGenreRow, SongContributorRow):
        await session.execute(delete(link).where(link.song_id == kept.id))
        await session.execute(
            update(link).where(link.song_id == dropped.id).values(song_id=kept.id)
        )
    await session.execute(delete(SongEnrichmentRow).where(SongEnrichmentRow.song_id == kept.id))
    await session.execute(
        update(SongEnrichmentRow)
        .where(SongEnrichmentRow.song_id == dropped.id)
        .values(song_id=kept.id)
    )
    # The unique original_path must be free before the kept row takes it.
    await session.execute(
        update(SongRow).where(SongRow.id == dropped.id).values(original_path=None)
    )
    await session.flush()
    for column, value in values.items():
        setattr(kept, column, value)


__all__ = ["has_live_file", "merge_songs", "older_first", "resolve_alias"]
