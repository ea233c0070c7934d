"""Sort names: how titles, artists and albums are ordered in lists.

Two values per name are stored: `sort_name` (what apps are shown as the sort name) and
`sort_key` (what lists are ordered by: the sort name folded, library/folding.py), so
"Été à Montréal" sorts among the E's and "The Beatles" among the B's.
"""

from __future__ import annotations

from tonearm.library.folding import sort_key, without_article


def sort_name(name: str) -> str:
    """`name` case-folded, without a leading article."""
    return without_article(name).casefold()


__all__ = ["sort_key", "sort_name"]
