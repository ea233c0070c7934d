"""RelatedRepository on SQLAlchemy: genre and artist overlaps, play counts."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import desc, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.catalog_repository.queries import artist_query, to_artist
from tonearm.adapters.db.catalog_repository.songs import load_in_order
from tonearm.adapters.db.tables import ArtistRow, SongArtistRow, SongGenreRow, SongRow
from tonearm.library.catalog import ArtistSummary, CatalogSong

_LIVE = SongRow.deleted_at.is_(None)


class SqlRelatedRepository:
    """Similarity by shared genres and artists, ranked in SQL, limited before loading."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def similar_artists(
        self, artist_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Artists credited on live songs in the artist's genres, ranked by those songs."""
        own_genres = (
            select(SongGenreRow.genre_id)
            .join(SongArtistRow, SongArtistRow.song_id == SongGenreRow.song_id)
            .join(SongRow, SongRow.id == SongGenreRow.song_id)
            .where(SongArtistRow.artist_id == artist_id, _LIVE)
            .distinct()
        )
        shared = func.count(func.distinct(SongRow.id)).label("shared")
        ranked = (
            select(SongArtistRow.artist_id, shared)
            .join(SongRow, SongRow.id == SongArtistRow.song_id)
            .join(SongGenreRow, SongGenreRow.song_id == SongRow.id)
            .where(
                _LIVE,
                SongGenreRow.genre_id.in_(own_genres),
                SongArtistRow.artist_id != artist_id,
            )
            .group_by(SongArtistRow.artist_id)
            .subquery()
        )
        query = (
            artist_query(None, viewer)
            .join(ranked, ranked.c.artist_id == ArtistRow.id)
            .order_by(desc(ranked.c.shared), ArtistRow.sort_key, ArtistRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [to_artist(row) for row in rows]

    async def similar_songs(
        self, seed_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong] | None:
        """Score = 2 per shared artist + 1 per shared genre, then plays, then id."""
        seeds = select(SongRow.id).where(
            _LIVE,
            or_(
                SongRow.id == seed_id,
                SongRow.album_id == seed_id,
                SongRow.id.in_(
                    select(SongArtistRow.song_id).where(SongArtistRow.artist_id == seed_id)
                ),
            ),
        )
        seed_artists = select(SongArtistRow.artist_id).where(SongArtistRow.song_id.in_(seeds))
        seed_genres = select(SongGenreRow.genre_id).where(SongGenreRow.song_id.in_(seeds))
        matches = union_all(
            select(SongArtistRow.song_id.label("song_id"), literal(2).label("points")).where(
                SongArtistRow.artist_id.in_(seed_artists)
            ),
            select(SongGenreRow.song_id.label("song_id"), literal(1).label("points")).where(
                SongGenreRow.genre_id.in_(seed_genres)
            ),
        ).subquery()
        score = func.sum(matches.c.points).label("score")
        query = (
            select(SongRow.id)
            .join(matches, matches.c.song_id == SongRow.id)
            .where(_LIVE, SongRow.id.not_in(seeds))
            .group_by(SongRow.id, SongRow.play_count)
            .order_by(desc(score), SongRow.play_count.desc(), SongRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            if await session.scalar(seeds.limit(1)) is None:
                return None
            if limit == 0:
                return []
            ids = list(await session.scalars(query))
            return await load_in_order(session, ids, viewer)

    async def top_songs(
        self, artist_name: str, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Songs credited to any artist of that name, most played first."""
        query = (
            select(SongRow.id)
            .join(SongArtistRow, SongArtistRow.song_id == SongRow.id)
            .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
            .where(_LIVE, func.lower(ArtistRow.name) == func.lower(literal(artist_name)))
            .group_by(SongRow.id, SongRow.play_count, SongRow.sort_key)
            .order_by(SongRow.play_count.desc(), SongRow.sort_key, SongRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            ids = list(await session.scalars(query))
            return await load_in_order(session, ids, viewer)
