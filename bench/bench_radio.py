"""Internet radio's cost on the request path: the player page's Content-Security-Policy
(which names every station's origin) and the now-playing title.

- CSP: building the policy for one page load with `--stations` stations, from the origins
  kept in the process (every load) and after a change (one database read).
- now-playing: `--listeners` concurrent requests for one station's title against a local
  endless MP3 stream with ICY metadata (tests/radio_stream.py): how many times the stream was
  read (the cache makes it one) and the time until all had their answer.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_radio.py [--stations N] [--listeners N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from tests.radio_stream import IcyStation, make_stream_audio

from tonearm.api.webapp import content_security_policy, media_origins
from tonearm.app import open_runtime
from tonearm.settings import Settings
from tonearm.users import Role, User


async def main(stations: int, listeners: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        runtime = await open_runtime(settings)
        radio = runtime.domains.radio
        admin = User(uuid4(), "bench", Role.ADMIN, True, datetime.now(UTC))
        for n in range(stations):
            await radio.add(admin, f"s{n}", f"https://radio{n}.example.org/live")
        rounds = 20_000
        start = time.perf_counter()
        for _ in range(rounds):
            content_security_policy(media_origins(settings) | await radio.media_origins())
        kept = (time.perf_counter() - start) / rounds * 1e6
        start = time.perf_counter()
        for _ in range(200):
            radio._origins = None  # as after a change in this process
            content_security_policy(media_origins(settings) | await radio.media_origins())
        changed = (time.perf_counter() - start) / 200 * 1e6
        print(
            f"CSP for one page load, {stations} stations: {kept:.1f} µs (origins kept), "
            f"{changed:.0f} µs (after a change)"
        )

        station = IcyStation(make_stream_audio(Path(tmp), 2), "Bench Title").start()
        try:
            added = await radio.add(admin, "local", station.url)
            start = time.perf_counter()
            titles = await asyncio.gather(*(radio.now_playing(added.id) for _ in range(listeners)))
            seconds = time.perf_counter() - start
            assert set(titles) == {"Bench Title"}
            print(
                f"now-playing, {listeners} concurrent listeners: {station.metadata_requests} "
                f"stream read(s), all answered in {seconds * 1000:.0f} ms"
            )
        finally:
            station.stop()
        await runtime.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--listeners", type=int, default=200)
    options = parser.parse_args()
    asyncio.run(main(options.stations, options.listeners))
