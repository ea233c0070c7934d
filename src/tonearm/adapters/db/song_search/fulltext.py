"""What song search's query needs from one database's full-text index (sqlite.py, postgres.py).

Match expressions are strings in the database's own syntax (an FTS5 MATCH string, a
tsquery), bound as parameters; the SQL fragments around them differ per database too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# Per query word: (the word, its typo variants; none unless the word looks misspelt).
Alternatives = tuple[str, tuple[str, ...]]


class FullText(Protocol):
    """One database's full-text index, as match expressions and SQL fragments, and the
    connection its statements run on."""

    find: str  # SQL function: position of a substring (SQLite instr, PostgreSQL strpos)
    artists_json: str  # scalar subquery: song `so`'s artists as a JSON array, in tag order
    genres_json: str  # the same for its genres

    async def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        """Run one statement; list-valued parameters are `IN :name` lists."""
        ...

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
        """Rows where every query word (or a variant) is in `fields`. Unless `whole`, the
        last word may also be the start of a longer word (it may be unfinished)."""
        ...

    def either(self, a: str, b: str) -> str:
        """Rows of `a` or `b`."""
        ...

    def minus(self, a: str, b: str) -> str:
        """Rows of `a` that are not rows of `b`."""
        ...

    def matches_cte(self, total: int) -> str | None:
        """A CTE `b` of every match (bound as :matches) for tier queries to read instead
        of the table, when that is cheaper for `total` matches; None otherwise."""
        ...

    def matching(self, param: str, within_matches: bool = False) -> str:
        """SELECT of the ids (as `id`) of the rows matching the expression bound to :param
        (among the rows of `matches_cte` when `within_matches`)."""
        ...

    def ids_csv(self, select_ids: str) -> str:
        """A scalar subquery: the ids of `select_ids` (one column `id`), comma-separated."""
        ...

    def capped(self, select_ids: str, cap: int) -> str:
        """`select_ids` stopped after `cap` rows where that is cheaper (all rows otherwise)."""
        ...

    def vocabulary(self, param: str) -> str:
        """A scalar subquery: the vocabulary's (key, term) rows under the typo keys bound to
        :param (a JSON array of strings), as a JSON array of [key, term] pairs."""
        ...

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
        """(WITH clauses or "", a SELECT of `columns` and `relevance` from song_search AS s
        for every row matching :match), nothing at all unless the SQL `guard` holds (it is
        checked once, before the full-text index is read)."""
        ...


__all__ = ["Alternatives", "FullText"]
