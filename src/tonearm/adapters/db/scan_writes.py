"""Phase 1's new songs, written a batch at a time in a few statements.

Writing a song one by one costs about fifteen statements (artist and album look-ups, the
row, its links, the change log, the search index): a few milliseconds each on SQLite,
which caps a first scan near a hundred files a second. Here a batch of new songs costs a
fixed number of statements whatever its size: the artists, albums and genres it names are
looked up together and the missing ones made; songs, links, change-log entries, search
rows and queue rows are each one multi-row INSERT. The rules are those of
SqlSongRepository (album artist: the tag, else the first artist; albums keyed by name and
album artist; names locked before they are looked up, so a concurrent import cannot make
the same artist twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.changes import CHANGE_LOG_LOCK_KEY, ChangeEntity, ChangeOp
from tonearm.adapters.db.song_repository import album_artist_facts, apply_artist_facts, artist_facts
from tonearm.adapters.db.song_search.index import add_terms
from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    ChangeLogRow,
    GenreRow,
    SongArtistRow,
    SongContributorRow,
    SongEnrichmentRow,
    SongGenreRow,
    SongRow,
    SongSearchRow,
)
from tonearm.ingest.enrichment_queue import ScannedSong
from tonearm.library.models import TAGS_VERSION, SongDraft
from tonearm.library.search import SearchDocument
from tonearm.library.sorting import sort_name

_IN_CHUNK = 500  # names per IN (...) list, well under every database's parameter limit


async def insert_new_songs(
    session: AsyncSession, songs: Sequence[ScannedSong], now: datetime
) -> None:
    """Insert new scanned songs (queued for enrichment) in the caller's transaction."""
    if not songs:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    changes: list[dict[str, Any]] = []
    drafts = [song.draft for song in songs]
    artist_names = (
        {name for d in drafts for name in d.artists}
        | {name for d in drafts if (name := _album_artist(d))}
        | {credit.name for d in drafts for credit in d.contributors}
    )
    await _lock(session, postgres, [f"tonearm:artist:{name}" for name in artist_names])
    artists = await _artists(session, artist_names, _artist_tags(drafts), now, changes)
    album_keys = {
        (d.album, artists[a].id if (a := _album_artist(d)) else None) for d in drafts if d.album
    }
    await _lock(
        session, postgres, [f"tonearm:album:{artist or ''}:{name}" for name, artist in album_keys]
    )
    albums = await _albums(session, album_keys, drafts, artists, now, changes)
    genres = await _genres(session, {name for d in drafts for name in d.genres})

    song_rows, artist_links, genre_links, search_rows, queue_rows = [], [], [], [], []
    contributor_links: list[dict[str, Any]] = []
    terms: set[str] = set()
    for song in songs:
        draft = song.draft
        album_artist = _album_artist(draft)
        artist_id = artists[album_artist].id if album_artist else None
        album_id = albums[(draft.album, artist_id)] if draft.album else None
        song_rows.append(_song_values(song.song_id, draft, album_id, artist_id, now))
        for position, name in enumerate(dict.fromkeys(draft.artists)):
            artist_links.append(
                {"song_id": song.song_id, "position": position, "artist_id": artists[name].id}
            )
        for position, credit in enumerate(draft.contributors):
            contributor_links.append(
                {
                    "song_id": song.song_id,
                    "position": position,
                    "role": credit.role,
                    "sub_role": credit.sub_role,
                    "artist_id": artists[credit.name].id,
                }
            )
        for position, name in enumerate(dict.fromkeys(draft.genres)):
            genre_links.append(
                {"song_id": song.song_id, "genre_id": genres[name], "position": position}
            )
        document = SearchDocument.of(
            draft.title, draft.artists, draft.album, album_artist, draft.genres
        )
        terms |= document.terms()
        search_rows.append(
            {
                "song_id": song.song_id,
                "title": document.title,
                "artists": document.artists,
                "album": document.album,
                "genres": document.genres,
            }
        )
        queue_rows.append(
            {
                "song_id": song.song_id,
                "file_identity": song.file_identity,
                "state": "pending",
                "art_only": False,
                "size_bytes": draft.original_size_bytes,
                "mtime_ns": draft.original_mtime_ns,
                "generation": 0,
                "attempts": 0,
                "queued_at": now,
            }
        )
        changes.append(_change(ChangeEntity.SONG, song.song_id, now))
    for table, rows in (
        (SongRow, song_rows),
        (SongArtistRow, artist_links),
        (SongGenreRow, genre_links),
        (SongContributorRow, contributor_links),
        (SongSearchRow, search_rows),
        (SongEnrichmentRow, queue_rows),
    ):
        if rows:
            await session.execute(insert(table), rows)
    await add_terms(session, terms)
    if postgres:  # numbers in commit order (see changes.py)
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY}
        )
    await session.execute(insert(ChangeLogRow), changes)


def _album_artist(draft: SongDraft) -> str | None:
    return draft.album_artist or (draft.artists[0] if draft.artists else None)


def _change(entity: ChangeEntity, entity_id: UUID, now: datetime) -> dict[str, Any]:
    return {
        "entity": entity.value,
        "entity_id": entity_id,
        "op": ChangeOp.UPSERT.value,
        "changed_at": now,
    }


async def _lock(session: AsyncSession, postgres: bool, keys: list[str]) -> None:
    if not keys:
        return
    if postgres:
        await session.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k"
            ),
            {"keys": sorted(keys)},
        )
    else:  # the database's write lock, taken before the look-ups (see library.py)
        await session.execute(text("UPDATE artists SET name = name WHERE 0"))


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _artist_tags(drafts: Sequence[SongDraft]) -> dict[str, tuple[str | None, str | None]]:
    """The (sort tag, MusicBrainz id) the batch's songs give each artist they name, the
    last tagged value winning (as one-by-one writes do)."""
    tags: dict[str, tuple[str | None, str | None]] = {}
    for draft in drafts:
        # The album artist first, then the credited ones: the order SqlSongRepository
        # writes them in, so the song-artist tags win there too.
        named = []
        if (album_artist := _album_artist(draft)) is not None:
            named.append((album_artist, album_artist_facts(draft, album_artist)))
        named += [(name, artist_facts(draft, name)) for name in draft.artists]
        for name, (sort_as, mbid) in named:
            before = tags.get(name, (None, None))
            tags[name] = (sort_as or before[0], mbid or before[1])
    return tags


async def _artists(
    session: AsyncSession,
    names: set[str],
    tags: dict[str, tuple[str | None, str | None]],
    now: datetime,
    changes: list[dict[str, Any]],
) -> dict[str, ArtistRow]:
    found: dict[str, ArtistRow] = {}
    for chunk in _chunks(sorted(names)):
        for row in await session.scalars(
            select(ArtistRow).where(ArtistRow.name.in_(chunk)).order_by(ArtistRow.created_at)
        ):
            found.setdefault(row.name, row)
    for name, row in found.items():
        if apply_artist_facts(row, *tags.get(name, (None, None))):
            row.updated_at = now
            changes.append(_change(ChangeEntity.ARTIST, row.id, now))
    for name in sorted(names - set(found)):
        sort_as, mbid = tags.get(name, (None, None))
        row = ArtistRow(
            id=uuid4(),
            name=name,
            sort_name=sort_name(sort_as or name),
            musicbrainz_id=mbid,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        found[name] = row
        changes.append(_change(ChangeEntity.ARTIST, row.id, now))
    await session.flush()
    return found


async def _albums(
    session: AsyncSession,
    keys: set[tuple[str, UUID | None]],
    drafts: Sequence[SongDraft],
    artists: dict[str, ArtistRow],
    now: datetime,
    changes: list[dict[str, Any]],
) -> dict[tuple[str | None, UUID | None], UUID]:
    found: dict[tuple[str | None, UUID | None], UUID] = {}
    for chunk in _chunks(sorted({name for name, _ in keys})):
        for row in await session.scalars(
            select(AlbumRow).where(AlbumRow.name.in_(chunk)).order_by(AlbumRow.created_at)
        ):
            found.setdefault((row.name, row.album_artist_id), row.id)
    years: dict[tuple[str, UUID | None], int | None] = {}
    sorts: dict[tuple[str, UUID | None], str] = {}
    releases: dict[tuple[str, UUID | None], str] = {}
    for draft in drafts:
        if draft.album:
            artist = _album_artist(draft)
            key = (draft.album, artists[artist].id if artist else None)
            years.setdefault(key, draft.year)
            if draft.album_sort:
                sorts.setdefault(key, draft.album_sort)
            if draft.musicbrainz_album_id:
                releases.setdefault(key, draft.musicbrainz_album_id)
    for name, artist_id in sorted(keys - set(found), key=lambda k: (k[0], str(k[1]))):
        row = AlbumRow(
            id=uuid4(),
            name=name,
            sort_name=sort_name(sorts.get((name, artist_id), name)),
            album_artist_id=artist_id,
            year=years.get((name, artist_id)),
            musicbrainz_id=releases.get((name, artist_id)),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        found[(name, artist_id)] = row.id
        changes.append(_change(ChangeEntity.ALBUM, row.id, now))
    await session.flush()
    return found


async def _genres(session: AsyncSession, names: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(names)):
        for row in await session.scalars(select(GenreRow).where(GenreRow.name.in_(chunk))):
            found[row.name] = row.id
    missing = [GenreRow(name=name) for name in sorted(names - set(found))]
    if missing:
        session.add_all(missing)
        await session.flush()
        found |= {row.name: row.id for row in missing}
    return found


def _song_values(
    song_id: UUID, draft: SongDraft, album_id: UUID | None, artist_id: UUID | None, now: datetime
) -> dict[str, Any]:
    return {
        "id": song_id,
        "title": draft.title,
        "sort_title": sort_name(draft.title_sort or draft.title),
        "album_id": album_id,
        "album_artist_id": artist_id,
        "track_number": draft.track_number,
        "track_total": draft.track_total,
        "disc_number": draft.disc_number,
        "disc_total": draft.disc_total,
        "year": draft.year,
        "duration_ms": draft.duration_ms,
        "source": draft.source.value,
        "original_path": draft.original_path,
        "original_key": draft.original_key,
        "folder_path": draft.folder_path,
        "original_format": draft.original_format,
        "original_size_bytes": draft.original_size_bytes,
        "original_mtime_ns": draft.original_mtime_ns,
        "audio_hash": draft.audio_hash,
        "musicbrainz_recording_id": draft.musicbrainz_recording_id,
        "musicbrainz_album_id": draft.musicbrainz_album_id,
        "isrc": draft.isrc,
        "compilation": draft.compilation,
        "bpm": draft.bpm,
        "comment": draft.comment,
        "original_date": draft.original_date,
        "release_types": list(draft.release_types) or None,
        "record_labels": list(draft.record_labels) or None,
        "moods": list(draft.moods) or None,
        "sample_rate": draft.sample_rate,
        "bit_depth": draft.bit_depth,
        "channels": draft.channels,
        "tags_version": TAGS_VERSION,
        "loudness_lufs": None,
        "replaygain_track_gain_db": None,
        "replaygain_track_peak": None,
        "fingerprint": None,
        "lyrics": draft.lyrics,
        "synced_lyrics": {"lines": draft.synced_lyrics} if draft.synced_lyrics else None,
        "play_count": 0,
        "popularity_score": 0.0,
        "added_at": now,
        "last_updated": now,
        "deleted_at": None,
    }
