"""MediaCatalog on SQLAlchemy: a song's stored objects in one or two small queries."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.engine import AnyRow, RowReads
from tonearm.adapters.db.song_merge import resolve_alias
from tonearm.adapters.db.tables import RenditionRow, SongRow, UserRow
from tonearm.streaming.models import ORIGINAL_KIND, MediaSource, SongMedia

_ORIGINAL_COLUMNS = (
    SongRow.id,
    SongRow.original_path,
    SongRow.original_key,
    SongRow.original_format,
    SongRow.original_size_bytes,
    SongRow.original_mtime_ns,
    SongRow.last_updated,
    SongRow.deleted_at,
)


# A song with each of its renditions (one row with None when it has none).
_SONG_MEDIA = (
    select(SongRow, RenditionRow)
    .outerjoin(RenditionRow, RenditionRow.song_id == SongRow.id)
    .where(SongRow.id == bindparam("song_id", type_=SongRow.id.type))
)


class SqlMediaCatalog:
    """Songs' originals and renditions, as streaming sees them."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, row_reads: RowReads | None = None
    ) -> None:
        """`row_reads`: the database's cheapest one-row reads (engine.py), for
        `media_source`; without them it reads through `sessions`."""
        self._sessions = sessions
        self._row_reads = row_reads

    async def song_media(self, song_id: UUID) -> SongMedia | None:
        """The song's original, stored objects, play count and lyrics: the song and its
        renditions in one statement (a second for an id merged away by enrichment)."""
        async with self._sessions() as session:
            rows = (await session.execute(_SONG_MEDIA, {"song_id": song_id})).all()
            if not rows and (kept := await resolve_alias(session, song_id)) is not None:
                rows = (await session.execute(_SONG_MEDIA, {"song_id": kept})).all()
            if not rows:
                return None
            song = rows[0][0]
            objects = {r.kind: _rendition_source(r) for _, r in rows if r is not None}
        return SongMedia(
            song_id=song.id,
            play_count=song.play_count,
            deleted=song.deleted_at is not None,
            original=_original_source(song),
            objects=objects,
            lyrics=song.lyrics,
            # Stored as {"lines": [...]}: JSON columns want an object at the top.
            synced_lyrics=(song.synced_lyrics or {}).get("lines"),
            duration_ms=song.duration_ms,
        )

    async def media_source(
        self, song_id: UUID, kind: str, user_id: UUID
    ) -> tuple[bool, MediaSource | None]:
        """The user's active flag and one object of a live song, in one statement: the
        user's row, outer-joined to the object (absent: None)."""
        params = {"song_id": song_id, "kind": kind, "user_id": user_id}
        original = kind == ORIGINAL_KIND
        statement = _ORIGINAL_WITH_USER if original else _RENDITION_WITH_USER
        found: AnyRow | None
        if self._row_reads is not None:
            found = await self._row_reads.first(statement, params)
        else:
            async with self._sessions() as session:
                found = (await session.execute(statement, params)).first()
        if found is None:
            return False, None
        active, present = found[0], found[1] is not None
        if not present:
            return bool(active), None
        return bool(active), _original_source(found) if original else _rendition_source(found)


# Built once: every media request runs one of these two, and building the expression
# costs more than running it. The user's row outer-joined to the object: no row at all
# means no such user; a NULL object means no such (live) object.
_LIVE_SONG = (SongRow.id == bindparam("song_id")) & SongRow.deleted_at.is_(None)
_ORIGINAL_WITH_USER = (
    select(UserRow.active, *_ORIGINAL_COLUMNS)
    .select_from(UserRow)
    .outerjoin(SongRow, _LIVE_SONG)
    .where(UserRow.id == bindparam("user_id"))
)
_RENDITION_WITH_USER = (
    select(
        UserRow.active,
        RenditionRow.song_id,
        RenditionRow.kind,
        RenditionRow.codec,
        RenditionRow.bitrate_kbps,
        RenditionRow.size_bytes,
        RenditionRow.created_at,
        RenditionRow.storage_key,
    )
    .select_from(UserRow)
    .outerjoin(
        RenditionRow,
        (RenditionRow.song_id == bindparam("song_id"))
        & (RenditionRow.kind == bindparam("kind"))
        & RenditionRow.song_id.in_(select(SongRow.id).where(_LIVE_SONG)),
    )
    .where(UserRow.id == bindparam("user_id"))
)


def _rendition_source(row: RenditionRow | AnyRow) -> MediaSource:
    return MediaSource(
        song_id=row.song_id,
        kind=row.kind,
        codec=row.codec,
        bitrate_kbps=row.bitrate_kbps,
        size_bytes=row.size_bytes,
        modified_at=row.created_at,
        storage_key=row.storage_key,
        path=None,
    )


def _original_source(song: SongRow | AnyRow) -> MediaSource | None:
    if song.original_path is None and song.original_key is None:
        return None
    if song.original_mtime_ns is not None:
        modified = datetime.fromtimestamp(song.original_mtime_ns / 1e9, tz=UTC)
    else:
        modified = song.last_updated
    return MediaSource(
        song_id=song.id,
        kind=ORIGINAL_KIND,
        codec=song.original_format,
        bitrate_kbps=None,
        size_bytes=song.original_size_bytes or 0,
        modified_at=modified,
        storage_key=song.original_key,
        path=song.original_path if song.original_key is None else None,
    )
