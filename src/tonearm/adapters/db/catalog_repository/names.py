"""Artist and album search: words matched in folded names, with song search's rules.

Each artist and album keeps `search_name`, its name folded as song search folds text
(library/folding.py: "Sólveig Ólafsdóttir" is "solveig olafsdottir", "Hafið" is "hafid").
A query's words must each be a whole word of it, the last one may also be unfinished
("solv"). When that finds fewer than TYPO_FALLBACK_BELOW names, every word long enough
may instead be one of its typo variants from song search's vocabulary (which holds every
word of live songs' artists and albums, so of every listed artist and album), and the
search runs again. Results come best first: the whole name, then names matched without a
typo, then by sort key.

The words are matched with LIKE on ` name ` padded with spaces: folded words hold only
letters and digits, so no word carries a LIKE wildcard, and a query has at most
MAX_QUERY_TERMS words of at most MAX_QUERY_CHARS characters in all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.song_search.index import typo_variants_of
from tonearm.library.search import TYPO_FALLBACK_BELOW, SearchQuery

Variants = Mapping[str, Sequence[str]]


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


async def find_names(
    session: AsyncSession,
    matching: Callable[[ColumnElement[bool]], Select[Any]],
    column: Any,
    order: Sequence[Any],
    query: SearchQuery,
    offset: int,
    limit: int,
) -> list[Any]:
    """A page of the rows `matching(condition)` selects whose folded name (`column`)
    matches `query` (see the module doc), best first, ties in `order`."""
    if not query.terms:
        return []
    strict = every_word(column, query)
    matched = strict
    few = matching(strict).limit(TYPO_FALLBACK_BELOW).subquery()
    if (await session.scalar(select(func.count()).select_from(few)) or 0) < TYPO_FALLBACK_BELOW:
        variants = await typo_variants_of(session, query.terms)
        if any(variants.values()):
            matched = every_word(column, query, variants)
    whole = case((column == query.text, 1), else_=0)
    without_typo = case((strict, 1), else_=0)
    found = matching(matched).order_by(whole.desc(), without_typo.desc(), *order)
    return list((await session.execute(found.offset(offset).limit(limit))).all())


__all__ = ["every_word", "find_names"]
