"""Song search on SQLAlchemy: SQLite FTS5 or PostgreSQL tsvector, typo keys on both.

The index is `song_search` (one row of normalised text per live song, kept by
SqlSongRepository through `index_song` / `unindex_song`) and `search_term_keys` (the
vocabulary under its typo keys). Over `song_search`, migration 0005 builds:

- SQLite: the FTS5 table `song_search_fts` with `song_search` as its external content,
  kept in step by triggers. Column filters (`{title artists} : ...`) select tiers.
- PostgreSQL: the generated column `document`, a tsvector with the title as weight A,
  artists B, album C and genres D, under a GIN index. Weight labels (`'love':AB`)
  select tiers.

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

Cost: the statements are the cost. A search with few matches is one statement (count and
page together); a large one three (count, tier counts, page); a typo search adds the
vocabulary look-up and a second count-and-page. On SQLite they run on aiosqlite's own
connection, without SQLAlchemy's statement handling, which costs more than the queries.
bench/bench_search.py measures it on 100,000 songs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    SearchTermKeyRow,
    SongSearchRow,
)
from tonearm.library.models import Song
from tonearm.library.search import (
    FIELD_WEIGHTS,
    RANK_TIERS,
    TYPO_FALLBACK_BELOW,
    SearchDocument,
    SearchPage,
    SearchQuery,
    SongMatch,
    index_keys,
    lookup_keys,
    score,
    tier_points,
    typo_variants,
)

# --- keeping the index -----------------------------------------------------------------


async def index_song(session: AsyncSession, song: Song) -> None:
    """Bring the song's index row in line with `song` (a tombstoned song leaves the index).

    Call in the transaction that changed the song, after its artists and genres are linked.
    """
    if song.deleted_at is not None:
        await unindex_song(session, song.id)
        return
    document = SearchDocument.of(
        song.title, song.artists, song.album, song.album_artist, song.genres
    )
    row = await session.scalar(select(SongSearchRow).where(SongSearchRow.song_id == song.id))
    if row is None:
        session.add(
            SongSearchRow(
                song_id=song.id,
                title=document.title,
                artists=document.artists,
                album=document.album,
                genres=document.genres,
            )
        )
    elif (row.title, row.artists, row.album, row.genres) != (
        document.title,
        document.artists,
        document.album,
        document.genres,
    ):
        row.title, row.artists = document.title, document.artists
        row.album, row.genres = document.album, document.genres
    await add_terms(session, document.terms())
    await session.flush()


async def unindex_song(session: AsyncSession, song_id: UUID) -> None:
    """Take the song out of the index (it is tombstoned)."""
    await session.execute(delete(SongSearchRow).where(SongSearchRow.song_id == song_id))


async def add_terms(session: AsyncSession, terms: set[str]) -> None:
    """Add the words the vocabulary does not have yet, under each of their typo keys."""
    keyed = {term: index_keys(term) for term in terms}
    keyed = {term: keys for term, keys in keyed.items() if keys}
    if not keyed:
        return
    known = set(
        await session.scalars(
            select(SearchTermKeyRow.term).where(
                SearchTermKeyRow.key.in_(list(keyed)), SearchTermKeyRow.key == SearchTermKeyRow.term
            )
        )
    )
    rows = [
        {"key": key, "term": term}
        for term, keys in keyed.items()
        if term not in known
        for key in sorted(keys)
    ]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(SearchTermKeyRow).values(rows).on_conflict_do_nothing())


# --- searching -------------------------------------------------------------------------

# Per query word: (the word, its typo variants; none unless the word looks misspelt).
Alternatives = tuple[str, tuple[str, ...]]
# Up to this many matches, every match is ranked (relevance computed); past it, by tiers.
RANK_ALL_UP_TO = 300
# Whole-title matches pinned above the tiers of a large result set (more rank in their tier).
MAX_PINNED = 100
# PostgreSQL: up to this many matches, tiers are read from the matches, not the table.
PG_TIERS_FROM_MATCHES_UP_TO = 5000
_LETTERS = {"title": "A", "artists": "B", "album": "C", "genres": "D"}
_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)\b")
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
            # Core statements on the session's connection (PostgreSQL), or straight on the
            # driver's (SQLite): none of the ORM's per-statement work.
            conn = await session.connection()
            driver = None
            if conn.dialect.name == "postgresql":
                text_index: _FullText = _PostgresFullText()
            else:
                text_index = _SqliteFullText()
                # aiosqlite's own connection: no SQLAlchemy statement handling around the
                # few statements of a search (that cost more than running them).
                driver = (await conn.get_raw_connection()).driver_connection
            search = _Search(conn, driver, text_index, query, limit, offset)
            total, items = await search.first(self._rank_all_up_to)
            if total < TYPO_FALLBACK_BELOW:
                total, items = await search.with_typos(self._rank_all_up_to) or (total, items)
            if total > self._rank_all_up_to:
                items = await search.page(await search.tier_parts(total), total)
        return SearchPage(items=items, total=total, limit=limit, offset=offset)


class _FullText:
    """One database's full-text index, as match expressions and SQL fragments."""

    find = "instr"  # position of a substring (SQLite instr, PostgreSQL strpos)

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
        """Rows where every query word (or a variant) is in `fields`. Unless `whole`, the
        last word may also be the start of a longer word (it may be unfinished)."""
        raise NotImplementedError

    def either(self, a: str, b: str) -> str:
        """Rows of `a` or `b`."""
        raise NotImplementedError

    def minus(self, a: str, b: str) -> str:
        """Rows of `a` that are not rows of `b`."""
        raise NotImplementedError

    def matching(self, param: str) -> str:
        """SELECT of the ids (as `id`) of the rows matching the expression bound to :param."""
        raise NotImplementedError

    def ids_csv(self, select_ids: str) -> str:
        """A scalar subquery: the ids of `select_ids` (one column `id`), comma-separated."""
        raise NotImplementedError

    def capped(self, select_ids: str, cap: int) -> str:
        """`select_ids` stopped after `cap` rows where that is cheaper (all rows otherwise)."""
        return f"{select_ids} LIMIT {cap}"

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
        """(WITH clauses or "", a SELECT of `columns` and `relevance` from song_search AS s
        for every row matching :match), nothing at all unless the SQL `guard` holds (it is
        checked once, before the full-text index is read)."""
        raise NotImplementedError


class _SqliteFullText(_FullText):
    """FTS5: `{title artists} : (...)` column filters, NOT, bm25 with column weights."""

    find = "instr"

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
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
        return f"({a} OR {b})"

    def minus(self, a: str, b: str) -> str:
        return f"({a} NOT {b})"

    def matching(self, param: str) -> str:
        return f"SELECT rowid AS id FROM song_search_fts WHERE song_search_fts MATCH :{param}"

    def ids_csv(self, select_ids: str) -> str:
        return f"(SELECT group_concat(id) FROM ({select_ids}))"

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
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


class _PostgresFullText(_FullText):
    """tsvector: weight labels ('love':AB) for fields, & ! for NOT, ts_rank."""

    find = "strpos"

    def match(
        self, alternatives: Sequence[Alternatives], fields: Sequence[str], whole: bool
    ) -> str:
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
        return f"({a} | {b})"

    def minus(self, a: str, b: str) -> str:
        return f"({a} & !{b})"

    # Set once the total is known and moderate: tier queries then filter the matches,
    # read once through the GIN index into `b` (see _Search.within_matches), instead of
    # the table. With a LIMIT, the planner would walk the table hoping to stop early, and
    # for a tier that is rare in the table walk most of it.
    from_matches = False

    def matching(self, param: str) -> str:
        source = "b" if self.from_matches else "song_search"
        return f"SELECT id FROM {source} WHERE document @@ to_tsquery('simple', :{param})"

    def ids_csv(self, select_ids: str) -> str:
        return f"(SELECT string_agg(id::text, ',') FROM ({select_ids}) AS i)"

    def capped(self, select_ids: str, cap: int) -> str:
        # With a LIMIT the planner walks the table hoping to stop early: for a rare word,
        # all of it. Without, the GIN index gives the matches (few, where this is used).
        return select_ids

    def ranked_rows(self, columns: str, guard: str) -> tuple[str, str]:
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


class _Search:
    """One search in progress: its statements and what they have found so far."""

    def __init__(
        self,
        conn: AsyncConnection,
        driver: Any,
        text_index: _FullText,
        query: SearchQuery,
        limit: int,
        offset: int,
    ) -> None:
        self.conn, self.fts, self.query = conn, text_index, query
        self.driver = driver
        self.limit, self.offset = limit, offset
        self.alternatives: list[Alternatives] = [(term, ()) for term in query.terms]
        self.strict_ids: list[int] | None = None  # None: every match is strict (no typos)
        self.term_totals: list[int] = []
        self.first_ids: list[int] = []

    @property
    def base(self) -> str:
        """Every match: each word (or a variant) anywhere, the last one maybe unfinished."""
        return self.fts.match(self.alternatives, RANK_TIERS[-1][0], whole=False)

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        """Run one statement; list-valued parameters are `IN :name` lists. On SQLite, on
        the driver connection: a round trip with no statement compiling around it."""
        if self.driver is not None:
            sql, params = _expand_lists(sql, params)
            return list(await self.driver.execute_fetchall(sql, params))
        lists = [name for name, value in params.items() if isinstance(value, list)]
        statement = text(sql)
        if lists:
            statement = statement.bindparams(*(bindparam(n, expanding=True) for n in lists))
        return [tuple(row) for row in await self.conn.execute(statement, params)]

    def _count(self, param: str, exclude: str = "", cap: int | None = None) -> str:
        """A scalar subquery counting the matches of :param (up to `cap`: it stops there)."""
        limit = "" if cap is None else f" LIMIT {cap}"
        return (
            f"(SELECT count(*) FROM (SELECT c.id FROM ({self.fts.matching(param)}) AS c "
            f"{exclude}{limit}) AS capped)"
        )

    async def first(self, rank_all_up_to: int) -> tuple[int, list[SongMatch]]:
        """How many songs match and, when at most `rank_all_up_to`, the page too: one
        statement. Also the first few matches and, when the whole query matches few, how
        many (up to a few) each word matches alone: a word matching little may be misspelt."""
        params: dict[str, Any] = {"m": self.base}
        few = f"CASE WHEN n.total < {TYPO_FALLBACK_BELOW} THEN"
        # Only needed when few songs match: then they are all of them.
        first = self.fts.ids_csv(self.fts.capped(self.fts.matching("m"), TYPO_FALLBACK_BELOW))
        columns = ["n.total AS head_total", f"{few} {first} END AS head_first"]
        if len(self.alternatives) > 1:
            last = len(self.alternatives) - 1
            for i, alternative in enumerate(self.alternatives):
                alone = self.fts.match([alternative], RANK_TIERS[-1][0], whole=i != last)
                params[f"t{i}"] = alone
                capped = self.fts.capped(self.fts.matching(f"t{i}"), TYPO_FALLBACK_BELOW)
                columns.append(f"{few} (SELECT count(*) FROM ({capped}) AS c) END AS head_t{i}")
        head = f"n AS (SELECT count(*) AS total FROM ({self.fts.matching('m')}) AS c)"
        part = self.ranked_part(guard=f"(SELECT total FROM n) <= {rank_all_up_to}")
        rows = await self._page_rows([part], params, head, ", ".join(columns))
        total = int(rows[0][0])
        self.first_ids = _ids(rows[0][1])
        terms = len(self.alternatives)
        self.term_totals = [int(n or 0) for n in rows[0][2 : 2 + terms]] if terms > 1 else [total]
        if total > rank_all_up_to:
            return total, []
        page = [_match(row[len(columns) :]) for row in rows]
        return total, [m for m in page if m is not None][: self.limit]

    async def with_typos(self, rank_all_up_to: int) -> tuple[int, list[SongMatch]] | None:
        """Widen a query that matched few songs with typo variants of the words that match
        little on their own, the matches so far still first: the new total and (as in
        `first`) page. None when no word has variants."""
        rare = [
            term
            for (term, _), alone in zip(self.alternatives, self.term_totals, strict=True)
            if alone < TYPO_FALLBACK_BELOW
        ]
        variants = await _typo_variants(self, rare)
        if not any(variants.values()):
            return None
        self.strict_ids = self.first_ids
        self.alternatives = [(term, variants.get(term, ())) for term, _ in self.alternatives]
        return await self.first(rank_all_up_to)

    def _scored(self, rows_of: Callable[[str], tuple[str, str]], params: dict[str, Any]) -> _Part:
        """The page's slice of rows ranked fully: `rows_of(columns)` gives (CTE or "",
        a SELECT of `columns` and relevance from song_search AS s)."""
        if self.strict_ids is None:
            strict = "1"
        elif self.strict_ids:
            strict = "CASE WHEN s.id IN :strict_ids THEN 1 ELSE 0 END"
            params["strict_ids"] = self.strict_ids
        else:
            strict = "0"
        params["text"] = self.query.text
        hits = _hit_columns(self.alternatives, params, self.fts.find)
        cte, rows = rows_of(
            "s.id, s.title, CASE WHEN s.title = :text THEN 1 ELSE 0 END AS exact_title, "
            f"{strict} AS strict, {hits}"
        )
        points = _points_from_hits(len(self.alternatives))
        # Each hit is computed once per row, then the tiers look at them.
        ranked = f"""SELECT id, exact_title, strict, points, relevance,
                row_number() OVER (ORDER BY {_ORDER}) AS seq
            FROM (SELECT id, title, exact_title, strict, {points} AS points, relevance
                  FROM ({rows}) AS h) AS x"""
        return _Part([cte] if cte else [], ranked, params, self._window())

    def ranked_part(self, guard: str = "1 = 1") -> _Part:
        """Every match ranked fully (if `guard` holds); the page's slice of it."""
        return self._scored(
            lambda columns: self.fts.ranked_rows(columns, guard), {"match": self.base}
        )

    def _window(self) -> tuple[int, int]:
        return self.offset, self.offset + self.limit

    def within_matches(self, total: int, params: dict[str, Any]) -> str:
        """On PostgreSQL with a moderate total, "WITH b AS (the matches) " for the tier
        queries to filter (see _PostgresFullText.from_matches); else ""."""
        if not isinstance(self.fts, _PostgresFullText) or total > PG_TIERS_FROM_MATCHES_UP_TO:
            return ""
        self.fts.from_matches = True
        params["matches"] = self.base
        return (
            "WITH b AS MATERIALIZED (SELECT id, document FROM song_search "
            "WHERE document @@ to_tsquery('simple', :matches)) "
        )

    async def tier_parts(self, total: int) -> list[_Part]:
        """A large result set's page: pinned rows (whole title, then the few strict
        matches of a typo search) ranked, then tier by tier in index order."""
        fts, alternatives = self.fts, self.alternatives
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
        params: dict[str, Any] = {"titled": self.query.text}
        if self.strict_ids:
            exclude += " AND c.id NOT IN :strict_ids"
            params["strict_ids"] = self.strict_ids
        # Where the page starts and ends among the tiers: each tier counted (without the
        # pinned rows) only as far as the end of the page, all in one round trip with the
        # whole-title rows. The last tier is the rest of the total.
        cap = self.offset + self.limit
        params.update({f"c{k}": so_fars[k] for k in range(last)})
        with_matches = self.within_matches(total, params)
        counts = [self._count(f"c{k}", exclude, cap) for k in range(last)]
        [row] = await self._rows(
            with_matches + "SELECT " + ", ".join([fts.ids_csv(titled), *counts]), params
        )
        pinned_ids = list(dict.fromkeys([*_ids(row[0]), *(self.strict_ids or [])]))
        cumulative = [int(n) for n in row[1:]] + [total - len(pinned_ids)]

        parts = []
        if pinned_ids and self.offset < len(pinned_ids):

            def pinned_rows(columns: str) -> tuple[str, str]:
                return "", (
                    f"SELECT {columns}, CAST(0 AS REAL) AS relevance FROM song_search AS s "
                    "WHERE s.id IN :pinned"
                )

            parts.append(self._scored(pinned_rows, {"pinned": pinned_ids}))
        wanted = self.limit - max(0, min(self.limit, len(pinned_ids) - self.offset))
        skip = max(0, self.offset - len(pinned_ids))
        counted = 0
        strict = 1 if self.strict_ids is None else 0
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
                FROM ({fts.matching("own")}) AS t {not_pinned}
                ORDER BY id LIMIT {wanted} OFFSET {skip}"""
            parts.append(_Part([], rows, part_params, None))
            taken = min(wanted, size - skip)
            wanted -= taken
            skip = 0
        return parts

    async def page(self, parts: list[_Part], total: int) -> list[SongMatch]:
        """The parts' rows, in order, with what a result list shows: one statement."""
        if not parts:
            return []  # a page past the last match
        params: dict[str, Any] = {}
        head = self.within_matches(total, params).removeprefix("WITH ").strip()
        page = [_match(row) for row in await self._page_rows(parts, params, extra=head)]
        return [m for m in page if m is not None][: self.limit]

    async def _page_rows(
        self,
        parts: list[_Part],
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
                f"SELECT {n} AS part, seq, id, exact_title, strict, points, relevance "
                f"FROM p{n} {where}"
            )
        ctes.append("picked AS (" + " UNION ALL ".join(selects) + ")")
        ctes.append(f"pg AS ({_page_sql(isinstance(self.fts, _PostgresFullText))})")
        page_columns = ", ".join(f"pg.{c}" for c in _PAGE_COLUMNS)
        if head:
            select = f"SELECT {columns}, {page_columns} FROM n LEFT JOIN pg ON 1 = 1"
        else:
            select = f"SELECT {page_columns} FROM pg"
        sql = "WITH " + ",\n".join(ctes) + f"\n{select} ORDER BY pg.part, pg.seq"
        return await self._rows(sql, params)


_PAGE_COLUMNS = (
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


def _expand_lists(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
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


def _match(values: Sequence[Any]) -> SongMatch | None:
    """A SongMatch from the _PAGE_COLUMNS of a page row (None: no song in that row)."""
    row = dict(zip(_PAGE_COLUMNS, values, strict=True))
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


@dataclass(frozen=True, slots=True)
class _Part:
    """A slice of a page: a SELECT of id, exact_title, strict, points, relevance and seq
    (its order), the CTEs it needs, its parameters, and which seq values are on the page
    (None: every row it gives)."""

    ctes: list[str]
    sql: str
    params: dict[str, Any]
    window: tuple[int, int] | None


def _ids(csv: str | None) -> list[int]:
    return [int(i) for i in (csv or "").split(",") if i]


def _contains(k: int, j: int) -> bool:
    """Whether tier k of RANK_TIERS holds every match of tier j (wider fields, and
    prefixes allowed wherever j allows them)."""
    (fields_k, whole_k), (fields_j, whole_j) = RANK_TIERS[k], RANK_TIERS[j]
    return set(fields_j) <= set(fields_k) and (whole_j or not whole_k)


def _union(fts: _FullText, alternatives: list[Alternatives], tiers: list[int]) -> str | None:
    """The match expression for the rows of any of `tiers` (None for none)."""
    expression = None
    for k in tiers:
        tier = fts.match(alternatives, *RANK_TIERS[k])
        expression = tier if expression is None else fts.either(expression, tier)
    return expression


async def _typo_variants(search: _Search, terms: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each of `terms` with the closest vocabulary words a typo away from it."""
    wanted = {term: lookup_keys(term) for term in terms}
    every_key = sorted(set().union(*wanted.values()))
    if not every_key:
        return {}
    rows = await search._rows(
        "SELECT key, term FROM search_term_keys WHERE key IN :keys", {"keys": every_key}
    )
    return _closest(wanted, rows)


async def typo_variants_of(
    session: AsyncSession, terms: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Each of `terms` with the closest vocabulary words a typo away from it (artist and
    album search: the vocabulary holds every word of live songs' artists and albums)."""
    wanted = {term: lookup_keys(term) for term in terms}
    every_key = sorted(set().union(*wanted.values()))
    if not every_key:
        return {}
    rows = await session.execute(
        select(SearchTermKeyRow.key, SearchTermKeyRow.term).where(
            SearchTermKeyRow.key.in_(every_key)
        )
    )
    return _closest(wanted, list(rows))


def _closest(
    wanted: dict[str, set[str]], rows: Sequence[Sequence[Any]]
) -> dict[str, tuple[str, ...]]:
    by_key: dict[str, list[str]] = {}
    for key, term in rows:
        by_key.setdefault(key, []).append(term)
    return {
        term: tuple(typo_variants(term, (c for key in keys for c in by_key.get(key, ()))))
        for term, keys in wanted.items()
    }


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


def _page_sql(postgres: bool) -> str:
    """The SELECT over `picked` (part, seq, id, exact_title, strict, points, relevance)
    giving what a result list shows of each live song, artists and genres as JSON arrays
    in tag order (unordered: order by part, seq)."""
    if postgres:
        names = "coalesce(json_agg(x.name ORDER BY x.position), '[]'::json)"
        artists = f"""(SELECT {names} FROM (SELECT a.name, sa.position FROM song_artists sa
            JOIN artists a ON a.id = sa.artist_id WHERE sa.song_id = so.id) AS x)"""
        genres = f"""(SELECT {names} FROM (SELECT g.name, sg.position FROM song_genres sg
            JOIN genres g ON g.id = sg.genre_id WHERE sg.song_id = so.id) AS x)"""
    else:
        # json_group_array keeps the order of the rows it is fed.
        artists = """(SELECT json_group_array(name) FROM (SELECT a.name FROM song_artists sa
            JOIN artists a ON a.id = sa.artist_id WHERE sa.song_id = so.id
            ORDER BY sa.position))"""
        genres = """(SELECT json_group_array(name) FROM (SELECT g.name FROM song_genres sg
            JOIN genres g ON g.id = sg.genre_id WHERE sg.song_id = so.id
            ORDER BY sg.position))"""
    return f"""
        SELECT p.part, p.seq, p.exact_title, p.strict, p.points, p.relevance,
               so.id AS song_id, so.title, so.year, so.track_number, so.disc_number,
               so.duration_ms, al.name AS album, aa.name AS album_artist,
               {artists} AS artists, {genres} AS genres
        FROM picked AS p
        JOIN song_search AS s ON s.id = p.id
        JOIN songs AS so ON so.id = s.song_id
        LEFT JOIN albums AS al ON al.id = so.album_id
        LEFT JOIN artists AS aa ON aa.id = so.album_artist_id
        WHERE so.deleted_at IS NULL
    """


def _names(value: Any) -> tuple[str, ...]:
    return tuple(json.loads(value) if isinstance(value, str) else value or ())


__all__ = [
    "RANK_ALL_UP_TO",
    "SqlSongSearch",
    "add_terms",
    "index_song",
    "typo_variants_of",
    "unindex_song",
]
