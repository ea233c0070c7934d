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

One statement for a page of artists and one of albums (`BothNames`: the two pages side by
side), or for one kind's page: the typo variants are looked up first (once for artists and
albums together, or not at all when a song search of the same words read them), and the
statement counts the strict matches itself (a window sum) to decide whether the typo
matches count. The statements are built once per shape (how many words,
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
    """The kept statements of one kind (artists or albums); `kind` names its page's bound
    parameters (`{kind}_offset`, `{kind}_limit`), so two kinds can share a statement."""

    def __init__(self, kind: str, matching: Matching, column: Any, order: Sequence[Any]) -> None:
        self.kind = kind
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
        order = [
            inner.c.name_whole.desc(),
            inner.c.name_strict.desc(),
            *(inner.c[f"name_order_{n}"] for n in range(len(self._order))),
        ]
        return (
            select(inner, func.row_number().over(order_by=order).label("name_seq"))
            .where(
                or_(
                    inner.c.name_strict == 1,
                    inner.c.name_strict_total < TYPO_FALLBACK_BELOW,
                )
            )
            .order_by(*order)
            .offset(bindparam(f"{self.kind}_offset", type_=Integer))
            .limit(bindparam(f"{self.kind}_limit", type_=Integer))
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
        shape, params = bound(query, variants, viewer)
        params.update({f"{self.kind}_offset": offset, f"{self.kind}_limit": limit})
        return list((await session.execute(self.statement(shape), params)).all())


def bound(
    query: SearchQuery, variants: Variants, viewer: UUID | None
) -> tuple[Shape, dict[str, Any]]:
    """The shape of the statement for `query` and the values of its bound parameters
    (all but the page's)."""
    last = len(query.terms) - 1
    params: dict[str, Any] = {"whole": query.text}
    counts = []
    for i, term in enumerate(query.terms):
        params[f"w{i}"] = f"% {term}%" if i == last else f"% {term} %"
        alternatives = tuple(variants.get(term, ()))
        counts.append(len(alternatives))
        params.update({f"w{i}_{j}": f"% {v} %" for j, v in enumerate(alternatives)})
    if viewer is not None:
        params["viewer"] = viewer
    return (len(query.terms), tuple(counts), viewer is not None), params


class Row:
    """One kind's part of a row of `BothNames`: its columns by name, as attributes too."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: dict[str, Any]) -> None:
        self._mapping = mapping

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


class BothNames:
    """Pages of two kinds (artists and albums) in one statement: each kind's page as a CTE,
    joined side by side on their positions (row n holds the n-th of each, or NULLs where a
    kind has fewer). No UNION of the kinds' rows: their columns differ."""

    def __init__(self, first: NameSearch, second: NameSearch) -> None:
        self._kinds = (first, second)
        self._kept: dict[Shape, tuple[Select[Any], list[list[tuple[str, str]]]]] = {}

    def _build(self, shape: Shape) -> tuple[Select[Any], list[list[tuple[str, str]]]]:
        pages = [kind.statement(shape).cte(f"{kind.kind}_page") for kind in self._kinds]
        positions = (
            select(pages[0].c.name_seq.label("seq"))
            .union(select(pages[1].c.name_seq))
            .subquery("positions")
        )
        joined: Any = positions
        columns: list[Any] = []
        names: list[list[tuple[str, str]]] = []
        for n, page in enumerate(pages):
            joined = joined.outerjoin(page, page.c.name_seq == positions.c.seq)
            names.append([(f"k{n}_{c.name}", c.name) for c in page.c])
            columns += [c.label(f"k{n}_{c.name}") for c in page.c]
        statement = select(*columns).select_from(joined).order_by(positions.c.seq)
        return statement, names

    async def pages(
        self,
        session: AsyncSession,
        query: SearchQuery,
        variants: Variants,
        windows: tuple[tuple[int, int], tuple[int, int]],
        viewer: UUID | None,
    ) -> tuple[list[Row], list[Row]]:
        """A page (offset, limit) of each kind's matches of `query`, best first."""
        if not query.terms:
            return [], []
        shape, params = bound(query, variants, viewer)
        for kind, (offset, limit) in zip(self._kinds, windows, strict=True):
            params.update({f"{kind.kind}_offset": offset, f"{kind.kind}_limit": limit})
        kept = self._kept.get(shape)
        if kept is None:
            if len(self._kept) >= _MAX_KEPT:
                self._kept.clear()
            kept = self._kept[shape] = self._build(shape)
        statement, names = kept
        found: tuple[list[Row], list[Row]] = ([], [])
        for row in (await session.execute(statement, params)).all():
            mapping = row._mapping
            for n, columns in enumerate(names):
                if mapping[columns[0][0]] is not None:  # the kind's id: it has a row here
                    found[n].append(Row({name: mapping[key] for key, name in columns}))
        return found


async def name_variants(session: AsyncSession, query: SearchQuery) -> Variants:
    """The typo variants of the query's words (for artists and albums alike)."""
    if not query.terms:
        return {}
    return await typo_variants_of(session, query.terms)


__all__ = ["BothNames", "NameSearch", "Row", "Variants", "bound", "every_word", "name_variants"]
