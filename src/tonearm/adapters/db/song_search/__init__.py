"""Song search on SQLAlchemy: SQLite FTS5 or PostgreSQL tsvector, typo keys on both.

The index is `song_search` (one row of normalised text per live song, kept by
SqlSongRepository through `index_song` / `unindex_song`) and `search_term_keys` (the
vocabulary under its typo keys). Over `song_search`, migration 0005 builds:

- SQLite: the FTS5 table `song_search_fts` with `song_search` as its external content,
  kept in step by triggers. Column filters (`{title artists} : ...`) select tiers.
- PostgreSQL: the generated column `document`, a tsvector with the title as weight A,
  artists B, album C and genres D, under a GIN index. Weight labels (`'love':AB`)
  select tiers.

The modules:
- index.py: keeping the index and the vocabulary (and reading the vocabulary back)
- query.py: SqlSongSearch, the search's statements and how they rank (read it first)
- page.py: the one statement that turns a page's parts into result rows
- fulltext.py: what the query needs from a database; sqlite.py and postgres.py give it
"""

from tonearm.adapters.db.song_search.index import (
    add_terms,
    index_song,
    typo_variants_of,
    unindex_song,
)
from tonearm.adapters.db.song_search.query import RANK_ALL_UP_TO, SqlSongSearch

__all__ = [
    "RANK_ALL_UP_TO",
    "SqlSongSearch",
    "add_terms",
    "index_song",
    "typo_variants_of",
    "unindex_song",
]
