"""Artist and album search: words matched in folded names, with song search's rules.

Each artist and album keeps `search_name`, its name folded as song search folds text
(library/folding.py: "Sólveig Ólafsdóttir" is "solveig olafsdottir", "Hafið" is "hafid").
A query's words must each be a whole word of it, the last one may also be unfinished
("solv"). When that finds fewer than TYPO_FALLBACK_BELOW names, every word long enough
may instead be one of its typo variants from song search's vocabulary (which holds every
word of live songs' artists and albums, so of every listed artist and album). Results come
best first: the whole name, then names matched without a typo, then by sort key.

The words are matched with LIKE on ` name ` padded with spaces: folded words hold only
letters and digits, so no word carries a LIKE wildcard, and a query has at most
MAX_QUERY_TERMS words of at most MAX_QUERY_CHARS characters in all.

One statement a page: the typo variants are looked up first (once for artists and albums
together), and the statement counts the strict matches itself (a window sum) to decide
whether the typo matches count. The statements are built once per shape (how many words,
how many variants each, with or without a viewer) with every value a bound parameter, and
kept: building them and their cache keys cost more than running them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.song_search.index import typo_variants_of
from tonearm.library.search import TYPO_FALLBACK_BELOW, SearchQuery

Variants = Mapping[str, Sequence[str]]
# (how many query words, how many variants each, whether a viewer's marks are read)
Shape = tuple[int, tuple[int, ...], bool]
# Builds a kind's statement: `matching(condition, viewer)` selects the rows whose name
# matches `condition`, with the marks of `viewer` (a bound parameter) unless it is None.
Matching = Callable[[ColumnElement[bool], Any], Select[Any]]

_MAX_KEPT = 512  # statements kept per kind (shapes are few: words × variants)


def every_word(
    column: Any, query: SearchQuery, variants: Variants | None = None
) -> ColumnElement[bool]:
    """Names in `column` (folded) holding every query word: whole, the last one also as
    the start of a word, or (with `variants`) any of a word's typo variants, whole."""
    padded = literal(" ") + column + literal(" ")
    last = len(query.terms) - 1
    conditions = []
    for i, term in enumerate(query.terms):
        # The last word may be unfinished: the start of a word (a whole word too).
        options = [padded.contains(f" {term}" if i == last else f" {term} ", autoescape=True)]
        options += [
            padded.contains(f" {v} ", autoescape=True) for v in (variants or {}).get(term, ())
        ]
        conditions.append(or_(*options))
    return and_(*conditions)


def _bound_words(column: Any, counts: Sequence[int]) -> ColumnElement[bool]:
    """`every_word` with bound LIKE patterns: `w{i}` for word i, `w{i}_{j}` its variants."""
    padded = literal(" ") + column + literal(" ")
    return and_(
        *(
            or_(
                padded.like(bindparam(f"w{i}", type_=column.type)),
                *(padded.like(bindparam(f"w{i}_{j}", type_=column.type)) for j in range(n)),
            )
            for i, n in enumerate(counts)
        )
    )


class NameSearch:
    """The kept statements of one kind (artists or albums)."""

    def __init__(self, matching: Matching, column: Any, order: Sequence[Any]) -> None:
        self._matching = matching
        self._column = column
        self._order = tuple(order)
        self._kept: dict[Shape, Select[Any]] = {}

    def statement(self, shape: Shape) -> Select[Any]:
        """The statement of this shape, built on first use."""
        found = self._kept.get(shape)
        if found is None:
            if len(self._kept) >= _MAX_KEPT:
                self._kept.clear()
            found = self._kept[shape] = self._build(shape)
        return found

    def _build(self, shape: Shape) -> Select[Any]:
        terms, counts, with_viewer = shape
        column = self._column
        strict = _bound_words(column, [0] * terms)
        matched = _bound_words(column, counts) if any(counts) else strict
        viewer: Any = bindparam("viewer") if with_viewer else None
        strict_flag = case((strict, 1), else_=0)
        inner = (
            self._matching(matched, viewer)
            .add_columns(
                case((column == bindparam("whole", type_=column.type), 1), else_=0).label(
                    "name_whole"
                ),
                strict_flag.label("name_strict"),
                func.sum(strict_flag).over().label("name_strict_total"),
                *(c.label(f"name_order_{n}") for n, c in enumerate(self._order)),
            )
            .subquery()
        )
        order = [inner.c[f"name_order_{n}"] for n in range(len(self._order))]
        return (
            select(inner)
            .where(
                or_(
                    inner.c.name_strict == 1,
                    inner.c.name_strict_total < TYPO_FALLBACK_BELOW,
                )
            )
            .order_by(inner.c.name_whole.desc(), inner.c.name_strict.desc(), *order)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )

    async def page(
        self,
        session: AsyncSession,
        query: SearchQuery,
        variants: Variants,
        offset: int,
        limit: int,
        viewer: UUID | None,
    ) -> list[Any]:
        """A page of the matches of `query` (see the module doc), best first."""
        if not query.terms:
            return []
        last = len(query.terms) - 1
        params: dict[str, Any] = {"whole": query.text, "offset": offset, "limit": limit}
        counts = []
        for i, term in enumerate(query.terms):
            params[f"w{i}"] = f"% {term}%" if i == last else f"% {term} %"
            alternatives = tuple(variants.get(term, ()))
            counts.append(len(alternatives))
            params.update({f"w{i}_{j}": f"% {v} %" for j, v in enumerate(alternatives)})
        if viewer is not None:
            params["viewer"] = viewer
        statement = self.statement((len(query.terms), tuple(counts), viewer is not None))
        return list((await session.execute(statement, params)).all())


async def name_variants(session: AsyncSession, query: SearchQuery) -> Variants:
    """The typo variants of the query's words (for artists and albums alike)."""
    if not query.terms:
        return {}
    return await typo_variants_of(session, query.terms)


__all__ = ["NameSearch", "Variants", "every_word", "name_variants"]
