"""The song page shows what audio analysis found (tempo, key with Camelot, energy bars,
intro/outro) once `tonearm analyse` has run, at phone and desktop sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.conftest import RunningTonearm, run_tonearm, screenshot

pytestmark = pytest.mark.slow


def test_the_song_page_shows_the_analysis(app: Page, server: RunningTonearm) -> None:
    output = run_tonearm(server.data_dir, "analyse")
    assert "analysis:" in output and "0 pending" in output, output
    song_id = server.songs["Alpha Dawn"]["id"]
    app.goto(server.url + f"#/song/{song_id}")
    sound = app.locator("#song-analysis")
    sound.get_by_role("heading", name="Sound").wait_for()
    facts = sound.locator("dt").all_text_contents()
    assert facts[:2] == ["Tempo", "Key"], facts
    key = sound.locator("dt:text-is('Key') + dd").text_content() or ""
    assert key == "no clear key" or key.endswith("A)") or key.endswith("B)"), key
    assert sound.locator("meter").count() == 3
    assert sound.get_by_label("Energy").count() == 1
    for width, height in ((390, 844), (1280, 800)):
        app.set_viewport_size({"width": width, "height": height})
        sound.scroll_into_view_if_needed()
        screenshot(app, f"song-analysis-{width}")
