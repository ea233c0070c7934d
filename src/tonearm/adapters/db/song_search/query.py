"""Running a song search: the statements built from a `Plan`, and how they rank.

Matching: every query word must be found in some field, as a whole word; the last word
may also be unfinished (a prefix: "the beatl"). When that finds fewer than
TYPO_FALLBACK_BELOW songs, the words that match little on their own get typo variants
from the vocabulary and the search runs again, the exact matches pinned first.

Ranking (library/search.py RANK_TIERS): whole-title matches first, then matches without a
typo, then by tier (which fields hold every word), then by relevance (bm25 / ts_rank).
Relevance means visiting every match, so it is computed only when at most
`rank_all_up_to` songs match. Past that (a short prefix, a common word, a genre) the cost
stays bounded by the page: each tier is counted only up to the page's end, and the page's
rows of a tier are read in index order, so within a tier they come in the order they were
indexed.

Each statement is built from an explicit, immutable `Plan` (the query, the page, each
word's alternatives, which matches are strict); a typo search is a second plan.

Cost: the statements are the cost. A search with few matches is one statement (count and
page together, with the vocabulary under every word's typo keys: the typo variants, for
a typo search and for the caller's artist and album search); a large one three (count,
tier counts, page); a typo search adds a second count-and-page. On SQLite they run on aiosqlite's own
connection, without SQLAlchemy's statement handling, which costs more than the queries.
bench/bench_search.py measures it on 100,000 songs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.song_search.fulltext import Alternatives, FullText
from tonearm.adapters.db.song_search.index import closest_variants
from tonearm.adapters.db.song_search.page import Part, page_rows, song_match
from tonearm.adapters.db.song_search.postgres import PostgresFullText
from tonearm.adapters.db.song_search.sqlite import SqliteFullText
from tonearm.library.search import (
    FIELD_WEIGHTS,
    RANK_TIERS,
    TYPO_FALLBACK_BELOW,
    SearchPage,
    SearchQuery,
    SongMatch,
    lookup_keys,
    tier_points,
)

# Up to this many matches, every match is ranked (relevance computed); past it, by tiers.
RANK_ALL_UP_TO = 300
# Whole-title matches pinned above the tiers of a large result set (more rank in their tier).
MAX_PINNED = 100
_ORDER = "exact_title DESC, strict DESC, points DESC, relevance DESC, title, id"


class SqlSongSearch:
    """SongSearch over `song_search` on SQLite (FTS5) or PostgreSQL (tsvector).

    `rank_all_up_to`: up to this many matches every match is ranked fully; past it, by
    tiers (tests set 0 to take that path with a small library).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, rank_all_up_to: int = RANK_ALL_UP_TO
    ) -> None:
        self._sessions = sessions
        self._rank_all_up_to = rank_all_up_to

    async def search(self, query: SearchQuery, limit: int, offset: int) -> SearchPage:
        """Live songs matching every word of `query`, best first; see the module doc."""
        empty = SearchPage(items=[], total=0, limit=limit, offset=offset)
        if not query.terms:
            return empty
        async with self._sessions() as session:
            plan = Plan.of(await open_fulltext(session), query, limit, offset)
            first = await first_pass(plan, self._rank_all_up_to, vocabulary=True)
            variants = first.variants
            if first.total < TYPO_FALLBACK_BELOW:
                widened = await with_typos(plan, first)
                if widened is not None:
                    plan, first = widened, await first_pass(widened, self._rank_all_up_to)
            total, items = first.total, first.items
            if total > self._rank_all_up_to:
                items = await tiered_page(plan, await tier_parts(plan, total), total)
        return SearchPage(items=items, total=total, limit=limit, offset=offset, variants=variants)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a search's statements are built from: the database, the query and page, each
    query word's alternatives, and which matches are strict. A typo search is a second
    plan (`with_typos`), not a change to the first."""

    fts: FullText
    query: SearchQuery
    limit: int
    offset: int
    alternatives: tuple[Alternatives, ...]
    strict_ids: tuple[int, ...] | None  # None: every match is strict (no typos)

    @classmethod
    def of(cls, fts: FullText, query: SearchQuery, limit: int, offset: int) -> Plan:
        """The first plan of a search: each word as typed, every match strict."""
        alternatives = tuple((term, ()) for term in query.terms)
        return cls(fts, query, limit, offset, alternatives, strict_ids=None)

    @property
    def base(self) -> str:
        """Every match: each word (or a variant) anywhere, the last one maybe unfinished."""
        return self.fts.match(self.alternatives, RANK_TIERS[-1][0], whole=False)

    @property
    def window(self) -> tuple[int, int]:
        """The page's rows in a fully ranked order: after `offset`, up to its end."""
        return self.offset, self.offset + self.limit


async def open_fulltext(session: AsyncSession) -> FullText:
    """The full-text index of the session's database, on its connection."""
    # Core statements on the session's connection (PostgreSQL), or straight on the
    # driver's (SQLite): none of the ORM's per-statement work.
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        return PostgresFullText(conn)
    # aiosqlite's own connection: no SQLAlchemy statement handling around the few
    # statements of a search (that cost more than running them).
    return SqliteFullText((await conn.get_raw_connection()).driver_connection)


@dataclass(frozen=True, slots=True)
class FirstPass:
    """What the first statement of a plan found: how many songs match, the page (when at
    most `rank_all_up_to` do), the matches themselves when they are few, and how many
    (up to a few) each query word matches alone."""

    total: int
    items: list[SongMatch]
    first_ids: list[int]
    term_totals: list[int]
    variants: dict[str, tuple[str, ...]] | None = None  # None: not looked up


def _count(
    fts: FullText, param: str, exclude: str = "", cap: int | None = None, within: bool = False
) -> str:
    """A scalar subquery counting the matches of :param (up to `cap`: it stops there)."""
    limit = "" if cap is None else f" LIMIT {cap}"
    return (
        f"(SELECT count(*) FROM (SELECT c.id FROM ({fts.matching(param, within)}) AS c "
        f"{exclude}{limit}) AS capped)"
    )


async def first_pass(plan: Plan, rank_all_up_to: int, vocabulary: bool = False) -> FirstPass:
    """How many songs match and, when at most `rank_all_up_to`, the page too: one
    statement. Also the first few matches and, when the whole query matches few, how
    many (up to a few) each word matches alone: a word matching little may be misspelt.
    With `vocabulary`, the same statement reads the vocabulary under every query word's
    typo keys: the typo variants of each word (`FirstPass.variants`)."""
    fts, alternatives = plan.fts, plan.alternatives
    params: dict[str, Any] = {"m": plan.base}
    few = f"CASE WHEN n.total < {TYPO_FALLBACK_BELOW} THEN"
    # Only needed when few songs match: then they are all of them.
    first = fts.ids_csv(fts.capped(fts.matching("m"), TYPO_FALLBACK_BELOW))
    columns = ["n.total AS head_total", f"{few} {first} END AS head_first"]
    if len(alternatives) > 1:
        last = len(alternatives) - 1
        for i, alternative in enumerate(alternatives):
            alone = fts.match([alternative], RANK_TIERS[-1][0], whole=i != last)
            params[f"t{i}"] = alone
            capped = fts.capped(fts.matching(f"t{i}"), TYPO_FALLBACK_BELOW)
            columns.append(f"{few} (SELECT count(*) FROM ({capped}) AS c) END AS head_t{i}")
    wanted = {term: lookup_keys(term) for term, _ in alternatives} if vocabulary else {}
    every_key = sorted(set().union(*wanted.values()))
    if every_key:
        params["keys"] = json.dumps(every_key)
        columns.append(f"{fts.vocabulary('keys')} AS head_vocabulary")
    head = f"n AS (SELECT count(*) AS total FROM ({fts.matching('m')}) AS c)"
    part = ranked_part(plan, guard=f"(SELECT total FROM n) <= {rank_all_up_to}")
    rows = await page_rows(fts, [part], params, head, ", ".join(columns))
    total = int(rows[0][0])
    terms = len(alternatives)
    term_totals = [int(n or 0) for n in rows[0][2 : 2 + terms]] if terms > 1 else [total]
    variants = None
    if vocabulary:
        pairs = _json(rows[0][len(columns) - 1]) if every_key else []
        variants = closest_variants(wanted, pairs)
    items: list[SongMatch] = []
    if total <= rank_all_up_to:
        page = [song_match(row[len(columns) :]) for row in rows]
        items = [m for m in page if m is not None][: plan.limit]
    return FirstPass(total, items, _ids(rows[0][1]), term_totals, variants)


def _json(value: Any) -> Any:
    """A JSON value as the driver gives it: text (SQLite, PostgreSQL's json) or decoded."""
    return json.loads(value) if isinstance(value, str) else value or []


async def with_typos(plan: Plan, first: FirstPass) -> Plan | None:
    """The plan widened with typo variants of the words that match little on their own,
    the matches of `first` still first (strict). None when no word has variants."""
    rare = [
        term
        for (term, _), alone in zip(plan.alternatives, first.term_totals, strict=True)
        if alone < TYPO_FALLBACK_BELOW
    ]
    if first.variants is None:
        variants = await _typo_variants(plan.fts, rare)
    else:
        variants = {term: first.variants.get(term, ()) for term in rare}
    if not any(variants.values()):
        return None
    return replace(
        plan,
        alternatives=tuple((term, variants.get(term, ())) for term, _ in plan.alternatives),
        strict_ids=tuple(first.first_ids),
    )


def _scored(plan: Plan, rows_of: Callable[[str], tuple[str, str]], params: dict[str, Any]) -> Part:
    """The page's slice of rows ranked fully: `rows_of(columns)` gives (CTE or "",
    a SELECT of `columns` and relevance from song_search AS s)."""
    if plan.strict_ids is None:
        strict = "1"
    elif plan.strict_ids:
        strict = "CASE WHEN s.id IN :strict_ids THEN 1 ELSE 0 END"
        params["strict_ids"] = list(plan.strict_ids)
    else:
        strict = "0"
    params["text"] = plan.query.text
    hits = _hit_columns(plan.alternatives, params, plan.fts.find)
    cte, rows = rows_of(
        "s.id, s.title, CASE WHEN s.title = :text THEN 1 ELSE 0 END AS exact_title, "
        f"{strict} AS strict, {hits}"
    )
    points = _points_from_hits(len(plan.alternatives))
    # Each hit is computed once per row, then the tiers look at them.
    ranked = f"""SELECT id, exact_title, strict, points, relevance,
            row_number() OVER (ORDER BY {_ORDER}) AS seq
        FROM (SELECT id, title, exact_title, strict, {points} AS points, relevance
              FROM ({rows}) AS h) AS x"""
    return Part([cte] if cte else [], ranked, params, plan.window)


def ranked_part(plan: Plan, guard: str = "1 = 1") -> Part:
    """Every match ranked fully (if `guard` holds); the page's slice of it."""
    return _scored(plan, lambda columns: plan.fts.ranked_rows(columns, guard), {"match": plan.base})


def _with_matches(plan: Plan, total: int, params: dict[str, Any]) -> str | None:
    """The CTE of every match for the tier queries to filter, when the database has one
    for `total` matches (see FullText.matches_cte; its expression goes into `params`)."""
    cte = plan.fts.matches_cte(total)
    if cte is not None:
        params["matches"] = plan.base
    return cte


async def tier_parts(plan: Plan, total: int) -> list[Part]:
    """A large result set's page: pinned rows (whole title, then the few strict
    matches of a typo search) ranked, then tier by tier in index order."""
    fts, alternatives = plan.fts, plan.alternatives
    last = len(RANK_TIERS) - 1
    tiers, befores, so_fars = [], [], []
    before: list[int] = []  # tiers so far that no other tier so far contains
    for k in range(len(RANK_TIERS)):
        tiers.append(fts.match(alternatives, *RANK_TIERS[k]))
        befores.append(_union(fts, alternatives, before))
        before = [j for j in before if not _contains(k, j)] + [k]
        so_fars.append(_union(fts, alternatives, before) or tiers[k])
    titled = f"SELECT id FROM song_search WHERE title = :titled ORDER BY id LIMIT {MAX_PINNED}"
    exclude = f"WHERE c.id NOT IN ({titled})"
    params: dict[str, Any] = {"titled": plan.query.text}
    if plan.strict_ids:
        exclude += " AND c.id NOT IN :strict_ids"
        params["strict_ids"] = list(plan.strict_ids)
    # Where the page starts and ends among the tiers: each tier counted (without the
    # pinned rows) only as far as the end of the page, all in one round trip with the
    # whole-title rows. The last tier is the rest of the total.
    cap = plan.offset + plan.limit
    params.update({f"c{k}": so_fars[k] for k in range(last)})
    matches_cte = _with_matches(plan, total, params)
    within = matches_cte is not None
    with_matches = f"WITH {matches_cte} " if within else ""
    counts = [_count(fts, f"c{k}", exclude, cap, within) for k in range(last)]
    [row] = await fts.rows(
        with_matches + "SELECT " + ", ".join([fts.ids_csv(titled), *counts]), params
    )
    pinned_ids = list(dict.fromkeys([*_ids(row[0]), *(plan.strict_ids or ())]))
    cumulative = [int(n) for n in row[1:]] + [total - len(pinned_ids)]

    parts = []
    if pinned_ids and plan.offset < len(pinned_ids):

        def pinned_rows(columns: str) -> tuple[str, str]:
            return "", (
                f"SELECT {columns}, CAST(0 AS REAL) AS relevance FROM song_search AS s "
                "WHERE s.id IN :pinned"
            )

        parts.append(_scored(plan, pinned_rows, {"pinned": pinned_ids}))
    wanted = plan.limit - max(0, min(plan.limit, len(pinned_ids) - plan.offset))
    skip = max(0, plan.offset - len(pinned_ids))
    counted = 0
    strict = 1 if plan.strict_ids is None else 0
    for k in range(len(RANK_TIERS)):
        if wanted <= 0:
            break
        size = cumulative[k] - counted
        counted = cumulative[k]
        if size <= skip:
            skip -= size
            continue
        earlier = befores[k]
        part_params: dict[str, Any] = {
            "own": tiers[k] if earlier is None else fts.minus(tiers[k], earlier)
        }
        not_pinned = ""
        if pinned_ids:
            not_pinned = "WHERE t.id NOT IN :pinned"
            part_params["pinned"] = pinned_ids
        rows = f"""SELECT id, 0 AS exact_title, {strict} AS strict,
                {tier_points(k)} AS points, CAST(0 AS REAL) AS relevance, id AS seq
            FROM ({fts.matching("own", within)}) AS t {not_pinned}
            ORDER BY id LIMIT {wanted} OFFSET {skip}"""
        parts.append(Part([], rows, part_params, None))
        taken = min(wanted, size - skip)
        wanted -= taken
        skip = 0
    return parts


async def tiered_page(plan: Plan, parts: list[Part], total: int) -> list[SongMatch]:
    """The parts' rows (`tier_parts`), in order, with what a result list shows: one
    statement."""
    if not parts:
        return []  # a page past the last match
    params: dict[str, Any] = {}
    extra = _with_matches(plan, total, params) or ""
    page = [song_match(row) for row in await page_rows(plan.fts, parts, params, extra=extra)]
    return [m for m in page if m is not None][: plan.limit]


def _ids(csv: str | None) -> list[int]:
    return [int(i) for i in (csv or "").split(",") if i]


def _contains(k: int, j: int) -> bool:
    """Whether tier k of RANK_TIERS holds every match of tier j (wider fields, and
    prefixes allowed wherever j allows them)."""
    (fields_k, whole_k), (fields_j, whole_j) = RANK_TIERS[k], RANK_TIERS[j]
    return set(fields_j) <= set(fields_k) and (whole_j or not whole_k)


def _union(fts: FullText, alternatives: Sequence[Alternatives], tiers: list[int]) -> str | None:
    """The match expression for the rows of any of `tiers` (None for none)."""
    expression = None
    for k in tiers:
        tier = fts.match(alternatives, *RANK_TIERS[k])
        expression = tier if expression is None else fts.either(expression, tier)
    return expression


async def _typo_variants(fts: FullText, terms: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each of `terms` with the closest vocabulary words a typo away from it."""
    wanted = {term: lookup_keys(term) for term in terms}
    every_key = sorted(set().union(*wanted.values()))
    if not every_key:
        return {}
    rows = await fts.rows(
        "SELECT key, term FROM search_term_keys WHERE key IN :keys", {"keys": every_key}
    )
    return closest_variants(wanted, rows)


def _hit_columns(alternatives: Sequence[Alternatives], params: dict[str, Any], find: str) -> str:
    """SQL columns h{i}_{field} of song_search AS s: 2 when query word i (or one of its
    typo variants) is a whole word of the field, 1 when it starts a word (the last query
    word only), else 0; checked
    on the normalised text with `find` (instr / strpos). Words are bound as parameters."""
    columns = []
    last = len(alternatives) - 1
    for i, (term, variants) in enumerate(alternatives):
        params[f"w{i}"] = f" {term} "
        # Only the last word may be unfinished: no other word earns a prefix hit.
        params[f"p{i}"] = f" {term}" if i == last else "\n"
        whole = [f":w{i}"]
        for j, variant in enumerate(variants):
            params[f"v{i}_{j}"] = f" {variant} "
            whole.append(f":v{i}_{j}")
        for field in FIELD_WEIGHTS:
            padded = f"(' ' || s.{field} || ' ')"
            is_whole = " OR ".join(f"{find}({padded}, {name}) > 0" for name in whole)
            columns.append(
                f"CASE WHEN {is_whole} THEN 2 WHEN {find}({padded}, :p{i}) > 0 THEN 1 "
                f"ELSE 0 END AS h{i}_{field}"
            )
    return ", ".join(columns)


def _points_from_hits(terms: int) -> str:
    """SQL for a row's tier points (`tier_points`) from its h{i}_{field} columns: the
    first of RANK_TIERS whose fields hold every query word."""
    branches = []
    for k, (fields, whole) in enumerate(RANK_TIERS):
        least = 2 if whole else 1
        every_word = " AND ".join(
            "(" + " OR ".join(f"h{i}_{f} >= {least}" for f in fields) + ")" for i in range(terms)
        )
        branches.append(f"WHEN {every_word} THEN {tier_points(k)}")
    return "CASE " + " ".join(branches) + " ELSE 0 END"


__all__ = [
    "MAX_PINNED",
    "RANK_ALL_UP_TO",
    "FirstPass",
    "Plan",
    "SqlSongSearch",
    "first_pass",
    "open_fulltext",
    "ranked_part",
    "tier_parts",
    "tiered_page",
    "with_typos",
]
