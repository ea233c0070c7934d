"""Song search's SQL on SQLite: FTS5 match expressions, bm25, and the driver's connection.

The FTS5 table `song_search_fts` (migration 0005) has `song_search` as its external
content. Column filters (`{title artists} : ...`) select tiers; NOT takes one tier's rows
out of another. Statements run on aiosqlite's own connection, without SQLAlchemy's
statement handling around them (that cost more than the few statements of a search).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tonearm.adapters.db.song_search.fulltext import Alternatives
from tonearm.library.search import FIELD_WEIGHTS


class SqliteFullText:
    """FTS5: `{title artists} : (...)` column filters, NOT, bm25 with column weights.

    `driver`: aiosqlite's connection under the session's (its `execute_fetchall`).
    """

    find = "instr"  # position of a substring
    # A song `so`'s artists and genres as JSON arrays in tag order (json_group_array keeps
    # the order of the rows it is fed).
    artists_json = """(SELECT json_group_array(name) FROM (SELECT a.name FROM song_artists sa
            JOIN artists a ON a.id = sa.artist_id WHERE sa.song_id = so.id
            ORDER BY sa.position))"""
    genres_json = """(SELECT json_group_array(name) FROM (SELECT g.name FROM song_genres sg
            JOIN genres g ON g.id = sg.genre_id WHERE sg.song_id = so.id
            ORDER BY sg.position))"""

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    async def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        """Run one statement; list-valued parameters are `IN :name` lists."""
        sql, params = expand_lists(sql, params)
        return list(await self._driver.execute_fetchall(sql, params))

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
        """Rows where every query word (or a variant) is in `fields`. Unless `whole`, the
        last word may also be the start of a longer word (it may be unfinished)."""
        groups = []
        for i, (term, variants) in enumerate(alternatives):
            prefix = not whole and i == len(alternatives) - 1
            options = [
                f'"{term}"',
                *([f'"{term}"*'] if prefix else []),
                *(f'"{v}"' for v in variants),
            ]
            groups.append("(" + " OR ".join(options) + ")")
        body = " AND ".join(groups)
        if len(fields) == len(FIELD_WEIGHTS):
            return f"({body})"
        return "{" + " ".join(fields) + "} : (" + body + ")"

    def either(self, a: str, b: str) -> str:
        """Rows of `a` or `b`."""
        return f"({a} OR {b})"

    def minus(self, a: str, b: str) -> str:
        """Rows of `a` that are not rows of `b`."""
        return f"({a} NOT {b})"

    def matches_cte(self, total: int) -> str | None:
        """No CTE of the matches: FTS5 reads them from its own index each time."""
        return None

    def matching(self, param: str, within_matches: bool = False) -> str:
        """SELECT of the ids (as `id`) of the rows matching the expression bound to :param."""
        return f"SELECT rowid AS id FROM song_search_fts WHERE song_search_fts MATCH :{param}"

    def ids_csv(self, select_ids: str) -> str:
        """A scalar subquery: the ids of `select_ids` (one column `id`), comma-separated."""
        return f"(SELECT group_concat(id) FROM ({select_ids}))"

    def capped(self, select_ids: str, cap: int) -> str:
        """`select_ids` stopped after `cap` rows."""
        return f"{select_ids} LIMIT {cap}"

    def vocabulary(self, param: str) -> str:
        """A scalar subquery: the vocabulary's [key, term] pairs under the keys of :param (a
        JSON array): one statement text whatever the number of keys."""
        return f"""(SELECT json_group_array(json_array(key, term)) FROM search_term_keys
            WHERE key IN (SELECT value FROM json_each(:{param})))"""

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
        """(a WITH clause `m`, a SELECT of `columns` and `relevance` from song_search AS s
        for every row matching :match), nothing at all unless the SQL `guard` holds."""
        weights = ", ".join(str(w) for w in FIELD_WEIGHTS.values())
        # bm25() works only where the FTS5 cursor is: in its own CTE. The guard is a LIMIT
        # (0 or none): computed before the scan, where a WHERE term would be tried per row.
        cte = f"""m AS MATERIALIZED (
            SELECT rowid AS id, -bm25(song_search_fts, {weights}) AS relevance
            FROM song_search_fts WHERE song_search_fts MATCH :match
            LIMIT (CASE WHEN {guard} THEN -1 ELSE 0 END)
        )"""
        rows = f"SELECT {columns}, m.relevance FROM m JOIN song_search AS s ON s.id = m.id"
        return cte, rows


def expand_lists(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`IN :name` of a list parameter as `IN (:name__0, :name__1, ...)`, for the driver."""
    expanded = {}
    for name, value in params.items():
        if not isinstance(value, list):
            expanded[name] = value
            continue
        names = [f"{name}__{i}" for i in range(len(value))]
        expanded.update(zip(names, value, strict=True))
        placeholder = "(" + ", ".join(f":{n}" for n in names) + ")" if names else "(NULL)"
        sql = re.sub(rf"(?<!:):{name}\b", placeholder, sql)
    return sql, expanded


__all__ = ["SqliteFullText", "expand_lists"]
