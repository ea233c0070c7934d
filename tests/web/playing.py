"""Driving the web player from tests: tap a song and wait until it plays, read the queue,
wait for the player to have looked ahead, wait for the proxy to finish its responses.
(Helpers live here, not in a test module, so test modules import no other test module.)"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.polling import wait_for
from tests.web.conftest import RunningTonearm, wait_until

MEDIA = "/api/media/"


def play(page: Page, title: str) -> None:
    """Taps the song's row in the list on screen and waits until it plays."""
    before = page.evaluate("() => tonearm.player.plays.length")
    page.locator("li.song", has_text=title).locator("button.song-main").click()
    wait_until(page, f"() => tonearm.player.plays.length > {before}")


def row_action(page: Page, title: str, item: str) -> None:
    """Opens the "⋯" menu of the song's row in the list on screen and picks `item`
    ("Play next", "Add to queue", "Download…", "Like", ...)."""
    page.locator("main li.song", has_text=title).get_by_role(
        "button", name=f"More for {title}"
    ).click()
    page.get_by_role("menu").get_by_role("menuitem", name=item, exact=True).click()


def kept_offline(page: Page, song_id: str) -> Locator:
    """The "offline" mark of the song's row in the list on screen (a whole copy is kept)."""
    return page.locator(f"li.song.offline[data-song-id='{song_id}'] .offline-mark")


def play_until_cached(page: Page, title: str, song_id: str) -> None:
    """Plays the song until its row is marked as kept offline (the whole of it is cached)."""
    play(page, title)
    kept_offline(page, song_id).wait_for()


def heard(page: Page) -> None:
    """Waits until the player bar's clock has moved past 0:00: the song is being heard."""
    expect(page.locator("#elapsed")).to_have_text(re.compile(r"^0:0[1-9]$"))


def pause(page: Page) -> None:
    """Pauses with the player bar's button, and waits until it offers Play again."""
    toggle = page.locator("#play-button")
    expect(toggle).to_have_attribute("aria-label", "Pause")
    toggle.click()
    expect(toggle).to_have_attribute("aria-label", "Play")


def queue_titles(page: Page) -> list[str]:
    titles: list[str] = page.evaluate("() => tonearm.player.queue.songs.map((s) => s.title)")
    return titles


def wait_for_look_ahead(page: Page, fraction: float) -> None:
    """Waits until the player has looked ahead (its per-timeupdate `tick`, where prefetch
    and scheduling of the next song are decided) at `fraction` of the song or later."""
    wait_until(
        page,
        """async (fraction) => {
          const ticked = new Promise((resolve) =>
            tonearm.player.addEventListener("tick", () => resolve(true), { once: true }));
          const late = new Promise((resolve) => setTimeout(() => resolve(false), 1000));
          return (await Promise.race([ticked, late])) &&
            tonearm.engine.position >= fraction * tonearm.engine.current.durationSeconds;
        }""",
        arg=fraction,
    )


def proxy_done(server: RunningTonearm, path_prefix: str = MEDIA) -> None:
    """Waits until the proxy has finished (and so counted) every response under the prefix."""
    wait_for(
        lambda: all(r.finished for r in server.proxy.seen(path_prefix)),
        f"the proxy to finish every {path_prefix} response",
        timeout=5,
    )


__all__ = [
    "MEDIA",
    "heard",
    "kept_offline",
    "pause",
    "play",
    "play_until_cached",
    "proxy_done",
    "queue_titles",
    "row_action",
    "wait_for_look_ahead",
]
