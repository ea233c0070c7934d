"""Sort names: how titles, artists and albums are ordered in lists."""

from __future__ import annotations

import re

# English leading articles; "The Beatles" sorts under B.
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+(?=\S)", re.IGNORECASE)


def sort_name(name: str) -> str:
    """`name` case-folded, without a leading article, for ORDER BY columns."""
    stripped = name.strip()
    return _LEADING_ARTICLE.sub("", stripped).casefold() or stripped.casefold()
