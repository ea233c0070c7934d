"""Song search: text normalisation, query parsing, typo candidates and the result model.

Every piece of text that is searched (a song's title, artists, album and genres) and every
query goes through `normalize`, so matching is case- and accent-insensitive on both
databases alike: "Björk" is indexed as "bjork", and "BJÖRK", "björk" and "bjork" all ask
for "bjork". The databases only ever see normalised words separated by single spaces.

Typo tolerance uses symmetric deletion: every indexed word is stored under itself and
under each string made by deleting one of its letters (`index_keys`); a query word looks
up itself and its own one-letter deletions (`lookup_keys`). Two words share a key when one
edit (insertion, deletion, substitution, or swap of neighbours) turns one into the other,
so "beatels" finds "beatles" and "bohemain" finds "bohemian" with plain indexed equality
look-ups, on SQLite and PostgreSQL the same way. `typo_distance` then checks each
candidate, and only the closest few per word are kept (`MAX_TYPO_VARIANTS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.library.folding import fold

MAX_QUERY_CHARS = 200
# Words past this many are ignored: each one is another AND in the full-text query.
MAX_QUERY_TERMS = 8
# Shorter words are matched exactly or as a prefix, never with a typo ("cat" ≠ "car").
MIN_TYPO_TERM_CHARS = 4
# Words this long may be two edits away (symmetric deletion finds some of those).
TWO_TYPOS_FROM_CHARS = 8
# Closest vocabulary words tried for one misspelt query word (bounds the OR in the query).
MAX_TYPO_VARIANTS = 12
# Typo-tolerant matching runs when the exact/prefix query finds fewer songs than this.
TYPO_FALLBACK_BELOW = 5
# A word is indexed for typos only up to this length (longer ones are matched by prefix).
MAX_INDEXED_TERM_CHARS = 40


def normalize(text: str) -> str:
    """`text` lowercased, without accents, as words of letters and digits joined by spaces.

    "Björk — Jóga (Live)" → "bjork joga live"; "Don't Stop Me Now" → "dont stop me now".
    The one normalisation of search: the index and every query use it (library/folding.py
    `fold`, which sort keys and index letters use too).
    """
    return fold(text)


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order (repeats kept)."""
    return normalize(text).split()


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What the index holds for one song: each field normalised (artists and genres joined)."""

    title: str
    artists: str
    album: str
    genres: str

    @classmethod
    def of(
        cls,
        title: str,
        artists: Sequence[str],
        album: str | None,
        album_artist: str | None,
        genres: Sequence[str],
    ) -> SearchDocument:
        """The document of a song from its tags; the album artist counts as an artist."""
        names = list(artists)
        if album_artist and album_artist not in names:
            names.append(album_artist)
        return cls(
            title=normalize(title),
            artists=normalize(" ".join(names)),
            album=normalize(album or ""),
            genres=normalize(" ".join(genres)),
        )

    def terms(self) -> set[str]:
        """Every distinct word of the document."""
        return set(f"{self.title} {self.artists} {self.album} {self.genres}".split())


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: its words (normalised, distinct, in order) and the whole of it."""

    text: str  # the normalised query ("bjork joga"); compared with whole titles
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        """Parse what a user typed; raises InvalidInput when it is empty or too long.

        A query of punctuation only parses to no terms: it matches nothing.
        """
        stripped = raw.strip()
        if not stripped:
            raise InvalidInput("q must not be empty: give some words to search for")
        if len(stripped) > MAX_QUERY_CHARS:
            raise InvalidInput(f"q is too long: at most {MAX_QUERY_CHARS} characters")
        distinct = list(dict.fromkeys(words(stripped)))
        terms = tuple(distinct[:MAX_QUERY_TERMS])
        return cls(text=" ".join(terms), terms=terms)


def deletions(term: str) -> set[str]:
    """Every string made by deleting one character of `term`."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def index_keys(term: str) -> set[str]:
    """The typo keys a vocabulary word is stored under: itself and its one-letter deletions.

    Three-letter words, too short to be misspelt themselves, are stored under themselves:
    a four-letter query word reaches them by a deletion ("bets" → "bet"). Empty for words
    no query word can reach.
    """
    if len(term) < MIN_TYPO_TERM_CHARS - 1 or len(term) > MAX_INDEXED_TERM_CHARS:
        return set()
    if len(term) < MIN_TYPO_TERM_CHARS:
        return {term}
    return {term} | deletions(term)


def lookup_keys(term: str) -> set[str]:
    """The keys to look up for a query word's typo candidates (empty: no typo matching)."""
    if len(term) < MIN_TYPO_TERM_CHARS or len(term) > MAX_INDEXED_TERM_CHARS:
        return set()
    return {term} | deletions(term)


def max_typos(term: str) -> int:
    """How many edits a query word may be from what it matches."""
    if len(term) < MIN_TYPO_TERM_CHARS:
        return 0
    return 2 if len(term) >= TWO_TYPOS_FROM_CHARS else 1


def typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        previous2, previous = previous, current
    return previous[-1]


def typo_variants(term: str, candidates: Iterable[str]) -> list[str]:
    """The vocabulary words within `max_typos(term)` edits of `term` (itself excluded),
    closest first, at most MAX_TYPO_VARIANTS of them."""
    limit = max_typos(term)
    scored = sorted(
        (distance, candidate)
        for candidate in set(candidates)
        if candidate != term and (distance := typo_distance(term, candidate)) <= limit
    )
    return [candidate for _, candidate in scored[:MAX_TYPO_VARIANTS]]


# The fields of a song, as the index stores them, with their weight in the full-text
# relevance (bm25 on SQLite, ts_rank on PostgreSQL): title > artists > album > genres.
FIELD_WEIGHTS: dict[str, float] = {"title": 10.0, "artists": 5.0, "album": 2.0, "genres": 1.0}

# How matches rank, best first: the first tier whose fields hold every query word (as a
# whole word, or also as the start of a longer word) is the match's tier. "love" in a
# title beats "lovely" in a title, which beats "love" as an artist, and so on down to a
# word found only in the genres.
RANK_TIERS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("title",), True),
    (("title",), False),
    (("title", "artists"), True),
    (("title", "artists"), False),
    (("title", "artists", "album"), True),
    (("title", "artists", "album"), False),
    (("title", "artists", "album", "genres"), False),
)


def tier_points(tier: int) -> int:
    """Points of the tier at index `tier` of RANK_TIERS: the best tier has the most."""
    return len(RANK_TIERS) - tier


def score(exact_title: bool, strict: bool, points: int, relevance: float) -> float:
    """The score of a match; results are ordered by it, highest first.

    +2 when the whole title is the query, +1 when every word matched without a typo;
    below 1, the tier's points (`tier_points`), then the full-text relevance (≥ 0,
    only where it was computed) between matches of the same tier.
    """
    relevance = max(relevance, 0.0)
    fraction = (points + relevance / (1.0 + relevance)) / (len(RANK_TIERS) + 1)
    return 2.0 * exact_title + 1.0 * strict + fraction


@dataclass(frozen=True, slots=True)
class SongMatch:
    """A song found by a search, with what a result list shows and its score (`score`)."""

    id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    album_artist: str | None
    genres: tuple[str, ...]
    year: int | None
    track_number: int | None
    disc_number: int | None
    duration_ms: int
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results, best first, and how many songs matched in all; `variants`,
    when the search read them: each query word's typo variants in the vocabulary (what
    artist and album search matches too, so it need not read them again)."""

    items: list[SongMatch]
    total: int
    limit: int
    offset: int
    variants: Mapping[str, tuple[str, ...]] | None = None


class SongSearch(Protocol):
    """Full-text search over live songs' titles, artists, albums and genres. Implemented in
    adapters/db/song_search/."""

    async def search(self, query: SearchQuery, limit: int, offset: int) -> SearchPage:
        """Live songs matching every word of `query` (by prefix, or within a typo or two
        when the prefix search finds little), best first: a whole-title match, then
        matches without a typo, then by RANK_TIERS."""
        ...


class LibrarySearch:
    """Song search as the APIs use it: the words parsed once, a page of live songs."""

    def __init__(self, index: SongSearch) -> None:
        self._index = index

    async def songs(self, query: SearchQuery, limit: int, offset: int) -> SearchPage:
        """Live songs matching every word of `query`, best first (see SongSearch.search)."""
        return await self._index.search(query, limit, offset)
