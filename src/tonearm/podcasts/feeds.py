"""Reading a podcast feed (RSS 2.0 with iTunes tags, or Atom) into plain values.

feedparser (BSD-2) does the reading; it is lenient with the broken feeds podcasts are
known for. It is given bytes only (given a string that looks like a URL it would fetch
it). Before it sees a document, defusedxml (PSF) parses it with entity declarations and
external references forbidden: a feed that declares entities (the billion-laughs bomb)
or points at an external one is refused, since no podcast needs either. A document that
is merely malformed XML goes on to feedparser, which reads what it can.
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from tonearm.podcasts.models import InvalidFeed

# feedparser and defusedxml are imported when a feed is first read: a server that has no
# podcasts never loads them.

MAX_TITLE_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 20_000
MAX_URL_LENGTH = 2000
MAX_GUID_LENGTH = 500
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class FeedEpisode:
    """An item that has an audio enclosure."""

    guid: str
    title: str
    description: str | None
    published_at: datetime | None
    duration_seconds: int | None
    enclosure_url: str
    enclosure_type: str | None
    enclosure_size_bytes: int | None


@dataclass(frozen=True, slots=True)
class Feed:
    """A channel's own fields and its episodes, in the feed's order."""

    title: str | None
    description: str | None
    image_url: str | None
    episodes: list[FeedEpisode]


def reject_dangerous_xml(document: bytes) -> None:
    """Raise InvalidFeed if `document` declares entities or references external ones."""
    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    if _ENTITY_DECLARATION.search(document):
        raise InvalidFeed("the feed declares XML entities, which tonearm does not read")
    try:
        defusedxml.ElementTree.fromstring(
            document, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise InvalidFeed(f"the feed uses forbidden XML constructs ({error})") from None
    except (ParseError, ValueError):
        pass  # malformed: feedparser's lenient reader may still make sense of it


def parse_feed(document: bytes) -> Feed:
    """The channel and episodes in `document`; raises InvalidFeed when it is not a feed."""
    import feedparser

    reject_dangerous_xml(document)
    parsed: Any = feedparser.parse(document, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise InvalidFeed(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    channel = parsed.feed
    episodes = [episode for entry in parsed.entries if (episode := _episode(entry))]
    return Feed(
        title=_text(channel.get("title"), MAX_TITLE_LENGTH),
        description=_plain(channel.get("subtitle") or channel.get("description")),
        image_url=_url(
            (channel.get("image") or {}).get("href") or (channel.get("image") or {}).get("url")
        ),
        episodes=episodes,
    )


def _episode(entry: Any) -> FeedEpisode | None:
    enclosure = next(
        (
            link
            for link in entry.get("links", [])
            if link.get("rel") == "enclosure" and _url(link.get("href"))
        ),
        None,
    )
    if enclosure is None:
        return None
    url = _url(enclosure.get("href"))
    assert url is not None
    guid = _text(entry.get("id"), MAX_GUID_LENGTH) or url[:MAX_GUID_LENGTH]
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return FeedEpisode(
        guid=guid,
        title=_text(entry.get("title"), MAX_TITLE_LENGTH) or "Untitled episode",
        description=_plain(entry.get("summary")),
        published_at=(
            datetime.fromtimestamp(calendar.timegm(published), UTC) if published else None
        ),
        duration_seconds=parse_duration(entry.get("itunes_duration")),
        enclosure_url=url,
        enclosure_type=_text(enclosure.get("type"), 100),
        enclosure_size_bytes=_size(enclosure.get("length")),
    )


def parse_duration(raw: object) -> int | None:
    """iTunes durations: seconds (`3600`), `MM:SS` or `HH:MM:SS`; None when unreadable."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    seconds = 0
    try:
        for part in raw.strip().split(":")[-3:]:
            seconds = seconds * 60 + int(float(part))
    except ValueError:
        return None
    return seconds if 0 <= seconds < 10**7 else None


def _size(raw: object) -> int | None:
    try:
        size = int(str(raw))
    except ValueError:
        return None
    return size if size > 0 else None


def _url(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH or not url.lower().startswith(("http://", "https://")):
        return None
    return url


def _text(raw: object, limit: int) -> str | None:
    if not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    return text[:limit] or None


def _plain(raw: object) -> str | None:
    """Description text without its HTML tags (feedparser has sanitized it already)."""
    if not isinstance(raw, str):
        return None
    text = html.unescape(_TAG.sub(" ", raw))
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text[:MAX_DESCRIPTION_LENGTH] or None


__all__ = ["Feed", "FeedEpisode", "parse_duration", "parse_feed", "reject_dangerous_xml"]
