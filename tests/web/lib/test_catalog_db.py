"""catalog-db.js in Chromium: delta sync into IndexedDB from recorded /api/songs/delta pages
(validated against the API's own response model), lookups and offline search."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from tonearm.api.rest.library import SongDeltaOut

from .conftest import JsRunner


def song_out(
    title: str, artists: list[str], album: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A SongOut as the API serialises it."""
    song = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, title + "|" + ",".join(artists))),
        "title": title,
        "artists": artists,
        "artist_ids": [str(uuid.uuid5(uuid.NAMESPACE_URL, a)) for a in artists],
        "album": album,
        "album_id": str(uuid.uuid5(uuid.NAMESPACE_URL, album)) if album else None,
        "album_artist": artists[0] if album else None,
        "album_artist_id": str(uuid.uuid5(uuid.NAMESPACE_URL, artists[0])) if album else None,
        "genres": ["Pop"],
        "year": 2020,
        "track_number": 1,
        "disc_number": 1,
        "duration_ms": 180_000,
        "folder_path": None,
        "original_format": "flac",
        "play_count": 0,
        "added_at": "2026-11-01T10:00:00Z",
        "replaygain_track_gain_db": -7.5,
        "replaygain_album_gain_db": None,
        "has_lyrics": False,
        "renditions": ["high", "medium", "low", "efficient", "preview"],
    }
    return song | overrides


HALO = song_out("Halo", ["Beyoncé"], "I Am... Sasha Fierce")
ZEBRA = song_out("zebra", ["Beach House"], "Teen Dream")
ETUDE = song_out("Étude No. 3", ["Frédéric Chopin", "Maurizio Pollini"], "Études")
ALPHA = song_out("Alpha Song", ["Halo Collective"])
ETUDE_RENAMED = ETUDE | {"title": "Étude Op. 10 No. 3", "play_count": 4}
ZEBRA_PLAYED = ZEBRA | {"play_count": 9}
NEVER_SEEN = str(uuid.uuid4())

# since → the page the server answers; a full sync (two pages), then an incremental one.
PAGES: dict[int, dict[str, Any]] = {
    0: {"added": [HALO, ZEBRA, ETUDE], "updated": [], "removed": [], "cursor": 3, "has_more": True},
    3: {
        "added": [ALPHA],
        "updated": [ETUDE_RENAMED],
        "removed": [],
        "cursor": 5,
        "has_more": False,
    },
}
LATER: dict[int, dict[str, Any]] = {
    5: {"added": [], "updated": [ZEBRA_PLAYED], "removed": [HALO["id"], NEVER_SEEN], "cursor": 8, "has_more": False},
    8: {"added": [], "updated": [], "removed": [], "cursor": 8, "has_more": False},
}  # fmt: skip

# window.api: a recorded server. fetchJson serves arg.pages by the `since` in the path, and
# throws for a `since` listed in arg.failAt (the network dropping mid-sync).
FAKE_API = """
  const requested = [];
  const fetchJson = async (path) => {
    requested.push(path);
    const since = Number(new URL(path, location.href).searchParams.get('since'));
    if ((arg.failAt ?? []).includes(since)) throw new TypeError('Failed to fetch');
    const page = arg.pages[since];
    if (!page) throw new Error(`no recorded page for since=${since}`);
    return structuredClone(page);
  };
  const db = await m.CatalogDb.open();
"""


@pytest.mark.parametrize("page", [*PAGES.values(), *LATER.values()])
def test_recorded_pages_match_the_api_response_model(page: dict[str, Any]) -> None:
    assert SongDeltaOut.model_validate(page).model_dump(mode="json")["cursor"] == page["cursor"]


def test_full_sync_walks_every_page_and_keeps_the_cursor(js: JsRunner) -> None:
    body = (
        FAKE_API
        + """
      const totals = await db.sync(fetchJson);
      return {totals, requested, count: await db.count(), cursor: await db.cursor(),
              etude: await db.song(arg.etude), missing: await db.song('nope')};
    """
    )
    r = js("catalog-db.js", body, {"pages": PAGES, "etude": ETUDE["id"]})
    assert r["requested"] == [
        "/api/songs/delta?since=0&limit=500",
        "/api/songs/delta?since=3&limit=500",
    ]
    assert r["totals"] == {"added": 4, "updated": 1, "removed": 0, "cursor": 5, "pages": 2}
    assert (r["count"], r["cursor"]) == (4, 5)
    assert r["etude"] == ETUDE_RENAMED  # the API's object, in its latest state, nothing added
    assert r["missing"] is None


def test_incremental_sync_applies_updates_and_removals(js: JsRunner) -> None:
    body = (
        FAKE_API
        + """
      await db.sync(fetchJson);
      const later = await db.sync(fetchJson);
      const unchanged = await db.sync(fetchJson);
      return {later, unchanged, requested: requested.slice(2), halo: await db.song(arg.halo),
              zebra: await db.song(arg.zebra), count: await db.count()};
    """
    )
    arg = {"pages": PAGES | LATER, "halo": HALO["id"], "zebra": ZEBRA["id"]}
    r = js("catalog-db.js", body, arg)
    assert r["requested"] == [
        "/api/songs/delta?since=5&limit=500",
        "/api/songs/delta?since=8&limit=500",
    ]
    assert r["later"] == {"added": 0, "updated": 1, "removed": 2, "cursor": 8, "pages": 1}
    assert r["unchanged"] == {"added": 0, "updated": 0, "removed": 0, "cursor": 8, "pages": 1}
    assert r["halo"] is None
    assert r["zebra"]["play_count"] == 9
    assert r["count"] == 3  # a removal of a song never seen changes nothing


def test_an_interrupted_sync_keeps_applied_pages_and_resumes(js: JsRunner) -> None:
    body = (
        FAKE_API
        + """
      let error = null;
      try { await db.sync(fetchJson); } catch (e) { error = e.message; }
      const afterFailure = {cursor: await db.cursor(), count: await db.count()};
      arg.failAt = [];
      const resumed = await db.sync(fetchJson);
      return {error, afterFailure, resumed, requested};
    """
    )
    r = js("catalog-db.js", body, {"pages": PAGES, "failAt": [3]})
    assert r["error"] == "Failed to fetch"
    assert r["afterFailure"] == {"cursor": 3, "count": 3}
    assert r["resumed"]["pages"] == 1
    assert r["requested"][-1] == "/api/songs/delta?since=3&limit=500"


def test_has_more_without_progress_stops_instead_of_looping(js: JsRunner) -> None:
    stuck = {0: {"added": [], "updated": [], "removed": [], "cursor": 0, "has_more": True}}
    body = (
        FAKE_API
        + """
      try { await db.sync(fetchJson); return {error: null, requested}; }
      catch (e) { return {error: e.message, requested}; }
    """
    )
    r = js("catalog-db.js", body, {"pages": stuck})
    assert "did not advance" in r["error"]
    assert len(r["requested"]) == 1


def test_concurrent_syncs_run_one_after_the_other(js: JsRunner) -> None:
    body = (
        FAKE_API
        + """
      await Promise.all([db.sync(fetchJson), db.sync(fetchJson)]);
      return requested.map((p) => new URL(p, location.href).searchParams.get('since'));
    """
    )
    # The second starts from the first's cursor instead of fetching everything again.
    assert js("catalog-db.js", body, {"pages": PAGES | LATER}) == ["0", "3", "5"]


def test_songs_in_title_order_ignoring_case_and_accents(js: JsRunner) -> None:
    body = (
        FAKE_API
        + """
      await db.sync(fetchJson);
      return {all: (await db.songs()).map((s) => s.title),
              two: (await db.songs({limit: 2})).map((s) => s.title),
              paged: (await db.songs({limit: 2, offset: 2})).map((s) => s.title),
              past: await db.songs({offset: 10})};
    """
    )
    r = js("catalog-db.js", body, {"pages": PAGES})
    assert r["all"] == ["Alpha Song", "Étude Op. 10 No. 3", "Halo", "zebra"]
    assert r["two"] == ["Alpha Song", "Étude Op. 10 No. 3"]
    assert r["paged"] == ["Halo", "zebra"]
    assert r["past"] == []


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("beyonce", ["Halo"]),  # accents and case ignored
        ("HALO", ["Halo", "Alpha Song"]),  # title match first, then the artist "Halo Collective"
        ("chopin etude", ["Étude Op. 10 No. 3"]),  # every word, across artist and title
        ("pollini", ["Étude Op. 10 No. 3"]),  # the second artist
        ("teen dream", ["zebra"]),  # the album
        ("song", ["Alpha Song"]),
        ("etude mozart", []),
        ("   ", []),
    ],
)
def test_search(js: JsRunner, text: str, titles: list[str]) -> None:
    body = (
        FAKE_API
        + """
      await db.sync(fetchJson);
      const found = await db.search(arg.text);
      return {titles: found.map((s) => s.title), internal: found.some((s) => '_searchText' in s)};
    """
    )
    r = js("catalog-db.js", body, {"pages": PAGES, "text": text})
    assert r == {"titles": titles, "internal": False}


def test_search_limit(js: JsRunner) -> None:
    body = FAKE_API + "await db.sync(fetchJson); return (await db.search('o', {limit: 2})).length;"
    assert js("catalog-db.js", body, {"pages": PAGES}) == 2


def test_the_copy_survives_a_reload_and_clear_empties_it(js: JsRunner, page: Page) -> None:
    js("catalog-db.js", FAKE_API + "await db.sync(fetchJson); db.close();", {"pages": PAGES})
    page.reload()
    body = (
        FAKE_API
        + """
      const before = {count: await db.count(), cursor: await db.cursor(), halo: (await db.song(arg.halo)).title};
      await db.clear();
      return {before, after: {count: await db.count(), cursor: await db.cursor()}};
    """
    )
    r = js("catalog-db.js", body, {"pages": PAGES, "halo": HALO["id"]})
    assert r["before"] == {"count": 4, "cursor": 5, "halo": "Halo"}
    assert r["after"] == {"count": 0, "cursor": 0}
