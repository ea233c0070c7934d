"""Keeping song search's index: one `song_search` row per live song, and the vocabulary.

SqlSongRepository (and the writers that change a song's tags) call `index_song` /
`unindex_song` in the transaction that changed the song; `add_terms` files new words
under their typo keys in `search_term_keys`. The database's full-text index over
`song_search` follows by itself (SQLite triggers, a PostgreSQL generated column; see
migration 0005). `typo_variants_of` reads the vocabulary back for artist and album search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import SearchTermKeyRow, SongSearchRow
from tonearm.library.models import Song
from tonearm.library.search import SearchDocument, index_keys, lookup_keys, typo_variants


async def index_song(session: AsyncSession, song: Song) -> None:
    """Bring the song's index row in line with `song` (a tombstoned song leaves the index).

    Call in the transaction that changed the song, after its artists and genres are linked.
    """
    if song.deleted_at is not None:
        await unindex_song(session, song.id)
        return
    document = SearchDocument.of(
        song.title, song.artists, song.album, song.album_artist, song.genres
    )
    row = await session.scalar(select(SongSearchRow).where(SongSearchRow.song_id == song.id))
    if row is None:
        session.add(
            SongSearchRow(
                song_id=song.id,
                title=document.title,
                artists=document.artists,
                album=document.album,
                genres=document.genres,
            )
        )
    elif (row.title, row.artists, row.album, row.genres) != (
        document.title,
        document.artists,
        document.album,
        document.genres,
    ):
        row.title, row.artists = document.title, document.artists
        row.album, row.genres = document.album, document.genres
    await add_terms(session, document.terms())
    await session.flush()


async def unindex_song(session: AsyncSession, song_id: UUID) -> None:
    """Take the song out of the index (it is tombstoned)."""
    await session.execute(delete(SongSearchRow).where(SongSearchRow.song_id == song_id))


async def add_terms(session: AsyncSession, terms: set[str]) -> None:
    """Add the words the vocabulary does not have yet, under each of their typo keys."""
    keyed = {term: index_keys(term) for term in terms}
    keyed = {term: keys for term, keys in keyed.items() if keys}
    if not keyed:
        return
    known = set(
        await session.scalars(
            select(SearchTermKeyRow.term).where(
                SearchTermKeyRow.key.in_(list(keyed)), SearchTermKeyRow.key == SearchTermKeyRow.term
            )
        )
    )
    rows = [
        {"key": key, "term": term}
        for term, keys in keyed.items()
        if term not in known
        for key in sorted(keys)
    ]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(SearchTermKeyRow).values(rows).on_conflict_do_nothing())


async def typo_variants_of(
    session: AsyncSession, terms: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Each of `terms` with the closest vocabulary words a typo away from it (artist and
    album search: the vocabulary holds every word of live songs' artists and albums)."""
    wanted = {term: lookup_keys(term) for term in terms}
    every_key = sorted(set().union(*wanted.values()))
    if not every_key:
        return {}
    rows = await session.execute(
        select(SearchTermKeyRow.key, SearchTermKeyRow.term).where(
            SearchTermKeyRow.key.in_(every_key)
        )
    )
    return closest_variants(wanted, list(rows))


def closest_variants(
    wanted: dict[str, set[str]], rows: Sequence[Sequence[Any]]
) -> dict[str, tuple[str, ...]]:
    """Each wanted term with its closest candidates among the vocabulary `rows` (key,
    term) found under its look-up keys (`wanted`: term -> its keys)."""
    by_key: dict[str, list[str]] = {}
    for key, term in rows:
        by_key.setdefault(key, []).append(term)
    return {
        term: tuple(typo_variants(term, (c for key in keys for c in by_key.get(key, ()))))
        for term, keys in wanted.items()
    }


__all__ = ["add_terms", "closest_variants", "index_song", "typo_variants_of", "unindex_song"]
