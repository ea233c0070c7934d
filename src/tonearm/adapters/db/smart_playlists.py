"""Smart-playlist rules compiled to SQLAlchemy Core, and SmartPlaylistRepository on them.

One compiler for SQLite and PostgreSQL: every rule becomes a condition on `songs`
(correlated subqueries for what lives elsewhere: artists, genres, the owner's plays, likes
and ratings, the analysis). Text is compared lower-cased (LIKE with escaped wildcards, so
both databases agree: PostgreSQL's LIKE is case-sensitive, SQLite's is not); text sorts use
the folded sort keys both databases order alike; NULLs sort last on both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
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
    literal,
    not_,
    nulls_last,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    GenreRow,
    PlaylistRow,
    PlaylistSongRow,
    RatingRow,
    SmartPlaylistRow,
    SongArtistRow,
    SongFeatureRow,
    SongGenreRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.analysis.models import Mode, MusicalKey, camelot
from tonearm.playlists.models import Keep, Playlist, PlaylistNotFound
from tonearm.playlists.smart.models import NotSmart, Preview, PreviewSong, SmartDefinition
from tonearm.playlists.smart.rules import (
    MAX_LIMIT,
    RANDOM,
    Group,
    InvalidRules,
    Match,
    Operator,
    Order,
    Rule,
    SmartRules,
    parse_rules,
    rules_to_json,
)

_O = Operator
Expr = ColumnElement[Any]
# Camelot code → (pitch class, mode) as song_features stores them.
_CAMELOT_KEYS = {
    camelot(MusicalKey(pitch, mode)): (pitch, mode.value) for pitch in range(12) for mode in Mode
}


class _Compiler:
    """Builds the condition and sort of a rule set for one owner at one moment."""

    def __init__(self, owner_id: UUID, now: datetime) -> None:
        self.owner_id = owner_id
        self.now = now

    # Values kept outside `songs`, as correlated scalar subqueries.
    def album(self) -> Expr:
        return select(AlbumRow.name).where(AlbumRow.id == SongRow.album_id).scalar_subquery()

    def album_artist(self) -> Expr:
        return (
            select(ArtistRow.name).where(ArtistRow.id == SongRow.album_artist_id).scalar_subquery()
        )

    def play_count(self) -> Expr:
        return func.coalesce(
            select(func.count()).where(*self._counted()).correlate(SongRow).scalar_subquery(),
            0,
        )

    def last_played(self) -> Expr:
        return (
            select(func.max(UserInteractionRow.counted_at))
            .where(*self._counted())
            .correlate(SongRow)
            .scalar_subquery()
        )

    def _counted(self) -> list[Expr]:
        # A counted play (or a `complete` that counted alone) has its counted_at set.
        return [
            UserInteractionRow.user_id == self.owner_id,
            UserInteractionRow.song_id == SongRow.id,
            UserInteractionRow.counted_at.is_not(None),
        ]

    def rating(self) -> Expr:
        return func.coalesce(
            select(RatingRow.rating)
            .where(
                RatingRow.user_id == self.owner_id,
                RatingRow.item_kind == "song",
                RatingRow.item_id == SongRow.id,
            )
            .scalar_subquery(),
            0,
        )

    def liked(self) -> Expr:
        return exists().where(
            StarredItemRow.user_id == self.owner_id,
            StarredItemRow.item_kind == "song",
            StarredItemRow.item_id == SongRow.id,
        )

    def feature(self, column: Any) -> Expr:
        return (
            select(column)
            .where(SongFeatureRow.song_id == SongRow.id, SongFeatureRow.status == "done")
            .scalar_subquery()
        )

    def bpm(self) -> Expr:
        # The analysed tempo when there is one, else the file's BPM tag.
        return func.coalesce(self.feature(SongFeatureRow.tempo_bpm), SongRow.bpm)

    def scalar(self, field: str) -> Expr:
        """The field's value for a song (single-valued fields only)."""
        values: dict[str, Callable[[], Expr]] = {
            "title": lambda: SongRow.title.expression,
            "album": self.album,
            "album_artist": self.album_artist,
            "year": lambda: SongRow.year.expression,
            "duration": lambda: SongRow.duration_ms.expression,
            "added": lambda: SongRow.added_at.expression,
            "play_count": self.play_count,
            "last_played": self.last_played,
            "rating": self.rating,
            "bpm": self.bpm,
            "energy": lambda: self.feature(SongFeatureRow.energy),
            "danceability": lambda: self.feature(SongFeatureRow.danceability),
            "valence": lambda: self.feature(SongFeatureRow.valence),
        }
        return values[field]()

    # Conditions.
    def group(self, group: Group) -> Expr:
        parts = [
            self.group(item) if isinstance(item, Group) else self.rule(item) for item in group.rules
        ]
        if not parts:
            return true()
        return and_(*parts) if group.match is Match.ALL else or_(*parts)

    def rule(self, rule: Rule) -> Expr:
        field, op, value = rule.field, rule.operator, rule.value
        if field == "liked":
            return self.liked() if op is _O.IS_TRUE else not_(self.liked())
        if field == "playlist":
            inside = exists().where(
                PlaylistSongRow.song_id == SongRow.id,
                PlaylistSongRow.playlist_id == UUID(str(value)),
                PlaylistSongRow.playlist_id.in_(
                    select(PlaylistRow.id).where(
                        or_(
                            PlaylistRow.owner_id == self.owner_id,
                            PlaylistRow.source_path.is_not(None),
                        )
                    )
                ),
            )
            return inside if op is _O.IN_PLAYLIST else not_(inside)
        if field == "key":
            return self.key(op, value)
        if field in ("artist", "genre"):
            return self.many(field, op, value)
        if field in ("title", "album", "album_artist"):
            return _text(self.scalar(field), op, value)
        if field in ("added", "last_played"):
            return self.when(self.scalar(field), op, value)
        scale = 1000 if field == "duration" else 1
        target = self.scalar(field)
        if field in ("play_count", "rating") and op in (_O.IS_SET, _O.IS_NOT_SET):
            # Never played / unrated reads as 0, as in Navidrome.
            return target > 0 if op is _O.IS_SET else target == 0
        return _number(target, op, value, scale)

    def many(self, field: str, op: Operator, value: Any) -> Expr:
        """Artists and genres: a song has several; a positive test needs one to match, a
        negative one needs none to."""
        if field == "artist":
            name: Any = ArtistRow.name
            base = (
                select(literal(1))
                .select_from(SongArtistRow)
                .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
                .where(SongArtistRow.song_id == SongRow.id)
            )
        else:
            name = GenreRow.name
            base = (
                select(literal(1))
                .select_from(SongGenreRow)
                .join(GenreRow, GenreRow.id == SongGenreRow.genre_id)
                .where(SongGenreRow.song_id == SongRow.id)
            )
        if op in (_O.IS_SET, _O.IS_NOT_SET):
            found = base.exists()
            return found if op is _O.IS_SET else not_(found)
        positive = {_O.IS_NOT: _O.IS, _O.NOT_CONTAINS: _O.CONTAINS}.get(op, op)
        found = base.where(_text_match(name, positive, str(value))).exists()
        return not_(found) if positive is not op else found

    def key(self, op: Operator, value: Any) -> Expr:
        base = select(literal(1)).where(
            SongFeatureRow.song_id == SongRow.id,
            SongFeatureRow.status == "done",
            SongFeatureRow.key_pitch.is_not(None),
        )
        if op in (_O.IS_SET, _O.IS_NOT_SET):
            return base.exists() if op is _O.IS_SET else not_(base.exists())
        pitch, mode = _CAMELOT_KEYS[str(value)]
        found = base.where(SongFeatureRow.key_pitch == pitch, SongFeatureRow.key_mode == mode)
        return found.exists() if op is _O.IS else not_(found.exists())

    def when(self, target: Expr, op: Operator, value: Any) -> Expr:
        if op is _O.IS_SET:
            return target.is_not(None)
        if op is _O.IS_NOT_SET:
            return target.is_(None)
        if op in (_O.IN_LAST, _O.NOT_IN_LAST):
            since = self.now - timedelta(days=float(value))
            if op is _O.IN_LAST:
                return target >= since
            return or_(target.is_(None), target < since)
        if op is _O.BEFORE:
            return target < _midnight(value)
        if op is _O.AFTER:
            return target >= _midnight(value) + timedelta(days=1)
        low, high = sorted(value)
        return and_(target >= _midnight(low), target < _midnight(high) + timedelta(days=1))

    def sort_value(self, field: str) -> Expr:
        """What `sort` orders by: folded sort keys for names, the value for the rest."""
        if field == "title":
            return SongRow.sort_key.expression
        if field == "album":
            return (
                select(AlbumRow.sort_key).where(AlbumRow.id == SongRow.album_id).scalar_subquery()
            )
        if field == "album_artist":
            return (
                select(ArtistRow.sort_key)
                .where(ArtistRow.id == SongRow.album_artist_id)
                .scalar_subquery()
            )
        if field == "artist":
            return (
                select(ArtistRow.sort_key)
                .join(SongArtistRow, SongArtistRow.artist_id == ArtistRow.id)
                .where(SongArtistRow.song_id == SongRow.id)
                .order_by(SongArtistRow.position)
                .limit(1)
                .scalar_subquery()
            )
        if field == "genre":
            return (
                select(func.lower(GenreRow.name))
                .join(SongGenreRow, SongGenreRow.genre_id == GenreRow.id)
                .where(SongGenreRow.song_id == SongRow.id)
                .order_by(SongGenreRow.position)
                .limit(1)
                .scalar_subquery()
            )
        if field == "liked":
            return self.liked()
        if field == "key":
            return self.feature(SongFeatureRow.key_pitch)
        if field == "playlist":
            return SongRow.sort_key.expression
        return self.scalar(field)

    def query(self, rules: SmartRules) -> Select[Any]:
        """SELECT songs.id of the picked songs, sorted and limited."""
        order: list[Any]
        if rules.sort == RANDOM:
            order = [func.random()]
        else:
            value = self.sort_value(rules.sort)
            direction = value.desc() if rules.order is Order.DESC else value.asc()
            order = [nulls_last(direction), SongRow.sort_key, SongRow.id]
        return (
            select(SongRow.id)
            .where(SongRow.deleted_at.is_(None), self.group(rules.root))
            .order_by(*order)
            .limit(rules.limit or MAX_LIMIT)
        )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_match(target: Any, op: Operator, value: str) -> Expr:
    lowered = func.lower(target)
    needle = value.lower()
    if op is _O.IS:
        return lowered == needle
    pattern = {
        _O.CONTAINS: f"%{_escape(needle)}%",
        _O.STARTS_WITH: f"{_escape(needle)}%",
        _O.ENDS_WITH: f"%{_escape(needle)}",
    }[op]
    return lowered.like(pattern, escape="\\")


def _text(target: Expr, op: Operator, value: Any) -> Expr:
    if op is _O.IS_SET:
        return and_(target.is_not(None), target != "")
    if op is _O.IS_NOT_SET:
        return or_(target.is_(None), target == "")
    if op is _O.IS_NOT:
        return or_(target.is_(None), not_(_text_match(target, _O.IS, str(value))))
    if op is _O.NOT_CONTAINS:
        return or_(target.is_(None), not_(_text_match(target, _O.CONTAINS, str(value))))
    return _text_match(target, op, str(value))


def _number(target: Expr, op: Operator, value: Any, scale: int) -> Expr:
    if op is _O.IS_SET:
        return target.is_not(None)
    if op is _O.IS_NOT_SET:
        return target.is_(None)
    if op is _O.BETWEEN:
        low, high = sorted(value)
        return and_(target >= low * scale, target <= high * scale)
    number = float(value) * scale
    if op is _O.EQ:
        return target == number
    if op is _O.NE:
        return or_(target.is_(None), target != number)
    return target.__lt__(number) if op is _O.LT else target.__gt__(number)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def rules_query(rules: SmartRules, owner_id: UUID, now: datetime) -> Select[Any]:
    """The SELECT of the song ids `rules` pick for `owner_id` at `now`."""
    return _Compiler(owner_id, now).query(rules)


class SqlSmartPlaylistRepository:
    """Rules in `smart_playlists` (JSON), songs materialised into `playlist_songs`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def evaluate(self, rules: SmartRules, owner_id: UUID, now: datetime) -> list[UUID]:
        """The picked song ids in order."""
        async with self._sessions() as session:
            return list(await session.scalars(rules_query(rules, owner_id, now)))

    async def preview(
        self, rules: SmartRules, owner_id: UUID, now: datetime, first: int
    ) -> Preview:
        """The count of picked songs and the first `first` with their names."""
        picked = rules_query(rules, owner_id, now)
        async with self._sessions() as session:
            count = await session.scalar(select(func.count()).select_from(picked.subquery()))
            ids = list(await session.scalars(picked.limit(min(first, rules.limit or first))))
            rows = (
                await session.execute(
                    select(SongRow.id, SongRow.title, AlbumRow.name, SongRow.duration_ms)
                    .outerjoin(AlbumRow, AlbumRow.id == SongRow.album_id)
                    .where(SongRow.id.in_(ids))
                )
            ).all()
            artist_rows = await session.execute(
                select(SongArtistRow.song_id, ArtistRow.name)
                .join(ArtistRow, ArtistRow.id == SongArtistRow.artist_id)
                .where(SongArtistRow.song_id.in_(ids))
                .order_by(SongArtistRow.song_id, SongArtistRow.position)
            )
        artists: dict[UUID, list[str]] = {}
        for song_id, name in artist_rows:
            artists.setdefault(song_id, []).append(name)
        by_id = {row[0]: row for row in rows}
        songs = [
            PreviewSong(
                id=song_id,
                title=by_id[song_id][1],
                artists=tuple(artists.get(song_id, ())),
                album=by_id[song_id][2],
                duration_ms=by_id[song_id][3],
            )
            for song_id in ids
            if song_id in by_id
        ]
        return Preview(int(count or 0), songs)

    async def add(self, playlist: Playlist, rules: SmartRules, valid_until: datetime) -> None:
        """The playlist row, its rules and its first evaluation, in one transaction."""
        async with self._sessions.begin() as session:
            session.add(
                PlaylistRow(
                    id=playlist.id,
                    owner_id=playlist.owner_id,
                    name=playlist.name,
                    comment=playlist.comment,
                    auto_generated=False,
                    created_at=playlist.created_at,
                    updated_at=playlist.updated_at,
                )
            )
            await session.flush()
            session.add(
                SmartPlaylistRow(
                    playlist_id=playlist.id,
                    rules=rules_to_json(rules),
                    refreshed_at=playlist.created_at,
                    valid_until=valid_until,
                )
            )
            await session.flush()
            await _materialise(session, playlist.id, rules, playlist.owner_id, playlist.created_at)

    async def definition(self, playlist_id: UUID, owner_id: UUID) -> SmartDefinition:
        """The rules of the owner's smart playlist."""
        async with self._sessions() as session:
            row = await _smart_row(session, playlist_id, owner_id)
        return _definition(row, owner_id)

    async def update(
        self,
        playlist_id: UUID,
        owner_id: UUID,
        name: str,
        comment: str | Keep | None,
        rules: SmartRules,
        now: datetime,
        valid_until: datetime,
    ) -> None:
        """New name, comment and rules; the songs re-evaluated in the same transaction."""
        async with self._sessions.begin() as session:
            await _smart_row(session, playlist_id, owner_id)
            values: dict[str, Any] = {"name": name, "updated_at": now}
            if not isinstance(comment, Keep):
                values["comment"] = comment
            await session.execute(
                update(PlaylistRow).where(PlaylistRow.id == playlist_id).values(**values)
            )
            await session.execute(
                update(SmartPlaylistRow)
                .where(SmartPlaylistRow.playlist_id == playlist_id)
                .values(rules=rules_to_json(rules), refreshed_at=now, valid_until=valid_until)
            )
            await _materialise(session, playlist_id, rules, owner_id, now)

    async def refresh(
        self, definitions: Sequence[SmartDefinition], now: datetime, valid_until: datetime
    ) -> None:
        """Each playlist re-evaluated in its own short transaction."""
        for item in definitions:
            async with self._sessions.begin() as session:
                result = await session.execute(
                    update(SmartPlaylistRow)
                    .where(SmartPlaylistRow.playlist_id == item.playlist_id)
                    .values(refreshed_at=now, valid_until=valid_until)
                )
                if result.rowcount:  # type: ignore[attr-defined]
                    await _materialise(session, item.playlist_id, item.rules, item.owner_id, now)

    async def stale(self, now: datetime, owner_id: UUID | None) -> list[SmartDefinition]:
        """Expired evaluations; rules that no longer parse (a field since removed) are skipped."""
        query = (
            select(SmartPlaylistRow, PlaylistRow.owner_id)
            .join(PlaylistRow, PlaylistRow.id == SmartPlaylistRow.playlist_id)
            .where(SmartPlaylistRow.valid_until <= now)
        )
        if owner_id is not None:
            query = query.where(PlaylistRow.owner_id == owner_id)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        found = []
        for row, owner in rows:
            try:
                found.append(_definition(row, owner))
            except InvalidRules:
                continue
        return found

    async def delete(self, playlist_id: UUID, owner_id: UUID) -> None:
        """The playlist row goes; its rules and entries cascade."""
        async with self._sessions.begin() as session:
            await _smart_row(session, playlist_id, owner_id)
            await session.execute(delete(PlaylistRow).where(PlaylistRow.id == playlist_id))


async def _smart_row(session: AsyncSession, playlist_id: UUID, owner_id: UUID) -> SmartPlaylistRow:
    owned = await session.scalar(
        select(PlaylistRow.id).where(
            PlaylistRow.id == playlist_id, PlaylistRow.owner_id == owner_id
        )
    )
    if owned is None:
        raise PlaylistNotFound(playlist_id)
    row = await session.get(SmartPlaylistRow, playlist_id)
    if row is None:
        raise NotSmart(playlist_id)
    return row


def _definition(row: SmartPlaylistRow, owner_id: UUID) -> SmartDefinition:
    return SmartDefinition(
        playlist_id=row.playlist_id,
        owner_id=owner_id,
        rules=parse_rules(row.rules),
        refreshed_at=row.refreshed_at,
        valid_until=row.valid_until,
    )


async def _materialise(
    session: AsyncSession, playlist_id: UUID, rules: SmartRules, owner_id: UUID, now: datetime
) -> None:
    song_ids = list(await session.scalars(rules_query(rules, owner_id, now)))
    await session.execute(delete(PlaylistSongRow).where(PlaylistSongRow.playlist_id == playlist_id))
    if song_ids:
        await session.execute(
            insert(PlaylistSongRow),
            [
                {"playlist_id": playlist_id, "position": position, "song_id": song_id}
                for position, song_id in enumerate(song_ids)
            ],
        )
