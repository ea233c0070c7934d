"""PlaylistRepository on SQLAlchemy: `playlists` and `playlist_songs`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.catalog_repository.songs import live_song_ids
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    PlaylistRow,
    PlaylistSongRow,
    SmartPlaylistRow,
    SongArtistRow,
    SongRow,
)
from tonearm.playlists.models import (
    Keep,
    Playlist,
    PlaylistContents,
    PlaylistEntry,
    PlaylistNotFound,
    PlaylistOrder,
    PlaylistReadOnly,
    UnknownSongs,
)
from tonearm.playlists.repository import SongOrderEdit
from tonearm.playlists.smart.models import SmartPlaylistReadOnly


class SqlPlaylistRepository:
    """Playlists in `playlists`, their entries in `playlist_songs` keyed by (playlist, position).

    A playlist read from a file in a music folder (`source_path` set) is seen by every user
    and changed by none: each write refuses it with PlaylistReadOnly.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, playlist: Playlist, song_ids: Sequence[UUID]) -> PlaylistContents:
        """Insert the playlist and its entries in one transaction, and read the entries back
        in it (the playlist row is the one just written: no need to read it)."""
        try:
            async with self._sessions.begin() as session:
                session.add(
                    PlaylistRow(
                        id=playlist.id,
                        owner_id=playlist.owner_id,
                        name=playlist.name,
                        comment=playlist.comment,
                        auto_generated=playlist.auto_generated,
                        created_at=playlist.created_at,
                        updated_at=playlist.updated_at,
                    )
                )
                await session.flush()
                await _insert_entries(session, playlist.id, song_ids, start=0)
                entries = await _entries(session, playlist.id)
        except IntegrityError:
            # A song deleted outright since the caller checked it (tombstones do not do this).
            raise UnknownSongs(song_ids) from None
        playable = [entry for entry in entries if entry.available]
        counted = replace(
            playlist,
            song_count=len(playable),
            duration_ms=sum(entry.duration_ms for entry in playable),
        )
        return PlaylistContents(counted, entries)

    async def get(self, playlist_id: UUID, owner_id: UUID) -> Playlist:
        """The playlist with counts of its playable songs; raises PlaylistNotFound."""
        async with self._sessions() as session:
            row = (await session.execute(_summaries(owner_id, playlist_id))).one_or_none()
        if row is None:
            raise PlaylistNotFound(playlist_id)
        return _to_playlist(row[0], row[1], row[2], row[3])

    async def contents(self, playlist_id: UUID, owner_id: UUID) -> PlaylistContents:
        """The playlist and its entries from one session; counts computed from the entries."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(PlaylistRow, SmartPlaylistRow.valid_until)
                    .outerjoin(SmartPlaylistRow, SmartPlaylistRow.playlist_id == PlaylistRow.id)
                    .where(PlaylistRow.id == playlist_id, _visible_to(owner_id))
                )
            ).one_or_none()
            if found is None:
                raise PlaylistNotFound(playlist_id)
            entries = await _entries(session, playlist_id)
        playable = [entry for entry in entries if entry.available]
        playlist = _to_playlist(
            found[0], len(playable), sum(entry.duration_ms for entry in playable), found[1]
        )
        return PlaylistContents(playlist, entries)

    async def list(self, owner_id: UUID, order: PlaylistOrder) -> list[Playlist]:
        """The owner's playlists, sorted here so both databases order names alike."""
        async with self._sessions() as session:
            rows = (await session.execute(_summaries(owner_id))).all()
        playlists = [_to_playlist(row[0], row[1], row[2], row[3]) for row in rows]
        if order is PlaylistOrder.NAME:
            return sorted(playlists, key=lambda p: (p.name.casefold(), p.name, p.created_at))
        if order is PlaylistOrder.UPDATED:
            return sorted(playlists, key=lambda p: (p.updated_at, p.id.bytes), reverse=True)
        return sorted(playlists, key=lambda p: (p.created_at, p.id.bytes), reverse=True)

    async def update_details(
        self,
        playlist_id: UUID,
        owner_id: UUID,
        name: str | Keep,
        comment: str | Keep | None,
        now: datetime,
    ) -> None:
        """Set what is not KEEP and bump updated_at; raises PlaylistNotFound."""
        values: dict[str, Any] = {"updated_at": now}
        if not isinstance(name, Keep):
            values["name"] = name
        if not isinstance(comment, Keep):
            values["comment"] = comment
        async with self._sessions.begin() as session:
            await _touch(session, playlist_id, owner_id, values)

    async def edit_songs(
        self, playlist_id: UUID, owner_id: UUID, edit: SongOrderEdit, now: datetime
    ) -> None:
        """Read the order, apply `edit`, write back only what changed, in one transaction.

        Bumping updated_at comes first: that write locks the playlist's row on PostgreSQL
        and takes SQLite's write lock, so a concurrent edit waits and then reads our result
        instead of overwriting it.
        """
        current: list[UUID] = []
        changed: list[UUID] = []
        try:
            async with self._sessions.begin() as session:
                await _touch(session, playlist_id, owner_id, {"updated_at": now})
                current = list(
                    await session.scalars(
                        select(PlaylistSongRow.song_id)
                        .where(PlaylistSongRow.playlist_id == playlist_id)
                        .order_by(PlaylistSongRow.position)
                    )
                )
                changed = edit(current)
                # Entries before the first difference keep their rows; the rest are deleted
                # before being written again, so (playlist_id, position) never collides.
                same = _common_prefix(current, changed)
                if same < len(current):
                    await session.execute(
                        delete(PlaylistSongRow).where(
                            PlaylistSongRow.playlist_id == playlist_id,
                            PlaylistSongRow.position >= same,
                        )
                    )
                await _insert_entries(session, playlist_id, changed[same:], start=same)
        except IntegrityError:
            # A song deleted outright since the caller checked it (tombstones do not do this).
            raise UnknownSongs(set(changed) - set(current)) from None

    async def delete(self, playlist_id: UUID, owner_id: UUID) -> None:
        """Delete the row; entries go with it (ON DELETE CASCADE)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PlaylistRow).where(
                    PlaylistRow.id == playlist_id,
                    PlaylistRow.owner_id == owner_id,
                    PlaylistRow.source_path.is_(None),
                    _not_smart(),
                )
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                await _refuse(session, playlist_id)

    async def playable_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Which of `song_ids` exist and are not tombstoned."""
        async with self._sessions() as session:
            return await live_song_ids(session, song_ids)


def _not_smart() -> ColumnElement[bool]:
    """Smart playlists' songs follow their rules: hand edits are refused."""
    return not_(exists().where(SmartPlaylistRow.playlist_id == PlaylistRow.id))


def _visible_to(owner_id: UUID) -> ColumnElement[bool]:
    """The owner's playlists and every scanned one."""
    return or_(PlaylistRow.owner_id == owner_id, PlaylistRow.source_path.is_not(None))


async def _refuse(session: AsyncSession, playlist_id: UUID) -> None:
    """A write matched no row: PlaylistReadOnly for a scanned playlist, else PlaylistNotFound."""
    scanned = await session.scalar(
        select(PlaylistRow.id).where(
            PlaylistRow.id == playlist_id, PlaylistRow.source_path.is_not(None)
        )
    )
    if scanned is not None:
        raise PlaylistReadOnly(playlist_id)
    if await session.get(SmartPlaylistRow, playlist_id) is not None:
        raise SmartPlaylistReadOnly(playlist_id)
    raise PlaylistNotFound(playlist_id)


def _summaries(
    owner_id: UUID, playlist_id: UUID | None = None
) -> Select[PlaylistRow, int, int, datetime | None]:
    """(PlaylistRow, playable song count, their total duration) of the playlists the owner
    sees: their own and the scanned ones."""
    owned = [_visible_to(owner_id)]
    if playlist_id is not None:
        owned.append(PlaylistRow.id == playlist_id)
    stats = (
        select(
            PlaylistSongRow.playlist_id.label("playlist_id"),
            func.count().label("song_count"),
            func.sum(SongRow.duration_ms).label("duration_ms"),
        )
        .join(SongRow, and_(SongRow.id == PlaylistSongRow.song_id, SongRow.deleted_at.is_(None)))
        .join(PlaylistRow, PlaylistRow.id == PlaylistSongRow.playlist_id)
        .where(*owned)
        .group_by(PlaylistSongRow.playlist_id)
        .subquery()
    )
    return (
        select(
            PlaylistRow,
            func.coalesce(stats.c.song_count, 0),
            func.coalesce(stats.c.duration_ms, 0),
            SmartPlaylistRow.valid_until,
        )
        .outerjoin(stats, stats.c.playlist_id == PlaylistRow.id)
        .outerjoin(SmartPlaylistRow, SmartPlaylistRow.playlist_id == PlaylistRow.id)
        .where(*owned)
    )


async def _touch(
    session: AsyncSession, playlist_id: UUID, owner_id: UUID, values: dict[str, Any]
) -> None:
    result = await session.execute(
        update(PlaylistRow)
        .where(
            PlaylistRow.id == playlist_id,
            PlaylistRow.owner_id == owner_id,
            PlaylistRow.source_path.is_(None),
            _not_smart(),
        )
        .values(**values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        await _refuse(session, playlist_id)


async def _insert_entries(
    session: AsyncSession, playlist_id: UUID, song_ids: Sequence[UUID], start: int
) -> None:
    if not song_ids:
        return
    await session.execute(
        insert(PlaylistSongRow),
        [
            {"playlist_id": playlist_id, "position": start + offset, "song_id": song_id}
            for offset, song_id in enumerate(song_ids)
        ],
    )


async def _entries(session: AsyncSession, playlist_id: UUID) -> list[PlaylistEntry]:
    rows = await session.execute(
        select(
            PlaylistSongRow.position,
            SongRow.id,
            SongRow.title,
            AlbumRow.name,
            SongRow.duration_ms,
            SongRow.deleted_at,
        )
        .join(SongRow, SongRow.id == PlaylistSongRow.song_id)
        .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
        .where(PlaylistSongRow.playlist_id == playlist_id)
        .order_by(PlaylistSongRow.position)
    )
    artist_rows = await session.execute(
        select(SongArtistRow.song_id, ArtistRow.name)
        .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
        .where(
            SongArtistRow.song_id.in_(
                select(PlaylistSongRow.song_id).where(PlaylistSongRow.playlist_id == playlist_id)
            )
        )
        .order_by(SongArtistRow.song_id, SongArtistRow.position)
    )
    artists: dict[UUID, list[str]] = {}
    for song_id, name in artist_rows:
        artists.setdefault(song_id, []).append(name)
    return [
        PlaylistEntry(
            position=position,
            song_id=song_id,
            title=title,
            artists=tuple(artists.get(song_id, ())),
            album=album,
            duration_ms=duration_ms,
            available=deleted_at is None,
        )
        for position, song_id, title, album, duration_ms, deleted_at in rows
    ]


def _common_prefix(old: Sequence[UUID], new: Sequence[UUID]) -> int:
    same = 0
    for before, after in zip(old, new, strict=False):
        if before != after:
            break
        same += 1
    return same


def _to_playlist(
    row: PlaylistRow, song_count: int, duration_ms: int, valid_until: datetime | None = None
) -> Playlist:
    return Playlist(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        comment=row.comment,
        auto_generated=row.auto_generated,
        created_at=row.created_at,
        updated_at=row.updated_at,
        song_count=int(song_count),
        duration_ms=int(duration_ms),
        read_only=row.source_path is not None or valid_until is not None,
        smart=valid_until is not None,
        valid_until=valid_until,
    )
