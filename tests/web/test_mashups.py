"""Mashups in the web player against a real server: alice's mashup (a real MP3 stored for
her) is listed on the Mashups screen with why its pair was chosen, and its play button
plays it in the main player through its signed URL; axe finds no serious or critical
violation at desktop and phone sizes in both themes. Screenshots go to shots/."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.analysis.stored_mashups import store_mashup
from tests.ingest.audio_factory import make_audio_file
from tests.web.conftest import PASSWORD, USERNAME, RunningTonearm, wait_until
from tests.web.test_accessibility import AXE, RUN_AXE, SIZES
from tonearm.app import open_runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def add_mashup(server: RunningTonearm, body: bytes, lead_song_id: str) -> str:
    async def run() -> str:
        runtime = await open_runtime(Settings(data_dir=server.data_dir))
        try:
            alice = await runtime.domains.users.get_user(USERNAME)
            made = await store_mashup(
                runtime,
                alice.id,
                title="Nina Vale – Harbour Lights × The Quiet Engines – Signal One",
                body=body,
                duration_ms=4000,
                lead_song_id=uuid.UUID(lead_song_id),
            )
            return str(made.id)
        finally:
            await runtime.close()

    # Sync Playwright runs an event loop in this thread: the store is written from another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_the_mashups_screen_lists_and_plays_a_mashup(
    browser: Browser, server: RunningTonearm, tmp_path: Path
) -> None:
    lead = next(iter(server.songs.values()))["id"]
    mp3 = make_audio_file(tmp_path, "mp3", seconds=4).read_bytes()
    SHOTS.mkdir(exist_ok=True)
    for size in ("phone", "desktop"):
        for scheme in ("light", "dark"):
            context = browser.new_context(
                base_url=server.url,
                color_scheme=scheme,  # type: ignore[arg-type]
                **SIZES[size],  # type: ignore[arg-type]
            )
            context.add_init_script(path=str(AXE))
            page = context.new_page()
            page.goto(server.url + "#/mashups")
            page.fill("#username", USERNAME)
            page.fill("#password", PASSWORD)
            page.click("#signin button[type=submit]")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            if size == "phone" and scheme == "light":
                # Before there is any: the empty state says how to make them.
                expect(page.locator(".mashups-empty")).to_contain_text("tonearm mashup")
                page.screenshot(path=str(SHOTS / "mashups-empty-phone.png"))
                assert page.evaluate(RUN_AXE) == []
                mashup_id = add_mashup(server, mp3, lead)
                page.reload()
                page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            row = page.locator(f"li.mashup[data-mashup-id='{mashup_id}']")
            expect(row).to_contain_text("Harbour Lights × The Quiet Engines")
            expect(row).to_contain_text("Camelot-compatible")
            expect(row).to_contain_text("0:04")
            page.screenshot(path=str(SHOTS / f"mashups-{size}-{scheme}.png"))
            assert page.evaluate(RUN_AXE) == []
            if size == "desktop" and scheme == "dark":
                row.get_by_role("button", name="Play").click()
                wait_until(
                    page,
                    f"() => tonearm.player.plays.some((p) => p.songId === 'mx-{mashup_id}')"
                    " && tonearm.engine.audio.currentTime > 0.3",
                )
                expect(page.locator("#player")).to_contain_text("Harbour Lights ×")
                # Not a song: its title leads to the Mashups screen, and there is no ♥.
                expect(page.locator("#player .now-title")).to_have_attribute("href", "#/mashups")
                expect(page.locator("#player .like-slot button")).to_have_count(0)
                page.screenshot(path=str(SHOTS / "mashups-playing-desktop-dark.png"))
            context.close()
