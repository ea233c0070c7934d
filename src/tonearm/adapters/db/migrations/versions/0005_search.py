"""Song search: normalised text per live song, its full-text index, the typo vocabulary.

SQLite: an FTS5 table over song_search (external content, kept by triggers).
PostgreSQL: a generated tsvector column on song_search with a GIN index.
Neither is in tables.py's metadata (see UNMANAGED_* there). Every live song is indexed.

A later batch ALTER of song_search on SQLite copies the table and loses the triggers:
such a migration must drop and re-create them (and `rebuild` the FTS5 table).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:10:00.000000
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

SQLITE_FTS = """
CREATE VIRTUAL TABLE song_search_fts USING fts5(
    title, artists, album, genres,
    content='song_search', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0',
    prefix='2 3'
)
"""
_COLUMNS = "title, artists, album, genres"
_NEW = "new.title, new.artists, new.album, new.genres"
_OLD = "old.title, old.artists, old.album, old.genres"
SQLITE_TRIGGERS = {
    "song_search_ai": f"""
        CREATE TRIGGER song_search_ai AFTER INSERT ON song_search BEGIN
            INSERT INTO song_search_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});
        END""",
    "song_search_ad": f"""
        CREATE TRIGGER song_search_ad AFTER DELETE ON song_search BEGIN
            INSERT INTO song_search_fts(song_search_fts, rowid, {_COLUMNS})
            VALUES ('delete', old.id, {_OLD});
        END""",
    "song_search_au": f"""
        CREATE TRIGGER song_search_au AFTER UPDATE ON song_search BEGIN
            INSERT INTO song_search_fts(song_search_fts, rowid, {_COLUMNS})
            VALUES ('delete', old.id, {_OLD});
            INSERT INTO song_search_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});
        END""",
}
# 'simple': no stemming and no stop words; the text is normalised already.
POSTGRES_DOCUMENT = """
ALTER TABLE song_search ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A')
    || setweight(to_tsvector('simple', artists), 'B')
    || setweight(to_tsvector('simple', album), 'C')
    || setweight(to_tsvector('simple', genres), 'D')
) STORED
"""
POSTGRES_INDEX = "CREATE INDEX ix_song_search_document ON song_search USING gin (document)"


def upgrade() -> None:
    op.create_table(
        "search_term_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", "term", name=op.f("pk_search_term_keys")),
    )
    op.create_table(
        "song_search",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("artists", sa.Text(), nullable=False),
        sa.Column("album", sa.Text(), nullable=False),
        sa.Column("genres", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["song_id"], ["songs.id"], name=op.f("fk_song_search_song_id_songs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_song_search")),
        sa.UniqueConstraint("song_id", name=op.f("uq_song_search_song_id")),
    )
    with op.batch_alter_table("song_search", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_song_search_title"), ["title"], unique=False)
    _backfill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_DOCUMENT)
        op.execute(POSTGRES_INDEX)
    else:
        op.execute(SQLITE_FTS)
        op.execute("INSERT INTO song_search_fts(song_search_fts) VALUES ('rebuild')")
        for trigger in SQLITE_TRIGGERS.values():
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS song_search_fts")
    with op.batch_alter_table("song_search", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_song_search_title"))
    op.drop_table("song_search")
    op.drop_table("search_term_keys")


def _backfill(bind: sa.Connection) -> None:
    """Index every live song, as SqlSongRepository did when this revision landed."""
    songs = sa.table(
        "songs",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.String()),
        sa.column("album_id", sa.Uuid()),
        sa.column("album_artist_id", sa.Uuid()),
        sa.column("deleted_at", sa.DateTime(timezone=True)),
    )
    albums = sa.table("albums", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
    artists = sa.table("artists", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
    song_artists = sa.table(
        "song_artists",
        sa.column("song_id", sa.Uuid()),
        sa.column("artist_id", sa.Uuid()),
        sa.column("position", sa.Integer()),
    )
    genres = sa.table("genres", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
    song_genres = sa.table(
        "song_genres",
        sa.column("song_id", sa.Uuid()),
        sa.column("genre_id", sa.Integer()),
        sa.column("position", sa.Integer()),
    )
    song_search = sa.table(
        "song_search",
        sa.column("song_id", sa.Uuid()),
        sa.column("title", sa.Text()),
        sa.column("artists", sa.Text()),
        sa.column("album", sa.Text()),
        sa.column("genres", sa.Text()),
    )
    term_keys = sa.table(
        "search_term_keys", sa.column("key", sa.String()), sa.column("term", sa.String())
    )

    names_of: dict[Any, list[str]] = defaultdict(list)
    for song_id, name in bind.execute(
        sa.select(song_artists.c.song_id, artists.c.name)
        .join(artists, artists.c.id == song_artists.c.artist_id)
        .order_by(song_artists.c.song_id, song_artists.c.position)
    ):
        names_of[song_id].append(name)
    genres_of: dict[Any, list[str]] = defaultdict(list)
    for song_id, name in bind.execute(
        sa.select(song_genres.c.song_id, genres.c.name)
        .join(genres, genres.c.id == song_genres.c.genre_id)
        .order_by(song_genres.c.song_id, song_genres.c.position)
    ):
        genres_of[song_id].append(name)

    album_artist = artists.alias("album_artist")
    live = bind.execute(
        sa.select(songs.c.id, songs.c.title, albums.c.name, album_artist.c.name)
        .outerjoin(albums, albums.c.id == songs.c.album_id)
        .outerjoin(album_artist, album_artist.c.id == songs.c.album_artist_id)
        .where(songs.c.deleted_at.is_(None))
        .order_by(songs.c.id)
    ).all()
    terms: set[str] = set()
    for start in range(0, len(live), BATCH):
        rows = []
        for song_id, title, album, album_artist_name in live[start : start + BATCH]:
            document = _document(
                title, names_of[song_id], album, album_artist_name, genres_of[song_id]
            )
            terms |= set(" ".join(document.values()).split())
            rows.append({"song_id": song_id, **document})
        bind.execute(song_search.insert(), rows)
    keys = [{"key": key, "term": term} for term in sorted(terms) for key in _index_keys(term)]
    for start in range(0, len(keys), BATCH * 5):
        bind.execute(term_keys.insert(), keys[start : start + BATCH * 5])


# --- search's normalisation and typo keys, frozen as they were when this revision landed --
# (library/folding.py `fold`, library/search.py `SearchDocument.of` and `index_keys`). A
# copy, not an import: a later change of the live code must not alter what an old
# migration does. A later change of the live normalisation re-indexes in its own revision.

_FOLD = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ł": "l",
        "ŀ": "l",
        "ŧ": "t",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
    }
)
_APOSTROPHES = frozenset("'’‘`´ʼ")
_MIN_TYPO_TERM_CHARS = 4
_MAX_INDEXED_TERM_CHARS = 40


def _fold(text: str) -> str:
    """`text` lowercased, without accents, as words of letters and digits joined by spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or char in _APOSTROPHES:
            continue
        if category[0] in "LN":
            out.append(char)
        else:
            out.append(" ")
    return " ".join("".join(out).translate(_FOLD).split())


def _document(
    title: str,
    artists: Sequence[str],
    album: str | None,
    album_artist: str | None,
    genres: Sequence[str],
) -> dict[str, str]:
    """A song's index row: each field folded; the album artist counts as an artist."""
    names = list(artists)
    if album_artist and album_artist not in names:
        names.append(album_artist)
    return {
        "title": _fold(title),
        "artists": _fold(" ".join(names)),
        "album": _fold(album or ""),
        "genres": _fold(" ".join(genres)),
    }


def _index_keys(term: str) -> set[str]:
    """The typo keys a vocabulary word is stored under: itself and its one-letter deletions
    (three-letter words only under themselves; none for shorter or very long words)."""
    if len(term) < _MIN_TYPO_TERM_CHARS - 1 or len(term) > _MAX_INDEXED_TERM_CHARS:
        return set()
    if len(term) < _MIN_TYPO_TERM_CHARS:
        return {term}
    return {term} | {term[:i] + term[i + 1 :] for i in range(len(term))}
