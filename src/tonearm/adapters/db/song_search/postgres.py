"""Song search's SQL on PostgreSQL: tsquery expressions over a weighted tsvector, ts_rank.

Migration 0005 gives `song_search` the generated column `document`, a tsvector with the
title as weight A, artists B, album C and genres D, under a GIN index. Weight labels
(`'love':AB`) select tiers; `& !` takes one tier's rows out of another. Statements run
as Core text statements on the session's connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from tonearm.adapters.db.song_search.fulltext import Alternatives
from tonearm.library.search import FIELD_WEIGHTS

# Up to this many matches, tiers are read from the matches, not the table.
PG_TIERS_FROM_MATCHES_UP_TO = 5000
_LETTERS = {"title": "A", "artists": "B", "album": "C", "genres": "D"}
_NAMES = "coalesce(json_agg(x.name ORDER BY x.position), '[]'::json)"


class PostgresFullText:
    """tsvector: weight labels ('love':AB) for fields, & ! for NOT, ts_rank."""

    find = "strpos"  # position of a substring
    # A song `so`'s artists and genres as JSON arrays in tag order.
    artists_json = f"""(SELECT {_NAMES} FROM (SELECT a.name, sa.position FROM song_artists sa
            JOIN artists a ON a.id = sa.artist_id WHERE sa.song_id = so.id) AS x)"""
    genres_json = f"""(SELECT {_NAMES} FROM (SELECT g.name, sg.position FROM song_genres sg
            JOIN genres g ON g.id = sg.genre_id WHERE sg.song_id = so.id) AS x)"""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        """Run one statement; list-valued parameters are `IN :name` lists."""
        lists = [name for name, value in params.items() if isinstance(value, list)]
        statement = text(sql)
        if lists:
            statement = statement.bindparams(*(bindparam(n, expanding=True) for n in lists))
        return [tuple(row) for row in await self._conn.execute(statement, params)]

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
        """Rows where every query word (or a variant) is in `fields`. Unless `whole`, the
        last word may also be the start of a longer word (it may be unfinished)."""
        labels = "" if len(fields) == len(FIELD_WEIGHTS) else "".join(_LETTERS[f] for f in fields)
        suffix = f":{labels}" if labels else ""
        groups = []
        for i, (term, variants) in enumerate(alternatives):
            prefix = not whole and i == len(alternatives) - 1
            options = [
                f"'{term}'{suffix}",
                *([f"'{term}':*{labels}"] if prefix else []),
                *(f"'{v}'{suffix}" for v in variants),
            ]
            groups.append("(" + " | ".join(options) + ")")
        return "(" + " & ".join(groups) + ")"

    def either(self, a: str, b: str) -> str:
        """Rows of `a` or `b`."""
        return f"({a} | {b})"

    def minus(self, a: str, b: str) -> str:
        """Rows of `a` that are not rows of `b`."""
        return f"({a} & !{b})"

    def matches_cte(self, total: int) -> str | None:
        """With a moderate `total`, the CTE `b` of every match (bound as :matches) for tier
        queries to filter (`matching(..., within_matches=True)`); else None.

        With a LIMIT, the planner would walk the table hoping to stop early, and for a
        tier that is rare in the table walk most of it; the matches are read once through
        the GIN index instead."""
        if total > PG_TIERS_FROM_MATCHES_UP_TO:
            return None
        return (
            "b AS MATERIALIZED (SELECT id, document FROM song_search "
            "WHERE document @@ to_tsquery('simple', :matches))"
        )

    def matching(self, param: str, within_matches: bool = False) -> str:
        """SELECT of the ids (as `id`) of the rows matching the expression bound to :param:
        among the rows of `matches_cte` when `within_matches`, else in the table."""
        source = "b" if within_matches else "song_search"
        return f"SELECT id FROM {source} WHERE document @@ to_tsquery('simple', :{param})"

    def ids_csv(self, select_ids: str) -> str:
        """A scalar subquery: the ids of `select_ids` (one column `id`), comma-separated."""
        return f"(SELECT string_agg(id::text, ',') FROM ({select_ids}) AS i)"

    def capped(self, select_ids: str, cap: int) -> str:
        """`select_ids` as it is: with a LIMIT the planner walks the table hoping to stop
        early (for a rare word, all of it); without, the GIN index gives the matches (few,
        where this is used)."""
        return select_ids

    def vocabulary(self, param: str) -> str:
        """A scalar subquery: the vocabulary's [key, term] pairs under the keys of :param (a
        JSON array): one statement text whatever the number of keys."""
        return f"""(SELECT coalesce(json_agg(json_build_array(key, term)), '[]'::json)
            FROM search_term_keys
            WHERE key IN (SELECT json_array_elements_text(CAST(:{param} AS json))))"""

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
        """("", a SELECT of `columns` and `relevance` from song_search AS s for every row
        matching :match), nothing at all unless the SQL `guard` holds."""
        # ts_rank's weights are for D, C, B, A: genres, album, artists, title.
        top = FIELD_WEIGHTS["title"]
        weights = ", ".join(
            str(FIELD_WEIGHTS[f] / top) for f in ("genres", "album", "artists", "title")
        )
        # The guard is a LIMIT (0 or none): at LIMIT 0 nothing below it runs at all, where a
        # WHERE guard still let a parallel plan rank every match before filtering.
        rows = f"""SELECT {columns}, ts_rank('{{{weights}}}'::float4[], s.document, q) AS relevance
            FROM song_search AS s, to_tsquery('simple', :match) AS q
            WHERE s.document @@ q
            LIMIT (CASE WHEN {guard} THEN NULL ELSE 0 END)"""
        return "", rows


__all__ = ["PG_TIERS_FROM_MATCHES_UP_TO", "PostgresFullText"]
