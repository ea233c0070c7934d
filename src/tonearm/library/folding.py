"""Folding names: the one way text is compared, searched, sorted and filed under a letter.

`fold` lowercases, takes accents off (Unicode NFKD, then the combining marks dropped) and
spells out the few Latin letters Unicode does not decompose, roughly as unidecode would:
ø → o, æ → ae, œ → oe, ß → ss, đ/ð → d, ł → l, þ → th. What is left is words of letters
and digits joined by single spaces. Search indexes and queries go through it (so "bjork"
finds "Björk"), and so do sort keys (so "Été à Montréal" sorts among the E's, not after Z)
and index letters (É is filed under E, Ø under O, Æ under A).

Names sort and file without a leading article (IGNORED_ARTICLES, the list the Subsonic
API announces as `ignoredArticles`): "The Beatles" under B. The article is recognised
on the name as written (a whole word followed by more text), before folding, so "A-ha"
stays under A while "A Tribe Called Quest" goes under T.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ł": "l",
        "ŀ": "l",
        "ŧ": "t",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
    }
)
# Apostrophes join the word ("Don't" is "dont"); other punctuation separates words.
_APOSTROPHES = frozenset("'’‘`´ʼ")

# Leading articles names are sorted and indexed without, as Subsonic's `ignoredArticles`
# (space-separated) announces them to apps.
IGNORED_ARTICLES: tuple[str, ...] = ("The", "A", "An", "El", "La", "Los", "Las", "Le", "Les")
_LEADING_ARTICLE = re.compile(r"^(?:" + "|".join(IGNORED_ARTICLES) + r")\s+(?=\S)", re.IGNORECASE)
# The index of names that do not start with a letter.
OTHER_INDEX = "#"


def fold(text: str) -> str:
    """`text` lowercased, without accents, as words of letters and digits joined by spaces.

    "Björk — Jóga (Live)" → "bjork joga live"; "Don't Stop Me Now" → "dont stop me now";
    "Hafið" → "hafid"; "Dvořák" → "dvorak".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or char in _APOSTROPHES:
            continue  # an accent, or an apostrophe inside a word
        if category[0] in "LN":
            out.append(char)
        else:
            out.append(" ")
    return " ".join("".join(out).translate(_FOLD).split())


def without_article(name: str) -> str:
    """`name` stripped, without a leading ignored article ("The Beatles" → "Beatles")."""
    stripped = name.strip()
    return _LEADING_ARTICLE.sub("", stripped) or stripped


def sort_key(name: str) -> str:
    """What a name sorts by: folded, without a leading article ("Été à Montréal" →
    "ete a montreal", "The Beatles" → "beatles"). A name of punctuation only keeps its
    own characters (casefolded), so it still sorts somewhere stable."""
    bare = without_article(name)
    return fold(bare) or bare.casefold()


def index_letter(name: str) -> str:
    """The index a name is filed under: the first letter of its sort key, upper case
    ("Élodie" → "E", "The Quiet Engines" → "Q", "Øya" → "O"), else OTHER_INDEX."""
    first = sort_key(name)[:1]
    return first.upper() if first.isalpha() else OTHER_INDEX


def index_order(letter: str) -> tuple[int, str]:
    """How index letters are ordered: OTHER_INDEX, then A–Z, then other scripts' letters."""
    if letter == OTHER_INDEX:
        return (0, letter)
    return (1, letter) if "A" <= letter <= "Z" else (2, letter)


__all__ = [
    "IGNORED_ARTICLES",
    "OTHER_INDEX",
    "fold",
    "index_letter",
    "index_order",
    "sort_key",
    "without_article",
]
