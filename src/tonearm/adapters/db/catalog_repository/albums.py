"""What an album's songs' tags say about the album: genres, compilation flag, release types,
original date, record labels and moods, read for a page of albums in one query.

Albums keep no copy of these: they are their live songs' tags, so a retagged or removed song
changes its album at once. Lists keep the order of the album's tracks (disc, track, title):
genres and moods of every track, each once; release types, original date and record labels
of the first track that has them (they describe the release, which its tracks share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import GenreRow, SongGenreRow, SongRow
from tonearm.library.catalog import AlbumSummary

_ID_BATCH = 500
_TRACK_ORDER = (
    func.coalesce(SongRow.disc_number, 0),
    func.coalesce(SongRow.track_number, 0),
    SongRow.sort_title,
    SongRow.id,
)


async def with_album_tags(
    session: AsyncSession, albums: Sequence[AlbumSummary]
) -> list[AlbumSummary]:
    """`albums`, each with the tag facts of its live songs filled in (same order)."""
    ids = list({album.id for album in albums})
    facts: dict[UUID | None, dict[str, Any]] = {}
    for start in range(0, len(ids), _ID_BATCH):
        await _read_batch(session, ids[start : start + _ID_BATCH], facts)
    return [
        replace(album, **_finished(facts[album.id])) if album.id in facts else album
        for album in albums
    ]


async def _read_batch(
    session: AsyncSession, ids: list[UUID], facts: dict[UUID | None, dict[str, Any]]
) -> None:
    """The tags of the live songs of albums `ids`, in one statement: a row per song and
    genre (one with no genre for a song without), in track order, genres in tag order."""
    rows = await session.execute(
        select(
            SongRow.album_id,
            SongRow.compilation,
            SongRow.release_types,
            SongRow.original_date,
            SongRow.record_labels,
            SongRow.moods,
            GenreRow.name,
        )
        .outerjoin(SongGenreRow, SongGenreRow.song_id == SongRow.id)
        .outerjoin(GenreRow, GenreRow.id == SongGenreRow.genre_id)
        .where(SongRow.deleted_at.is_(None), SongRow.album_id.in_(ids))
        .order_by(SongRow.album_id, *_TRACK_ORDER, SongGenreRow.position)
    )
    # A song's row repeats per genre: every fact below is the same read twice.
    for album_id, compilation, release_types, original_date, labels, moods, genre in rows:
        album = facts.setdefault(album_id, _empty())
        album["is_compilation"] = album["is_compilation"] or bool(compilation)
        if not album["release_types"] and release_types:
            album["release_types"] = dict.fromkeys(release_types)
        album["original_date"] = album["original_date"] or original_date
        if not album["record_labels"] and labels:
            album["record_labels"] = dict.fromkeys(labels)
        album["moods"].update(dict.fromkeys(moods or ()))
        if genre is not None:
            album["genres"].setdefault(genre)


def _empty() -> dict[str, Any]:
    return {
        "genres": {},
        "is_compilation": False,
        "release_types": {},
        "original_date": None,
        "record_labels": {},
        "moods": {},
    }


def _finished(fact: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, dict) else value for key, value in fact.items()}


__all__ = ["with_album_tags"]
