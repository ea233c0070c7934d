"""SongRepository on SQLAlchemy: songs with artists, album, genres, renditions, change log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.changes import ChangeEntity, ChangeOp, append_change
from tonearm.adapters.db.pending_imports import delete_pending_import
from tonearm.adapters.db.song_merge import resolve_alias
from tonearm.adapters.db.song_search.index import index_song, unindex_song
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    GenreRow,
    ImportFailureRow,
    RenditionRow,
    SongArtistRow,
    SongContributorRow,
    SongEnrichmentRow,
    SongGenreRow,
    SongRow,
)
from tonearm.library.albums import AlbumPlace, album_place
from tonearm.library.models import (
    TAGS_VERSION,
    DuplicateAudio,
    ImportFailure,
    ScannedFile,
    Song,
    SongDraft,
    SongNotFound,
    StoredRendition,
)
from tonearm.library.replaygain import AlbumTrack
from tonearm.library.sorting import sort_name


class SqlSongRepository:
    """Songs in `songs` and the tables around it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- writes -------------------------------------------------------------------------

    async def add(
        self,
        song_id: UUID,
        draft: SongDraft,
        now: datetime,
        renditions: Sequence[StoredRendition] = (),
    ) -> Song:
        """Insert the song, everything it links to and its stored renditions' rows, end its
        pending import, and log it, in one transaction: a reader sees all or nothing."""
        try:
            async with self._sessions.begin() as session:
                if await session.get(SongRow, song_id) is not None:
                    # Another process finished this pending import first.
                    await delete_pending_import(session, song_id)
                    return await self._to_song(session, await session.get_one(SongRow, song_id))
                row = SongRow(id=song_id, added_at=now, play_count=0, popularity_score=0.0)
                await self._fill(session, row, draft, now)
                session.add(row)
                await session.flush()
                await self._link(session, song_id, draft, now)
                for rendition in renditions:
                    session.add(_rendition_row(song_id, rendition))
                await delete_pending_import(session, song_id)
                await append_change(session, ChangeEntity.SONG, song_id, ChangeOp.UPSERT, now)
                await index_song(session, await self._to_song(session, row))
        except IntegrityError:
            existing = await self.find_by_audio_hash(draft.audio_hash)
            if existing is None or existing.id == song_id:
                raise
            raise DuplicateAudio(existing.id) from None
        return await self.get(song_id)

    async def replace_metadata(self, song_id: UUID, draft: SongDraft, now: datetime) -> Song:
        """Overwrite tags and file facts; id, counters and playlist entries stay."""
        async with self._sessions.begin() as session:
            row = await session.get(SongRow, song_id)
            if row is None:
                raise SongNotFound(song_id)
            await self._fill(session, row, draft, now)
            row.deleted_at = None
            await delete_pending_import(session, song_id)
            await session.execute(delete(SongArtistRow).where(SongArtistRow.song_id == song_id))
            await session.execute(delete(SongGenreRow).where(SongGenreRow.song_id == song_id))
            await session.execute(
                delete(SongContributorRow).where(SongContributorRow.song_id == song_id)
            )
            await session.flush()
            await self._link(session, song_id, draft, now)
            await append_change(session, ChangeEntity.SONG, song_id, ChangeOp.UPSERT, now)
            await index_song(session, await self._to_song(session, row))
        return await self.get(song_id)

    async def move_original(
        self,
        song_id: UUID,
        original_path: str,
        folder_path: str,
        size: int,
        mtime_ns: int,
        now: datetime,
    ) -> None:
        """New place of a scanned file; the song and everything linked to it stay."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SongRow)
                .where(SongRow.id == song_id)
                .values(
                    original_path=original_path,
                    folder_path=folder_path,
                    original_size_bytes=size,
                    original_mtime_ns=mtime_ns,
                    deleted_at=None,
                    last_updated=now,
                )
            )
            await append_change(session, ChangeEntity.SONG, song_id, ChangeOp.UPSERT, now)
            # A move revives a tombstoned song: it is searchable again.
            row = await session.get(SongRow, song_id, populate_existing=True)
            if row is not None:
                await index_song(session, await self._to_song(session, row))

    async def tombstone(self, song_id: UUID, now: datetime) -> None:
        """Mark removed (kept for delta sync); its path is freed for a future file."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SongRow)
                .where(SongRow.id == song_id)
                .values(deleted_at=now, last_updated=now, original_path=None)
            )
            await append_change(session, ChangeEntity.SONG, song_id, ChangeOp.DELETE, now)
            await unindex_song(session, song_id)

    async def add_rendition(self, song_id: UUID, rendition: StoredRendition) -> None:
        """Insert or replace the (song, kind) row."""
        values = {
            "song_id": song_id,
            "kind": rendition.kind,
            "codec": rendition.codec,
            "bitrate_kbps": rendition.bitrate_kbps,
            "size_bytes": rendition.size_bytes,
            "storage_key": rendition.storage_key,
            "created_at": rendition.created_at,
        }
        async with self._sessions.begin() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = insert(RenditionRow).values(**values)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[RenditionRow.song_id, RenditionRow.kind],
                    set_={k: v for k, v in values.items() if k not in ("song_id", "kind")},
                )
            )

    async def album_tracks(self, song_id: UUID) -> list[AlbumTrack]:
        """Live songs sharing the album of `song_id`."""
        async with self._sessions() as session:
            album_id = await session.scalar(select(SongRow.album_id).where(SongRow.id == song_id))
            if album_id is None:
                return []
            rows = await session.execute(
                select(
                    SongRow.duration_ms,
                    SongRow.loudness_lufs,
                    SongRow.replaygain_track_peak,
                    SongRow.track_total,
                ).where(SongRow.album_id == album_id, SongRow.deleted_at.is_(None))
            )
            return [AlbumTrack(*row) for row in rows]

    async def set_album_gain(self, song_id: UUID, gain_db: float, peak: float | None) -> None:
        """Album gain and peak on every live song of the album."""
        async with self._sessions.begin() as session:
            album_id = await session.scalar(select(SongRow.album_id).where(SongRow.id == song_id))
            if album_id is None:
                return
            await session.execute(
                update(SongRow)
                .where(SongRow.album_id == album_id, SongRow.deleted_at.is_(None))
                .values(replaygain_album_gain_db=gain_db, replaygain_album_peak=peak)
            )

    async def drop_renditions(self, song_id: UUID) -> list[StoredRendition]:
        """Delete the song's rendition rows (objects stay for the caller to delete)."""
        async with self._sessions.begin() as session:
            rows = list(
                await session.scalars(select(RenditionRow).where(RenditionRow.song_id == song_id))
            )
            await session.execute(delete(RenditionRow).where(RenditionRow.song_id == song_id))
        return [_to_rendition(row) for row in rows]

    async def record_failure(
        self,
        path: str,
        reason: str,
        source: str,
        size: int | None,
        mtime_ns: int | None,
        now: datetime,
    ) -> None:
        """Insert or replace the failure of `path`."""
        async with self._sessions.begin() as session:
            await session.merge(
                ImportFailureRow(
                    path=path,
                    reason=reason,
                    source=source,
                    size_bytes=size,
                    mtime_ns=mtime_ns,
                    failed_at=now,
                )
            )

    async def clear_failure(self, path: str) -> None:
        """Forget a failure once the file imports."""
        async with self._sessions.begin() as session:
            await session.execute(delete(ImportFailureRow).where(ImportFailureRow.path == path))

    # --- reads --------------------------------------------------------------------------

    async def get(self, song_id: UUID) -> Song:
        """The song with its artists and genres (an id merged away gives the song it merged
        into); raises SongNotFound."""
        async with self._sessions() as session:
            row = await session.get(SongRow, song_id)
            if row is None and (kept := await resolve_alias(session, song_id)) is not None:
                row = await session.get(SongRow, kept)
            if row is None:
                raise SongNotFound(song_id)
            return await self._to_song(session, row)

    async def find_by_audio_hash(self, audio_hash: str) -> Song | None:
        """The song with this audio identity, if any."""
        async with self._sessions() as session:
            row = await session.scalar(select(SongRow).where(SongRow.audio_hash == audio_hash))
            return None if row is None else await self._to_song(session, row)

    async def renditions(self, song_id: UUID) -> list[StoredRendition]:
        """Stored objects of the song, by kind."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RenditionRow)
                .where(RenditionRow.song_id == song_id)
                .order_by(RenditionRow.kind)
            )
            return [_to_rendition(row) for row in rows]

    async def scanned_files(self, under: str, batch: int = 1000) -> AsyncIterator[ScannedFile]:
        """Live in-place songs under `under`, in bytewise path order, fetched in batches so
        memory does not grow with the library."""
        prefix = under.rstrip("/") + "/"
        last = ""
        while True:
            async with self._sessions() as session:
                path_order = _bytewise(session, SongRow.original_path)
                rows = (
                    await session.execute(
                        select(
                            SongRow.id,
                            SongRow.original_path,
                            SongRow.original_size_bytes,
                            SongRow.original_mtime_ns,
                            SongRow.audio_hash,
                            SongEnrichmentRow.file_identity,
                            SongRow.tags_version,
                        )
                        .outerjoin(SongEnrichmentRow, SongEnrichmentRow.song_id == SongRow.id)
                        .where(
                            SongRow.deleted_at.is_(None),
                            SongRow.original_path.startswith(prefix, autoescape=True),
                            path_order > last,
                        )
                        .order_by(path_order)
                        .limit(batch)
                    )
                ).all()
            for song_id, path, size, mtime_ns, audio_hash, identity, version in rows:
                yield ScannedFile(
                    song_id, path or "", size, mtime_ns, audio_hash, identity, version
                )
            if len(rows) < batch:
                return
            last = rows[-1][1] or ""

    async def unfinished_imports(self, limit: int = 1000) -> list[UUID]:
        """Live imported songs without a waveform row, oldest first."""
        has_waveform = (
            select(RenditionRow.song_id)
            .where(RenditionRow.song_id == SongRow.id, RenditionRow.kind == "waveform")
            .exists()
        )
        async with self._sessions() as session:
            found = await session.scalars(
                select(SongRow.id)
                .where(
                    SongRow.deleted_at.is_(None),
                    SongRow.original_key.is_not(None),
                    ~has_waveform,
                )
                .order_by(SongRow.added_at, SongRow.id)
                .limit(limit)
            )
            return list(found)

    async def known_storage_keys(self, keys: list[str]) -> set[str]:
        """The subset of `keys` that a song or rendition row points at."""
        if not keys:
            return set()
        async with self._sessions() as session:
            originals = await session.scalars(
                select(SongRow.original_key).where(SongRow.original_key.in_(keys))
            )
            renditions = await session.scalars(
                select(RenditionRow.storage_key).where(RenditionRow.storage_key.in_(keys))
            )
            return {key for key in originals if key} | set(renditions)

    async def failure_for(self, path: str) -> tuple[int | None, int | None] | None:
        """(size, mtime) recorded with the file's last failure."""
        async with self._sessions() as session:
            row = await session.get(ImportFailureRow, path)
            return None if row is None else (row.size_bytes, row.mtime_ns)

    async def failures(self, limit: int, offset: int) -> tuple[list[ImportFailure], int]:
        """Recorded import failures, newest first, and how many there are in all."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ImportFailureRow)
                .order_by(ImportFailureRow.failed_at.desc(), ImportFailureRow.path)
                .limit(limit)
                .offset(offset)
            )
            page = [
                ImportFailure(
                    path=row.path,
                    reason=row.reason,
                    source=row.source,
                    size_bytes=row.size_bytes,
                    failed_at=row.failed_at,
                )
                for row in rows
            ]
            total = await session.scalar(select(func.count()).select_from(ImportFailureRow))
        return page, int(total or 0)

    async def count_live(self) -> int:
        """How many songs are in the library (not tombstoned)."""
        async with self._sessions() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(SongRow).where(SongRow.deleted_at.is_(None))
                )
                or 0
            )

    async def stored_bytes(self) -> tuple[int, int]:
        """Bytes in object storage for live songs: (renditions and art, originals copied in
        by import or upload). Originals read in place from music folders are not counted, nor
        twice an original that stands in for a rendition (library/ladder.py)."""
        async with self._sessions() as session:
            renditions = await session.scalar(
                select(func.coalesce(func.sum(RenditionRow.size_bytes), 0))
                .join(SongRow, SongRow.id == RenditionRow.song_id)
                .where(
                    SongRow.deleted_at.is_(None),
                    func.coalesce(SongRow.original_key, "") != RenditionRow.storage_key,
                )
            )
            originals = await session.scalar(
                select(func.coalesce(func.sum(SongRow.original_size_bytes), 0)).where(
                    SongRow.deleted_at.is_(None), SongRow.original_key.is_not(None)
                )
            )
        return int(renditions or 0), int(originals or 0)

    # --- helpers ------------------------------------------------------------------------

    async def _fill(
        self, session: AsyncSession, row: SongRow, draft: SongDraft, now: datetime
    ) -> None:
        place = album_place(draft)
        album_artist = (
            await _artist(session, place.artist, now, *album_artist_facts(draft, place.artist))
            if place.artist
            else None
        )
        album = (
            await _album(session, place, album_artist, draft.year, now, draft.album_sort)
            if place.name
            else None
        )
        row.title = draft.title
        row.sort_title = sort_name(draft.title_sort or draft.title)
        row.album_id = album.id if album else None
        row.album_artist_id = album_artist.id if album_artist else None
        row.track_number = draft.track_number
        row.track_total = draft.track_total
        row.disc_number = place.disc_number
        row.disc_total = draft.disc_total
        row.year = draft.year
        row.duration_ms = draft.duration_ms
        row.source = draft.source.value
        row.original_path = draft.original_path
        row.original_key = draft.original_key
        row.folder_path = draft.folder_path
        row.original_format = draft.original_format
        row.original_size_bytes = draft.original_size_bytes
        row.original_mtime_ns = draft.original_mtime_ns
        row.audio_hash = draft.audio_hash
        row.musicbrainz_recording_id = draft.musicbrainz_recording_id
        row.musicbrainz_album_id = draft.musicbrainz_album_id
        row.compilation = draft.compilation
        row.isrc = draft.isrc
        row.loudness_lufs = draft.loudness_lufs
        row.replaygain_track_gain_db = draft.replaygain_track_gain_db
        row.replaygain_track_peak = draft.replaygain_track_peak
        row.fingerprint = draft.fingerprint
        row.lyrics = draft.lyrics
        row.synced_lyrics = {"lines": draft.synced_lyrics} if draft.synced_lyrics else None
        row.bpm = draft.bpm
        row.comment = draft.comment
        row.original_date = draft.original_date
        row.release_types = list(draft.release_types) or None
        row.record_labels = list(draft.record_labels) or None
        row.moods = list(draft.moods) or None
        row.sample_rate = draft.sample_rate
        row.bit_depth = draft.bit_depth
        row.channels = draft.channels
        row.tags_version = TAGS_VERSION
        row.last_updated = now

    async def _link(
        self, session: AsyncSession, song_id: UUID, draft: SongDraft, now: datetime
    ) -> None:
        for position, name in enumerate(_unique(draft.artists)):
            artist = await _artist(session, name, now, *artist_facts(draft, name))
            session.add(SongArtistRow(song_id=song_id, position=position, artist_id=artist.id))
        for position, credit in enumerate(draft.contributors):
            artist = await _artist(session, credit.name, now)
            session.add(
                SongContributorRow(
                    song_id=song_id,
                    position=position,
                    role=credit.role,
                    sub_role=credit.sub_role,
                    artist_id=artist.id,
                )
            )
        for position, name in enumerate(_unique(draft.genres)):
            genre = await session.scalar(select(GenreRow).where(GenreRow.name == name))
            if genre is None:
                genre = GenreRow(name=name)
                session.add(genre)
                await session.flush()
            session.add(SongGenreRow(song_id=song_id, genre_id=genre.id, position=position))

    async def _to_song(self, session: AsyncSession, row: SongRow) -> Song:
        artists = await session.scalars(
            select(ArtistRow.name)
            .join(SongArtistRow, SongArtistRow.artist_id == ArtistRow.id)
            .where(SongArtistRow.song_id == row.id)
            .order_by(SongArtistRow.position)
        )
        genres = await session.scalars(
            select(GenreRow.name)
            .join(SongGenreRow, SongGenreRow.genre_id == GenreRow.id)
            .where(SongGenreRow.song_id == row.id)
            .order_by(SongGenreRow.position)
        )
        album = await session.get(AlbumRow, row.album_id) if row.album_id else None
        album_artist = (
            await session.get(ArtistRow, row.album_artist_id) if row.album_artist_id else None
        )
        return Song(
            id=row.id,
            title=row.title,
            artists=tuple(artists),
            album=album.name if album else None,
            album_artist=album_artist.name if album_artist else None,
            track_number=row.track_number,
            disc_number=row.disc_number,
            year=row.year,
            genres=tuple(genres),
            duration_ms=row.duration_ms,
            audio_hash=row.audio_hash,
            original_path=row.original_path,
            original_key=row.original_key,
            folder_path=row.folder_path,
            loudness_lufs=row.loudness_lufs,
            replaygain_track_gain_db=row.replaygain_track_gain_db,
            replaygain_album_gain_db=row.replaygain_album_gain_db,
            play_count=row.play_count,
            added_at=row.added_at,
            deleted_at=row.deleted_at,
        )


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return list(seen)


def _bytewise(session: AsyncSession, column: Any) -> Any:
    # Paths are compared as bytes on both databases, so the order matches the scanner's walk.
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


async def _lock_name(session: AsyncSession, kind: str, name: str) -> None:
    """Artists and albums are found by name, then made, and a scan imports several files at
    once: make sure no other transaction can make this artist or album between our lookup and
    our insert: on PostgreSQL a transaction lock on the name (another process making the same
    one waits, then finds it); on SQLite the database's write lock, taken before the lookup
    (a write statement that changes nothing), so the lookup sees every committed album."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"tonearm:{kind}:{name}"},
        )
    else:
        await session.execute(text("UPDATE artists SET name = name WHERE 0"))


async def _artist(
    session: AsyncSession,
    name: str,
    now: datetime,
    sort_as: str | None = None,
    musicbrainz_id: str | None = None,
) -> ArtistRow:
    """The artist called `name`, made when there is none; a sort tag or MusicBrainz id the
    song carries for it is kept on the artist (the latest tagged song wins)."""
    await _lock_name(session, "artist", name)
    row = await session.scalar(select(ArtistRow).where(ArtistRow.name == name).limit(1))
    if row is None:
        row = ArtistRow(
            id=uuid4(),
            name=name,
            sort_name=sort_name(sort_as or name),
            musicbrainz_id=musicbrainz_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        await append_change(session, ChangeEntity.ARTIST, row.id, ChangeOp.UPSERT, now)
    elif apply_artist_facts(row, sort_as, musicbrainz_id):
        row.updated_at = now
        await append_change(session, ChangeEntity.ARTIST, row.id, ChangeOp.UPSERT, now)
    return row


async def _album(
    session: AsyncSession,
    place: AlbumPlace,
    artist: ArtistRow | None,
    year: int | None,
    now: datetime,
    sort_as: str | None = None,
) -> AlbumRow:
    """The album of `place`: by release id first (whatever the artist tags say), then by
    name and album artist among albums of no other release; made when there is none."""
    assert place.name is not None
    name, release = place.name, place.musicbrainz_id
    if release is not None:
        await _lock_name(session, "album-release", release)
        row = await session.scalar(
            select(AlbumRow).where(AlbumRow.musicbrainz_id == release).limit(1)
        )
        if row is not None:
            _apply_album_sort(row, sort_as, now)
            return row
    await _lock_name(session, "album", f"{artist.id if artist else ''}:{name}")
    query = select(AlbumRow).where(AlbumRow.name == name)
    query = query.where(
        AlbumRow.album_artist_id == artist.id if artist else AlbumRow.album_artist_id.is_(None)
    )
    if release is not None:
        # Same name, same artist, another release (a reissue, a deluxe edition): not ours.
        query = query.where(AlbumRow.musicbrainz_id.is_(None))
    row = await session.scalar(query.order_by(AlbumRow.created_at, AlbumRow.id).limit(1))
    if row is not None:
        if release is not None:
            # A partly tagged album learns its release from the first track that has it.
            row.musicbrainz_id = release
            row.updated_at = now
        _apply_album_sort(row, sort_as, now)
        return row
    row = AlbumRow(
        id=uuid4(),
        name=name,
        sort_name=sort_name(sort_as or name),
        album_artist_id=artist.id if artist else None,
        year=year,
        musicbrainz_id=release,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await append_change(session, ChangeEntity.ALBUM, row.id, ChangeOp.UPSERT, now)
    return row


def _apply_album_sort(row: AlbumRow, sort_as: str | None, now: datetime) -> None:
    # An album sort tag (TSOA, ALBUMSORT) orders the album; without one, its name does.
    if sort_as is not None and row.sort_name != sort_name(sort_as):
        row.sort_name = sort_name(sort_as)
        row.updated_at = now


def artist_facts(draft: SongDraft, name: str) -> tuple[str | None, str | None]:
    """(sort tag, MusicBrainz id) the song's tags give the credited artist `name`: only when
    the song credits that one artist, since ARTISTSORT and MUSICBRAINZ_ARTISTID name the
    artist tag as a whole."""
    if draft.artists != (name,):
        return None, None
    return draft.artist_sort, draft.musicbrainz_artist_id


def album_artist_facts(draft: SongDraft, name: str) -> tuple[str | None, str | None]:
    """(sort tag, MusicBrainz id) for the album artist `name`: the album-artist tags, else
    (no album-artist tag, so the album artist is the song's artist) the artist's."""
    if draft.album_artist is not None:
        if draft.album_artist != name:
            return None, None  # e.g. "Various Artists" for a compilation
        return draft.album_artist_sort, draft.musicbrainz_album_artist_id
    return artist_facts(draft, name)


def apply_artist_facts(row: ArtistRow, sort_as: str | None, musicbrainz_id: str | None) -> bool:
    """Keep a tagged sort name and MusicBrainz id on `row`; whether anything changed."""
    changed = False
    if sort_as is not None and row.sort_name != sort_name(sort_as):
        row.sort_name = sort_name(sort_as)
        changed = True
    if musicbrainz_id is not None and row.musicbrainz_id != musicbrainz_id:
        row.musicbrainz_id = musicbrainz_id
        changed = True
    return changed


def _rendition_row(song_id: UUID, rendition: StoredRendition) -> RenditionRow:
    return RenditionRow(
        song_id=song_id,
        kind=rendition.kind,
        codec=rendition.codec,
        bitrate_kbps=rendition.bitrate_kbps,
        size_bytes=rendition.size_bytes,
        storage_key=rendition.storage_key,
        created_at=rendition.created_at,
    )


def _to_rendition(row: RenditionRow) -> StoredRendition:
    return StoredRendition(
        kind=row.kind,
        codec=row.codec,
        bitrate_kbps=row.bitrate_kbps,
        size_bytes=row.size_bytes,
        storage_key=row.storage_key,
        created_at=row.created_at,
    )
