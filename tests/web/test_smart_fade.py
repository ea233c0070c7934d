"""The smart crossfade: with analysis for both songs the player fades from the current
song's outro into the next one's intro, for the longer of the two (not the setting's
length), and starts the next song after its leading silence; a precomputed transition,
when the server has one for the pair, plays between them instead."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.ingest.audio_factory import lavfi
from tests.web.conftest import RunningTonearm, sign_in, wait_until
from tests.web.playing import play, row_action
from tonearm.adapters.ffmpeg import find_ffmpeg

pytestmark = pytest.mark.slow


def with_analysis(page: Page, analyses: dict[str, Any]) -> None:
    """Song details answer with `analyses[id]` as their analysis (null for other songs)."""

    def answer(route: Route) -> None:
        response = route.fetch()
        details = response.json()
        details["analysis"] = analyses.get(details.get("id"))
        route.fulfill(response=response, body=json.dumps(details))

    page.route(re.compile(r".*/api/songs/[0-9a-f-]{36}$"), answer)


def test_crossfade_length_and_cut_points_come_from_the_analysis(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    context.add_init_script(
        "localStorage.setItem('tonearm.settings', JSON.stringify({crossfadeSeconds: 3}))"
    )
    # Gamma Echo (8 s): its outro is the last 2.5 s of music before 0.5 s of silence.
    # Beta Drift (10 s): 0.4 s of silence, then a 1 s intro. The fade: max(2.5, 1) = 2.5 s.
    analyses = {
        server.songs["Gamma Echo"]["id"]: {
            "intro_end": 0.5,
            "outro_start": 5.0,
            "leading_silence": 0.0,
            "trailing_silence": 0.5,
            "status": "done",
            "tempo_bpm": 120.0,
        },
        server.songs["Beta Drift"]["id"]: {
            "intro_end": 1.4,
            "outro_start": 9.0,
            "leading_silence": 0.4,
            "trailing_silence": 0.0,
            "status": "done",
            "tempo_bpm": 96.0,
        },
    }

    with_analysis(page, analyses)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    play(page, "Gamma Echo")
    row_action(page, "Beta Drift", "Play next")
    page.evaluate("() => tonearm.player.seek(3)")
    wait_until(page, "() => tonearm.engine.current.song.title === 'Beta Drift'", timeout_ms=20_000)
    state = page.evaluate(
        """() => ({
          deck: tonearm.engine.active.name,
          schedule: tonearm.engine.lastSchedule,
          segmentStart: tonearm.engine.current.start,
          position: tonearm.engine.audio.currentTime,
          transition: tonearm.player.plays.at(-1).transition,
        })"""
    )
    assert state["deck"] == "B" and state["transition"] == "crossfade"
    schedule = state["schedule"]
    assert schedule["smart"] is True
    assert schedule["crossfadeSeconds"] == pytest.approx(2.5)
    assert schedule["startAt"] == pytest.approx(0.4)
    # Beta Drift started past its leading silence.
    assert state["position"] >= state["segmentStart"] + 0.4


def test_without_analysis_the_setting_decides(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    context.add_init_script(
        "localStorage.setItem('tonearm.settings', JSON.stringify({crossfadeSeconds: 3}))"
    )
    with_analysis(page, {})  # not analysed (whatever the import did)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    play(page, "Gamma Echo")
    row_action(page, "Beta Drift", "Play next")
    wait_until(
        page,
        "() => tonearm.engine.lastSchedule?.songId !== undefined && tonearm.engine.lastSchedule.crossfadeSeconds > 0",
        timeout_ms=20_000,
    )
    schedule = page.evaluate("() => tonearm.engine.lastSchedule")
    assert schedule["smart"] is False and schedule["crossfadeSeconds"] == pytest.approx(3)


def test_a_precomputed_transition_plays_between_the_two_songs(
    context: BrowserContext, page: Page, server: RunningTonearm, tmp_path: Path
) -> None:
    context.add_init_script(
        "localStorage.setItem('tonearm.settings', JSON.stringify({crossfadeSeconds: 3}))"
    )
    gamma, beta = server.songs["Gamma Echo"]["id"], server.songs["Beta Drift"]["id"]
    mixed = tmp_path / "transition.mp3"
    lavfi(
        "sine=frequency=500:duration=2",
        "-c:a",
        "libmp3lame",
        str(mixed),
        ffmpeg=find_ffmpeg().ffmpeg,
    )
    url = f"/api/transitions/{gamma}/{beta}/audio"
    item = {
        "from_song_id": gamma,
        "to_song_id": beta,
        "url": url,
        "duration_ms": 2000,
        "beat_matched": False,
        "from_start_ms": 4000,
        "to_start_ms": 0,
        "to_resume_ms": 1500,
        "tempo_ratio": 1.0,
    }

    def listing(route: Route) -> None:
        wanted = f"from={gamma}&to={beta}" in route.request.url
        body = {"items": [item] if wanted else []}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/transitions?*", listing)
    page.route(
        f"**{url}",
        lambda route: route.fulfill(status=200, content_type="audio/mpeg", body=mixed.read_bytes()),
    )
    sign_in(page, server)
    page.wait_for_selector("li.song")
    play(page, "Gamma Echo")
    row_action(page, "Beta Drift", "Play next")
    page.evaluate("() => tonearm.player.seek(3)")
    wait_until(
        page, "() => tonearm.engine.lastSchedule?.transition?.played === true", timeout_ms=20_000
    )
    # The transition plays on its own element; then Beta Drift goes on from 1.5 s.
    wait_until(page, "() => tonearm.engine.transitionDeck.audio.ended", timeout_ms=20_000)
    wait_until(page, "() => !tonearm.engine.audio.paused", timeout_ms=10_000)
    state = page.evaluate(
        """() => ({
          title: tonearm.engine.current.song.title,
          position: tonearm.engine.audio.currentTime - tonearm.engine.current.start,
          schedule: tonearm.engine.lastSchedule,
          transitionSrc: tonearm.engine.transitionDeck.audio.src,
        })"""
    )
    assert state["title"] == "Beta Drift"
    assert state["position"] >= 1.5
    assert state["schedule"]["crossfadeSeconds"] == 0
    assert state["transitionSrc"].endswith(url)
