"""parse_feed: RSS 2.0 with iTunes tags and Atom read; entity bombs and external entities
refused before any parser expands them; junk reported as InvalidFeed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.feed_server import FEEDS
from tonearm.podcasts.feeds import parse_duration, parse_feed
from tonearm.podcasts.models import InvalidFeed


def recorded(name: str) -> bytes:
    return (FEEDS / name).read_text().replace("{base}", "https://feeds.example").encode()


def test_rss_with_itunes_tags() -> None:
    feed = parse_feed(recorded("itunes.xml"))
    assert feed.title == "Tonearm Test Radio"
    assert feed.description == "A podcast about record players & tests."
    assert feed.image_url == "https://feeds.example/cover.png"
    assert [e.guid for e in feed.episodes] == ["tt-3", "tt-2", "tt-1"]  # no enclosure: left out
    first = feed.episodes[0]
    assert first.title == "Episode 3: Belts"
    assert first.published_at == datetime(2025, 12, 3, 8, 0, tzinfo=UTC)
    assert first.duration_seconds == 3723
    assert first.enclosure_url == "https://feeds.example/audio/3.mp3"
    assert first.enclosure_type == "audio/mpeg"
    assert first.enclosure_size_bytes == 4000
    assert [e.duration_seconds for e in feed.episodes] == [3723, 2730, 600]


def test_atom() -> None:
    feed = parse_feed(recorded("atom.xml"))
    assert feed.title == "Atom Talks"
    assert feed.description == "Talks, in Atom."
    [episode] = feed.episodes
    assert episode.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert episode.enclosure_url == "https://feeds.example/audio/talk.ogg"
    assert episode.enclosure_type == "audio/ogg"
    assert episode.published_at == datetime(2025, 12, 1, 10, 0, tzinfo=UTC)


def test_a_billion_laughs_feed_is_refused() -> None:
    with pytest.raises(InvalidFeed, match="declares XML entities"):
        parse_feed((FEEDS / "billion_laughs.xml").read_bytes())


def test_an_external_entity_feed_is_refused() -> None:
    with pytest.raises(InvalidFeed, match="entities"):
        parse_feed((FEEDS / "external_entity.xml").read_bytes())


def test_entity_declarations_are_refused_however_they_are_spelled() -> None:
    document = b'<?xml version="1.0"?><!DOCTYPE r [<!entity a "b">]><rss version="2.0"/>'
    with pytest.raises(InvalidFeed):
        parse_feed(document)


@pytest.mark.parametrize(
    "document", [b"", b"hello", b"<html><body>Not a feed</body></html>", b"\xff\xfe\x00garbage"]
)
def test_what_is_not_a_feed_is_invalid(document: bytes) -> None:
    with pytest.raises(InvalidFeed, match="not an RSS or Atom feed"):
        parse_feed(document)


def test_a_url_string_is_never_fetched() -> None:
    """The parser gets bytes: a 'document' that is a URL is read as (bad) text."""
    with pytest.raises(InvalidFeed):
        parse_feed(b"http://127.0.0.1:1/feed.xml")


def test_unsafe_links_and_huge_fields_are_dropped_or_cut() -> None:
    long_title = "t" * 5000
    document = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>{long_title}</title>
    <item><title>a</title><enclosure url="file:///etc/passwd" type="audio/mpeg"/></item>
    <item><title>b</title><enclosure url="javascript:alert(1)" type="audio/mpeg"/></item>
    <item><title>&lt;script&gt;x&lt;/script&gt;c</title><guid>c</guid>
    <description>&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;ok&lt;/p&gt;</description>
    <enclosure url="https://x.example/c.mp3" type="audio/mpeg" length="-4"/></item>
    </channel></rss>""".encode()
    feed = parse_feed(document)
    assert feed.title is not None and len(feed.title) == 500
    [episode] = feed.episodes
    assert episode.enclosure_size_bytes is None
    assert episode.description == "ok"


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("90", 90), ("01:30", 90), ("1:00:01", 3601), ("", None), ("soon", None), (None, None)],
)
def test_durations(raw: str | None, seconds: int | None) -> None:
    assert parse_duration(raw) == seconds
