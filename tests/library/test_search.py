"""Search's domain side: normalisation, query parsing, typo keys and variants, scores."""

from __future__ import annotations

import pytest

from tonearm.errors import InvalidInput
from tonearm.library.search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    MAX_TYPO_VARIANTS,
    RANK_TIERS,
    SearchDocument,
    SearchQuery,
    index_keys,
    lookup_keys,
    normalize,
    score,
    tier_points,
    typo_distance,
    typo_variants,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Björk", "bjork"),
        ("BJÖRK", "bjork"),
        ("bjork", "bjork"),
        ("Sigur Rós — Hoppípolla", "sigur ros hoppipolla"),
        ("Beyoncé", "beyonce"),
        ("Mötley Crüe", "motley crue"),
        ("Don't Stop Me Now", "dont stop me now"),
        ("Don’t Stop", "dont stop"),
        ("AC/DC", "ac dc"),
        ("Guns N' Roses", "guns n roses"),
        ("  Hello,   World!  ", "hello world"),
        ("Ørjan Nilsen", "orjan nilsen"),
        ("Æther Straße", "aether strasse"),
        ("Łódź", "lodz"),
        ("ﬁre", "fire"),  # a ligature
        ("Седьмое небо", "седьмое небо"),  # other scripts stay, lowercased
        ("東京", "東京"),
        ("2Pac – 1st Song (feat. X)", "2pac 1st song feat x"),
        ("!!!", ""),
    ],
)
def test_normalize_lowercases_strips_accents_and_punctuation(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    once = normalize("Crème Brûlée & Café-Society")
    assert normalize(once) == once == "creme brulee cafe society"


def test_parse_keeps_distinct_words_in_order() -> None:
    query = SearchQuery.parse("  The BEATLES the Beatles Yesterday ")
    assert query.terms == ("the", "beatles", "yesterday")
    assert query.text == "the beatles yesterday"


@pytest.mark.parametrize("raw", ["", " ", "\t\n "])
def test_parse_refuses_an_empty_query(raw: str) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        SearchQuery.parse(raw)


def test_parse_refuses_a_query_over_the_length_cap() -> None:
    assert SearchQuery.parse("a" * MAX_QUERY_CHARS).terms == ("a" * MAX_QUERY_CHARS,)
    with pytest.raises(InvalidInput, match="too long"):
        SearchQuery.parse("a" * (MAX_QUERY_CHARS + 1))


def test_parse_caps_the_number_of_words() -> None:
    query = SearchQuery.parse(" ".join(f"w{i}" for i in range(MAX_QUERY_TERMS + 5)))
    assert len(query.terms) == MAX_QUERY_TERMS


def test_a_query_of_punctuation_has_no_terms() -> None:
    assert SearchQuery.parse("?!").terms == ()


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("beatles", "beatles", 0),
        ("beatels", "beatles", 1),  # neighbours swapped
        ("bohemain", "bohemian", 1),
        ("bjrk", "bjork", 1),  # a letter missing
        ("queeen", "queen", 1),  # one too many
        ("qveen", "queen", 1),  # substituted
        ("kitten", "sitting", 3),
        ("", "abc", 3),
    ],
)
def test_typo_distance(a: str, b: str, distance: int) -> None:
    assert typo_distance(a, b) == distance
    assert typo_distance(b, a) == distance


@pytest.mark.parametrize(
    ("typed", "indexed"),
    [("beatels", "beatles"), ("bohemain", "bohemian"), ("bjrk", "bjork"), ("queeen", "queen")],
)
def test_one_edit_apart_words_share_a_typo_key(typed: str, indexed: str) -> None:
    assert lookup_keys(typed) & index_keys(indexed)


def test_short_words_get_no_typo_lookup() -> None:
    assert lookup_keys("cat") == set()
    assert index_keys("ab") == set()
    assert index_keys("bet") == {"bet"}  # reachable from a four-letter word by a deletion
    assert "bet" in lookup_keys("bets")


def test_typo_variants_are_close_sorted_and_bounded() -> None:
    candidates = ["beatles", "beetles", "beatle", "battles", "beatles", "bagels", "zzzzzzz"]
    assert typo_variants("beatels", candidates) == ["beatles"]
    assert typo_variants("beatles", candidates) == ["beatle", "beetles"]  # itself excluded
    many = [f"love{chr(ord('a') + i)}" for i in range(26)]
    assert len(typo_variants("love", many)) == MAX_TYPO_VARIANTS


def test_long_words_may_be_two_typos_away() -> None:
    assert typo_variants("rhapsodie", ["rhapsody"]) == ["rhapsody"]  # 2 edits, 9 letters
    assert typo_variants("lvoe", ["live"]) == []  # 2 edits, too short


def test_a_document_counts_the_album_artist_among_the_artists() -> None:
    document = SearchDocument.of(
        "Jóga", ["Björk"], "Homogenic", "Björk & Friends", ["Electronic", "Art Pop"]
    )
    assert document == SearchDocument(
        title="joga",
        artists="bjork bjork friends",
        album="homogenic",
        genres="electronic art pop",
    )
    assert SearchDocument.of("X", ["A"], None, "A", []).artists == "a"
    assert document.terms() == {"joga", "bjork", "friends", "homogenic", "electronic", "art", "pop"}


def test_scores_order_tiers_before_points_before_relevance() -> None:
    best, worst = tier_points(0), tier_points(len(RANK_TIERS) - 1)
    exact_title = score(True, True, best, 0.0)
    strict_title = score(False, True, best, 50.0)
    strict_genre = score(False, True, worst, 1000.0)
    typo_title = score(False, False, best, 1000.0)
    assert exact_title > strict_title > strict_genre > typo_title > 0
    assert score(False, True, 3, 2.0) > score(False, True, 3, 1.0) > score(False, True, 2, 99.0)


def test_tiers_go_from_title_words_to_any_field() -> None:
    assert RANK_TIERS[0] == (("title",), True)
    assert RANK_TIERS[-1] == (("title", "artists", "album", "genres"), False)
    assert [tier_points(k) for k in range(len(RANK_TIERS))] == sorted(
        range(1, len(RANK_TIERS) + 1), reverse=True
    )
