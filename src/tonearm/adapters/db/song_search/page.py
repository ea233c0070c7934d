"""The page statement of a song search: its parts' rows in order, with what a list shows.

A page is made of parts (`Part`): the whole-title and strict rows pinned first, then tier
by tier, or every match ranked. One statement selects each part's rows on the page, joins
them to the song, its album and its artists and genres (JSON arrays in tag order), and
orders them by part, then by each part's own order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tonearm.adapters.db.song_search.fulltext import FullText
from tonearm.library.search import SongMatch, score

_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)\b")

PAGE_COLUMNS = (
    "exact_title",
    "strict",
    "points",
    "relevance",
    "song_id",
    "title",
    "year",
    "track_number",
    "disc_number",
    "duration_ms",
    "album",
    "album_artist",
    "artists",
    "genres",
)


@dataclass(frozen=True, slots=True)
class Part:
    """A slice of a page: a SELECT of id, exact_title, strict, points, relevance and seq
    (its order), the CTEs it needs, its parameters, and which seq values are on the page
    (None: every row it gives)."""

    ctes: list[str]
    sql: str
    params: dict[str, Any]
    window: tuple[int, int] | None


async def page_rows(
    fts: FullText,
    parts: list[Part],
    params: dict[str, Any],
    head: str = "",
    columns: str = "",
    extra: str = "",
) -> list[Any]:
    """Run the page statement of `parts`. With `head` (a CTE `n`) and its `columns`,
    every row has those columns too, and one row comes back when the page is empty.
    `extra`: one more CTE the parts use."""
    ctes: list[str] = [c for c in (head, extra) if c]
    selects: list[str] = []
    params = dict(params)
    for n, part in enumerate(parts):
        # Each part's parameters get the part's number, so parts cannot collide.
        def numbered(sql: str, n: int = n, names: dict[str, Any] = part.params) -> str:
            return _PARAM.sub(lambda m: f":{m[1]}_{n}" if m[1] in names else m[0], sql)

        params.update({f"{name}_{n}": value for name, value in part.params.items()})
        ctes += [numbered(c) for c in part.ctes]
        ctes.append(f"p{n} AS ({numbered(part.sql)})")
        where = ""
        if part.window is not None:
            where = f"WHERE seq > {part.window[0]} AND seq <= {part.window[1]}"
        selects.append(
            f"SELECT {n} AS part, seq, id, exact_title, strict, points, relevance FROM p{n} {where}"
        )
    ctes.append("picked AS (" + " UNION ALL ".join(selects) + ")")
    ctes.append(f"pg AS ({page_sql(fts)})")
    page_columns = ", ".join(f"pg.{c}" for c in PAGE_COLUMNS)
    if head:
        select = f"SELECT {columns}, {page_columns} FROM n LEFT JOIN pg ON 1 = 1"
    else:
        select = f"SELECT {page_columns} FROM pg"
    sql = "WITH " + ",\n".join(ctes) + f"\n{select} ORDER BY pg.part, pg.seq"
    return await fts.rows(sql, params)


def page_sql(fts: FullText) -> str:
    """The SELECT over `picked` (part, seq, id, exact_title, strict, points, relevance)
    giving what a result list shows of each live song, artists and genres as JSON arrays
    in tag order (unordered: order by part, seq)."""
    return f"""
        SELECT p.part, p.seq, p.exact_title, p.strict, p.points, p.relevance,
               so.id AS song_id, so.title, so.year, so.track_number, so.disc_number,
               so.duration_ms, al.name AS album, aa.name AS album_artist,
               {fts.artists_json} AS artists, {fts.genres_json} AS genres
        FROM picked AS p
        JOIN song_search AS s ON s.id = p.id
        JOIN songs AS so ON so.id = s.song_id
        LEFT JOIN albums AS al ON al.id = so.album_id
        LEFT JOIN artists AS aa ON aa.id = so.album_artist_id
        WHERE so.deleted_at IS NULL
    """


def song_match(values: Sequence[Any]) -> SongMatch | None:
    """A SongMatch from the PAGE_COLUMNS of a page row (None: no song in that row)."""
    row = dict(zip(PAGE_COLUMNS, values, strict=True))
    song_id = row["song_id"]
    if song_id is None:
        return None
    return SongMatch(
        id=song_id if isinstance(song_id, UUID) else UUID(song_id),
        title=row["title"],
        artists=_names(row["artists"]),
        album=row["album"],
        album_artist=row["album_artist"],
        genres=_names(row["genres"]),
        year=row["year"],
        track_number=row["track_number"],
        disc_number=row["disc_number"],
        duration_ms=row["duration_ms"],
        score=score(
            bool(row["exact_title"]),
            bool(row["strict"]),
            int(row["points"]),
            float(row["relevance"]),
        ),
    )


def _names(value: Any) -> tuple[str, ...]:
    return tuple(json.loads(value) if isinstance(value, str) else value or ())


__all__ = ["PAGE_COLUMNS", "Part", "page_rows", "page_sql", "song_match"]
