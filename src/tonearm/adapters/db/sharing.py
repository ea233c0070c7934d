"""ShareRepository on SQLAlchemy: `shares` and `share_songs`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    PlaylistRow,
    PlaylistSongRow,
    ShareRow,
    ShareSongRow,
    SongArtistRow,
    SongRow,
    UserRow,
)
from tonearm.sharing.models import (
    Keep,
    Share,
    ShareKind,
    ShareNotFound,
    SongListing,
)

IN_CHUNK = 500


class SqlShareRepository:
    """Shares keyed by id with a unique slug; their songs in `share_songs` by position."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def resolve(self, owner_id: UUID, item_id: UUID) -> tuple[ShareKind, list[UUID]] | None:
        """A live song, else an album's live tracks, else the owner's playlist's live songs."""
        async with self._sessions() as session:
            song = await session.scalar(
                select(SongRow.id).where(SongRow.id == item_id, SongRow.deleted_at.is_(None))
            )
            if song is not None:
                return ShareKind.SONG, [song]
            if await session.scalar(select(AlbumRow.id).where(AlbumRow.id == item_id)):
                tracks = await session.scalars(
                    select(SongRow.id)
                    .where(SongRow.album_id == item_id, SongRow.deleted_at.is_(None))
                    .order_by(
                        # Songs without numbers first, as the album listing shows them.
                        func.coalesce(SongRow.disc_number, 0),
                        func.coalesce(SongRow.track_number, 0),
                        SongRow.sort_key,
                        SongRow.id,
                    )
                )
                return ShareKind.ALBUM, list(tracks)
            owned = await session.scalar(
                select(PlaylistRow.id).where(
                    PlaylistRow.id == item_id, PlaylistRow.owner_id == owner_id
                )
            )
            if owned is not None:
                entries = await session.scalars(
                    select(PlaylistSongRow.song_id)
                    .join(SongRow, SongRow.id == PlaylistSongRow.song_id)
                    .where(PlaylistSongRow.playlist_id == item_id, SongRow.deleted_at.is_(None))
                    .order_by(PlaylistSongRow.position)
                )
                return ShareKind.PLAYLIST, list(entries)
        return None

    async def add(self, share: Share) -> None:
        """Insert the share and its songs in one transaction."""
        try:
            async with self._sessions.begin() as session:
                session.add(
                    ShareRow(
                        id=share.id,
                        slug=share.slug,
                        user_id=share.owner_id,
                        item_kind=share.kind.value,
                        item_id=share.item_id,
                        description=share.description,
                        created_at=share.created_at,
                        expires_at=share.expires_at,
                        last_visited_at=None,
                        visit_count=0,
                    )
                )
                await session.flush()
                await session.execute(
                    insert(ShareSongRow),
                    [
                        {"share_id": share.id, "position": position, "song_id": song_id}
                        for position, song_id in enumerate(share.song_ids)
                    ],
                )
        except IntegrityError:
            # A song deleted outright between resolving and storing (tombstones do not).
            raise ShareNotFound("items: a song was removed while sharing it") from None

    async def get(self, owner_id: UUID, share_id: UUID) -> Share:
        """The owner's share with its live songs; raises ShareNotFound."""
        async with self._sessions() as session:
            shares = await _load(session, ShareRow.id == share_id, ShareRow.user_id == owner_id)
        if not shares:
            raise ShareNotFound(str(share_id))
        return shares[0]

    async def by_slug(self, slug: str) -> Share | None:
        """Anyone's share by slug."""
        async with self._sessions() as session:
            shares = await _load(session, ShareRow.slug == slug)
        return shares[0] if shares else None

    async def list(self, owner_id: UUID) -> list[Share]:
        """The owner's shares, newest first."""
        async with self._sessions() as session:
            return await _load(session, ShareRow.user_id == owner_id)

    async def update(
        self,
        owner_id: UUID,
        share_id: UUID,
        description: str | Keep | None,
        expires_at: datetime | Keep | None,
    ) -> None:
        """Set the fields that are not KEEP."""
        values: dict[str, Any] = {}
        if not isinstance(description, Keep):
            values["description"] = description
        if not isinstance(expires_at, Keep):
            values["expires_at"] = expires_at
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ShareRow)
                .where(ShareRow.id == share_id, ShareRow.user_id == owner_id)
                .values(**values)
            )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise ShareNotFound(str(share_id))

    async def delete(self, owner_id: UUID, share_id: UUID) -> None:
        """Delete the row; its songs go with it (ON DELETE CASCADE, and explicitly for
        SQLite connections without foreign keys)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ShareRow).where(ShareRow.id == share_id, ShareRow.user_id == owner_id)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                await session.execute(delete(ShareSongRow).where(ShareSongRow.share_id == share_id))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise ShareNotFound(str(share_id))

    async def record_visit(self, share_id: UUID, at: datetime) -> None:
        """visit_count + 1 in SQL, so concurrent visits all count."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ShareRow)
                .where(ShareRow.id == share_id)
                .values(visit_count=ShareRow.visit_count + 1, last_visited_at=at)
            )

    async def listings(self, song_ids: Sequence[UUID]) -> dict[UUID, SongListing]:
        """Title, artists, album and length of live songs."""
        wanted = list(dict.fromkeys(song_ids))
        found: dict[UUID, SongListing] = {}
        async with self._sessions() as session:
            for start in range(0, len(wanted), IN_CHUNK):
                batch = wanted[start : start + IN_CHUNK]
                artists: dict[UUID, list[str]] = defaultdict(list)
                for song_id, name in await session.execute(
                    select(SongArtistRow.song_id, ArtistRow.name)
                    .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
                    .where(SongArtistRow.song_id.in_(batch))
                    .order_by(SongArtistRow.song_id, SongArtistRow.position)
                ):
                    artists[song_id].append(name)
                for song_id, title, album, duration_ms in await session.execute(
                    select(SongRow.id, SongRow.title, AlbumRow.name, SongRow.duration_ms)
                    .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
                    .where(SongRow.id.in_(batch), SongRow.deleted_at.is_(None))
                ):
                    found[song_id] = SongListing(
                        song_id, title, tuple(artists[song_id]), album, duration_ms
                    )
        return found

    async def plays_song(self, share_id: UUID, song_id: UUID, now: datetime) -> bool:
        """One indexed lookup: the share's row (unexpired) joined to the song's entry."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(ShareRow.id)
                .join(ShareSongRow, ShareSongRow.share_id == ShareRow.id)
                .where(
                    ShareRow.id == share_id,
                    ShareSongRow.song_id == song_id,
                    or_(ShareRow.expires_at.is_(None), ShareRow.expires_at > now),
                )
                .limit(1)
            )
        return found is not None


async def _load(session: AsyncSession, *conditions: Any) -> list[Share]:
    rows = (
        await session.execute(
            select(ShareRow, UserRow.username)
            .join(UserRow, UserRow.id == ShareRow.user_id)
            .where(*conditions)
            .order_by(ShareRow.created_at.desc(), ShareRow.id)
        )
    ).all()
    if not rows:
        return []
    ids = [row[0].id for row in rows]
    songs: dict[UUID, list[UUID]] = defaultdict(list)
    for start in range(0, len(ids), IN_CHUNK):
        for share_id, song_id in await session.execute(
            select(ShareSongRow.share_id, ShareSongRow.song_id)
            .join(SongRow, SongRow.id == ShareSongRow.song_id)
            .where(
                ShareSongRow.share_id.in_(ids[start : start + IN_CHUNK]),
                SongRow.deleted_at.is_(None),
            )
            .order_by(ShareSongRow.share_id, ShareSongRow.position)
        ):
            songs[share_id].append(song_id)
    return [
        Share(
            id=row.id,
            slug=row.slug,
            owner_id=row.user_id,
            owner_username=username,
            kind=ShareKind(row.item_kind),
            item_id=row.item_id,
            description=row.description,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_visited_at=row.last_visited_at,
            visit_count=row.visit_count,
            song_ids=tuple(songs[row.id]),
        )
        for row, username in rows
    ]
