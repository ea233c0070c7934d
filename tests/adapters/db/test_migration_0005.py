"""Migration 0005 (search index) builds what the live code would, from its own frozen copy.

The migration carries a private copy of the normalisation and typo keys as they were when
it landed, so a later change of `library/search.py` cannot alter an old migration. These
tests pin that the copy still agrees with the live code today: on the functions alone, and
on the rows the migration's backfill writes for songs already present before 0005.
"""

from __future__ import annotations

import ast
import importlib.util
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from tonearm.adapters.db.engine import open_engine
from tonearm.adapters.db.migrate import MIGRATIONS_DIR, schema_drift, upgrade_database
from tonearm.library.search import SearchDocument, index_keys
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)

# Accents, case, punctuation, apostrophes, letters Unicode does not decompose, CJK,
# empty and punctuation-only text, words too short or too long for typo keys.
TEXTS = [
    "Björk — Jóga (Live)",
    "DON'T STOP ME NOW",
    "Don’t Stop",
    "Straße nach Ærø",
    "Œuvre d'Ħ ſ ﬁn",
    "Dvořák: Symphony No. 9",
    "東京事変 — 群青日和",
    "Sigur Rós — Hoppípolla",
    "",
    "!!! ... ???",
    "AC/DC",
    "a bb ccc dddd",
    "x" * 41,
    "supercalifragilisticexpialidocious",
    "½ ² ⑨ Ⅻ",
    "  many   spaces\tand\nlines  ",
]


def migration_0005() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / "0005_search.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_imports_nothing_from_tonearm() -> None:
    tree = ast.parse((MIGRATIONS_DIR / "versions" / "0005_search.py").read_text())
    imported = [
        name
        for node in ast.walk(tree)
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
    ]
    assert imported
    assert [name for name in imported if name.split(".")[0] == "tonearm"] == []


@pytest.mark.parametrize("text", TEXTS)
def test_frozen_document_matches_live(text: str) -> None:
    frozen = migration_0005()._document(text, [text, "Other"], text, text.upper(), [text])
    live = SearchDocument.of(text, [text, "Other"], text, text.upper(), [text])
    assert frozen == {
        "title": live.title,
        "artists": live.artists,
        "album": live.album,
        "genres": live.genres,
    }


@pytest.mark.parametrize("text", TEXTS)
def test_frozen_index_keys_match_live(text: str) -> None:
    frozen = migration_0005()
    for term in SearchDocument.of(text, [], None, None, []).terms() | {text, text.lower()}:
        assert frozen._index_keys(term) == index_keys(term)


def song_tables() -> dict[str, sa.TableClause]:
    """The tables a song spans, as they are at revision 0004 (only the columns set here)."""
    when = sa.DateTime(timezone=True)

    def named(table: str) -> sa.TableClause:
        return sa.table(
            table,
            sa.column("id", sa.Uuid()),
            sa.column("name"),
            sa.column("sort_name"),
            sa.column("created_at", when),
            sa.column("updated_at", when),
        )

    return {
        "artists": named("artists"),
        "albums": named("albums"),
        "genres": sa.table("genres", sa.column("id"), sa.column("name")),
        "songs": sa.table(
            "songs",
            sa.column("id", sa.Uuid()),
            sa.column("album_id", sa.Uuid()),
            sa.column("album_artist_id", sa.Uuid()),
            sa.column("added_at", when),
            sa.column("last_updated", when),
            sa.column("deleted_at", when),
            *(
                sa.column(c)
                for c in (
                    "title",
                    "sort_title",
                    "duration_ms",
                    "source",
                    "audio_hash",
                    "play_count",
                    "popularity_score",
                )
            ),
        ),
        "song_artists": sa.table(
            "song_artists",
            sa.column("song_id", sa.Uuid()),
            sa.column("position"),
            sa.column("artist_id", sa.Uuid()),
        ),
        "song_genres": sa.table(
            "song_genres",
            sa.column("song_id", sa.Uuid()),
            sa.column("genre_id"),
            sa.column("position"),
        ),
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path).resolved_database_url
    pg_url: str = request.getfixturevalue("postgres_url")
    return Settings(data_dir=tmp_path, database_url=pg_url).resolved_database_url


async def test_backfill_indexes_songs_present_before_0005_as_the_live_code_would(
    database_url: str,
) -> None:
    engine = open_engine(database_url)
    t = song_tables()
    ids = [uuid.UUID(int=i + 1) for i in range(len(TEXTS))]
    expected_docs: dict[uuid.UUID, SearchDocument] = {}
    try:
        await upgrade_database(engine, "0004")
        async with engine.begin() as conn:
            stamp = {"created_at": NOW, "updated_at": NOW}
            artist_ids = [uuid.UUID(int=1000 + i) for i in range(len(TEXTS))]
            await conn.execute(
                t["artists"].insert(),
                [
                    {"id": a, "name": text or "?", "sort_name": text or "?", **stamp}
                    for a, text in zip(artist_ids, TEXTS, strict=True)
                ],
            )
            album_id = uuid.UUID(int=5000)
            await conn.execute(
                t["albums"].insert(),
                [{"id": album_id, "name": "Ænima — Live!", "sort_name": "aenima", **stamp}],
            )
            await conn.execute(
                t["genres"].insert(),
                [{"id": 1, "name": "Rock"}, {"id": 2, "name": "J-Pop 日本"}],
            )
            songs: list[dict[str, Any]] = []
            links: list[dict[str, Any]] = []
            genre_links: list[dict[str, Any]] = []
            for i, (song_id, text) in enumerate(zip(ids, TEXTS, strict=True)):
                deleted = i == 3  # a tombstoned song stays out of the index
                songs.append(
                    {
                        "id": song_id,
                        "title": text,
                        "sort_title": text,
                        "album_id": album_id if i % 2 else None,
                        "album_artist_id": artist_ids[(i + 1) % len(TEXTS)] if i % 3 else None,
                        "duration_ms": 1000,
                        "source": "library",
                        "audio_hash": f"{i:064d}",
                        "play_count": 0,
                        "popularity_score": 0.0,
                        "added_at": NOW,
                        "last_updated": NOW,
                        "deleted_at": NOW if deleted else None,
                    }
                )
                artists = [TEXTS[i], TEXTS[(i + 5) % len(TEXTS)]]
                for position, a in enumerate((i, (i + 5) % len(TEXTS))):
                    links.append(
                        {"song_id": song_id, "position": position, "artist_id": artist_ids[a]}
                    )
                genres = ["Rock", "J-Pop 日本"][: i % 3]
                for position, genre_id in enumerate((1, 2)[: i % 3]):
                    genre_links.append(
                        {"song_id": song_id, "genre_id": genre_id, "position": position}
                    )
                if not deleted:
                    album_artist = TEXTS[(i + 1) % len(TEXTS)] if i % 3 else None
                    expected_docs[song_id] = SearchDocument.of(
                        text,
                        [a or "?" for a in artists],
                        "Ænima — Live!" if i % 2 else None,
                        (album_artist or "?") if album_artist is not None else None,
                        genres,
                    )
            await conn.execute(t["songs"].insert(), songs)
            await conn.execute(t["song_artists"].insert(), links)
            await conn.execute(t["song_genres"].insert(), genre_links)

        await upgrade_database(engine)  # head, through 0005's backfill

        async with engine.connect() as conn:
            indexed = {
                (row.song_id if isinstance(row.song_id, uuid.UUID) else uuid.UUID(row.song_id)): {
                    "title": row.title,
                    "artists": row.artists,
                    "album": row.album,
                    "genres": row.genres,
                }
                for row in await conn.execute(
                    sa.text("SELECT song_id, title, artists, album, genres FROM song_search")
                )
            }
            keys = {
                (key, term)
                for key, term in await conn.execute(
                    sa.text("SELECT key, term FROM search_term_keys")
                )
            }
        assert indexed == {
            song_id: {
                "title": d.title,
                "artists": d.artists,
                "album": d.album,
                "genres": d.genres,
            }
            for song_id, d in expected_docs.items()
        }
        terms = set().union(*(d.terms() for d in expected_docs.values()))
        assert keys == {(key, term) for term in terms for key in index_keys(term)}
        assert ("東京事変", "東京事変") in keys  # CJK words are indexed too
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()
