"""Mashups end to end on generated audio with known tempo and key: the pair chosen (and the
ones refused), the tempo and beat alignment measured in the output, its loudness, the
stored object, regeneration without duplicates, and another user's view (nothing).

One module-scoped run (two ffmpeg runs render it, one more measures it) shared by the tests.
Songs: A 120 BPM C major (low thumps, played most of the pair), B 113 BPM A minor (3 kHz
ticks: stretched +6.2% under A), C 120 BPM F# major (most played, but its key fits neither),
D 150 BPM C major (no tempo factor brings it within 8%).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
import wave
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.api.accounts import PASSWORD
from tests.factories import make_draft
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.tables import UserInteractionRow, UserRow
from tonearm.analysis import EMBEDDING_DIMS, Mode, MusicalKey, SongFeatures
from tonearm.analysis.mashup_pairs import TopSong, choose_pairs, match, plan_render, tempo_match
from tonearm.analysis.mashups import MashupNotFound
from tonearm.app import Runtime, attach_runtime, create_app, open_runtime
from tonearm.library.replaygain import REFERENCE_LUFS
from tonearm.settings import Settings

RATE = 22050


@dataclass(frozen=True)
class Made:
    settings: Settings
    owner: uuid.UUID
    other: uuid.UUID
    songs: dict[str, uuid.UUID]
    mashups: list  # type: ignore[type-arg]
    first_report: object
    second_report: object
    stored_keys: list[str]
    samples: np.ndarray
    integrated_lufs: float


def _beats(first: float, bpm: float, seconds: float) -> list[float]:
    period = 60.0 / bpm
    return [round(first + i * period, 4) for i in range(int((seconds - first) / period))]


def _write(path: Path, seconds: float, beats: list[float], sound: str, tonic_hz: float) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    audio = 0.05 * np.sin(2 * np.pi * tonic_hz * t)
    if sound == "thump":
        n = np.arange(int(0.08 * RATE)) / RATE
        hit = 0.8 * np.sin(2 * np.pi * 80 * n) * np.exp(-n / 0.02)
    else:
        n = np.arange(int(0.012 * RATE)) / RATE
        hit = 0.6 * np.sin(2 * np.pi * 3000 * n) * np.exp(-n / 0.004)
    for b in beats:
        at = int(b * RATE)
        audio[at : at + len(hit)] += hit[: len(audio) - at]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def _features(seconds: float, bpm: float, beats: list[float], key: MusicalKey) -> SongFeatures:
    embedding = (1.0,) + (0.0,) * (EMBEDDING_DIMS - 1)
    return SongFeatures(
        analyzer_version="test",
        duration=seconds,
        tempo_bpm=bpm,
        tempo_confidence=0.9,
        beats=tuple(beats),
        meter=4,
        key=key,
        key_confidence=0.8,
        loudness=tuple(-20.0 + (i % 5) for i in range(int(seconds))),
        energy=0.5,
        danceability=0.5,
        valence=0.5,
        intro_end=0.0,
        outro_start=seconds,
        leading_silence=0.0,
        trailing_silence=0.0,
        embedding=embedding,
    )


SONGS = {
    # name: (bpm, key, plays, seconds, sound, first beat, tonic Hz)
    "A": (120.0, MusicalKey(0, Mode.MAJOR), 5, 12.0, "thump", 0.25, 130.8),
    "B": (113.0, MusicalKey(9, Mode.MINOR), 4, 16.0, "tick", 0.37, 220.0),
    "C": (120.0, MusicalKey(6, Mode.MAJOR), 7, 12.0, "thump", 0.25, 185.0),
    "D": (150.0, MusicalKey(0, Mode.MAJOR), 3, 12.0, "thump", 0.25, 130.8),
}


async def prepare_library(
    runtime: Runtime, tmp: Path
) -> tuple[uuid.UUID, uuid.UUID, dict[str, uuid.UUID]]:
    now = runtime.clock()
    owner, other = uuid.uuid4(), uuid.uuid4()
    async with runtime.database.sessions.begin() as session:
        for user_id, name in ((owner, "mixer"), (other, "neighbour")):
            session.add(
                UserRow(
                    id=user_id,
                    username=name,
                    password_hash="-",
                    role="user",
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    features = SqlFeatureRepository(runtime.database.sessions)
    ids: dict[str, uuid.UUID] = {}
    for name, (bpm, key, plays, seconds, sound, first, tonic) in SONGS.items():
        path = tmp / f"{name}.wav"
        beats = _beats(first, bpm, seconds)
        _write(path, seconds, beats, sound, tonic)
        song_id = uuid.uuid4()
        draft = make_draft(
            title=f"Song {name}",
            artists=(f"Artist {name}",),
            original_key=None,
            original_path=str(path),
            folder_path=str(tmp),
            original_format="wav",
            duration_ms=int(seconds * 1000),
        )
        await runtime.songs.add(song_id, draft, now)
        await features.put(song_id, _features(seconds, bpm, beats, key), now)
        ids[name] = song_id
        async with runtime.database.sessions.begin() as session:
            for n in range(plays):
                session.add(
                    UserInteractionRow(
                        user_id=owner,
                        song_id=song_id,
                        action="play",
                        occurred_at=now - timedelta(days=10 + n),
                        play_state="counted",
                        counted_at=now - timedelta(days=10 + n),
                    )
                )
    # An old play (outside six months) must not count: it would make D the top song.
    async with runtime.database.sessions.begin() as session:
        for n in range(20):
            session.add(
                UserInteractionRow(
                    user_id=owner,
                    song_id=ids["D"],
                    action="play",
                    occurred_at=now - timedelta(days=200 + n),
                    play_state="counted",
                    counted_at=now - timedelta(days=200 + n),
                )
            )
    return owner, other, ids


def _measure(mp3: Path) -> tuple[np.ndarray, float]:
    """Decoded mono PCM and EBU R128 integrated loudness, from one ffmpeg run."""
    result = subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-nostdin", "-i", str(mp3),
            "-filter_complex", "[0:a]ebur128[e]", "-map", "[e]", "-f", "null", "-",
            "-map", "0:a", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "pipe:1",
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip
    found = re.findall(r"I:\s+(-?[\d.]+) LUFS", result.stderr.decode())
    return np.frombuffer(result.stdout, dtype="<f4"), float(found[-1])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    tmp = tmp_path_factory.mktemp("mashups")
    settings = Settings(data_dir=tmp / "data")

    async def run() -> Made:
        runtime = await open_runtime(settings)
        try:
            owner, other, ids = await prepare_library(runtime, tmp)
            service = runtime.domains.mashups
            first = await service.generate(owner, pairs=3)
            second = await service.generate(owner, pairs=3)
            mashups = await service.mashups(owner)
            keys = [info.key async for info in runtime.store.list("mashups/")]
            out = tmp / "out.mp3"
            _, chunks = await service.audio(owner, mashups[0].id)
            out.write_bytes(b"".join([c async for c in chunks]))
        finally:
            await runtime.close()
        samples, lufs = _measure(out)
        return Made(settings, owner, other, ids, mashups, first, second, keys, samples, lufs)

    return asyncio.run(run())


def _band(samples: np.ndarray, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, len(samples))


def _onsets(signal: np.ndarray) -> np.ndarray:
    """Rising edges of the smoothed envelope (seconds), at least 0.2 s apart."""
    window = int(0.004 * RATE)
    envelope = np.convolve(np.abs(signal), np.ones(window) / window, mode="same")
    level = 0.3 * envelope.max()
    times: list[float] = []
    above = envelope >= level
    for index in np.flatnonzero(above[1:] & ~above[:-1]) + 1:
        at = index / RATE
        if not times or at - times[-1] > 0.2:
            times.append(at)
    return np.array(times)


def test_the_compatible_pair_is_made_and_the_others_refused(made: Made) -> None:
    assert len(made.mashups) == 1
    (mashup,) = made.mashups
    assert mashup.lead_song_id == made.songs["A"] and mashup.under_song_id == made.songs["B"]
    assert mashup.title == "Artist A – Song A × Artist B – Song B"
    reason = mashup.reason
    assert (reason.lead_key, reason.under_key) == ("8B", "8A")
    assert reason.stretch == pytest.approx(120 / 113, abs=1e-4)
    assert (reason.lead_plays, reason.under_plays) == (5, 4)
    assert "Camelot-compatible" in mashup.why and "stretched +6.2%" in mashup.why


def test_it_is_stored_under_the_owner_and_regenerating_makes_nothing_new(made: Made) -> None:
    (mashup,) = made.mashups
    assert made.stored_keys == [mashup.storage_key]
    assert re.fullmatch(rf"mashups/{made.owner}/\d{{8}}T\d{{6}}Z\.mp3", mashup.storage_key)
    assert made.second_report.made == [] and made.second_report.already_made == 1  # type: ignore[attr-defined]
    assert made.first_report.candidates == 4  # type: ignore[attr-defined]


def test_the_under_layer_plays_at_the_lead_tempo_on_its_beats(made: Made) -> None:
    middle = slice(int(2.0 * RATE), len(made.samples) - int(2.0 * RATE))
    ticks = _onsets(_band(made.samples, 2000, 5000)[middle])
    thumps = _onsets(_band(made.samples, 40, 150)[middle])
    assert len(ticks) >= 12 and len(thumps) >= 12
    tick_bpm = 60 / np.median(np.diff(ticks))
    thump_bpm = 60 / np.median(np.diff(thumps))
    assert tick_bpm == pytest.approx(120.0, rel=0.01)  # B was 113 BPM before stretching
    assert thump_bpm == pytest.approx(120.0, rel=0.01)
    offsets = [np.min(np.abs(thumps - tick)) for tick in ticks]
    assert max(offsets) < 0.020, offsets


def test_the_loudness_is_normalised(made: Made) -> None:
    assert made.integrated_lufs == pytest.approx(REFERENCE_LUFS, abs=1.0)


def test_another_user_cannot_list_or_read_it(made: Made) -> None:
    (mashup,) = made.mashups

    async def run() -> list[object]:
        runtime = await open_runtime(made.settings)
        try:
            service = runtime.domains.mashups
            listed = await service.mashups(made.other)
            with pytest.raises(MashupNotFound):
                await service.get(made.other, mashup.id)
            with pytest.raises(MashupNotFound):
                await service.audio(made.other, mashup.id)
            return list(listed)
        finally:
            await runtime.close()

    assert asyncio.run(run()) == []


def _top(name: str, plays: int) -> TopSong:
    return TopSong(uuid.uuid5(uuid.NAMESPACE_DNS, name), name, None, plays)


def test_tempo_rules_count_half_and_double_within_eight_percent() -> None:
    assert tempo_match(120, 113) == (1.0, pytest.approx(120 / 113))
    assert tempo_match(140, 72) == (2.0, pytest.approx(140 / 144))
    assert tempo_match(80, 165) == (0.5, pytest.approx(80 / 82.5))
    assert tempo_match(120, 110) is None  # 9.1%
    assert tempo_match(120, 150) is None


def test_pairs_need_compatible_keys_and_each_song_pairs_once() -> None:
    beats = _beats(0.0, 120, 12)
    c_major = _features(12, 120, beats, MusicalKey(0, Mode.MAJOR))
    g_major = _features(12, 118, beats, MusicalKey(7, Mode.MAJOR))  # 9B: next to 8B
    d_major = _features(12, 121, beats, MusicalKey(2, Mode.MAJOR))  # 10B: two steps away
    e_minor = _features(12, 122, beats, MusicalKey(4, Mode.MINOR))  # 9A: relative of G
    candidates = [
        (_top("c", 9), c_major),
        (_top("g", 8), g_major),
        (_top("d", 7), d_major),
        (_top("e", 6), e_minor),
    ]
    compatible = {
        (a.title, b.title)
        for a, _ in candidates
        for b, _ in candidates
        if a.plays > b.plays
        and match(a, _features_of(candidates, a), b, _features_of(candidates, b))
    }
    # 8B-9B, 9B-10B, 9B-9A; not 8B-10B (two steps), 8B-9A or 10B-9A (other letter and number).
    assert compatible == {("c", "g"), ("g", "d"), ("g", "e")}
    pairs, already = choose_pairs(candidates, 5, set())
    assert [(p.lead.title, p.under.title) for p in pairs] == [("c", "g")]  # g pairs once
    assert already == 0
    # c+g made before: the next best pair takes its place, and the skip is counted.
    pairs, already = choose_pairs(candidates, 5, {pairs[0].key})
    assert [(p.lead.title, p.under.title) for p in pairs] == [("g", "d")]
    assert already == 1


def _features_of(candidates: list[tuple[TopSong, SongFeatures]], song: TopSong) -> SongFeatures:
    return next(features for top, features in candidates if top == song)


def test_the_plan_starts_both_on_downbeats_and_fits_the_under_layer() -> None:
    lead_beats = _beats(0.25, 120, 12)
    under_beats = _beats(0.37, 113, 16)
    lead = _features(12, 120, lead_beats, MusicalKey(0, Mode.MAJOR))
    under = _features(16, 113, under_beats, MusicalKey(9, Mode.MINOR))
    (pair,), _ = choose_pairs([(_top("a", 2), lead), (_top("b", 1), under)], 1, set())
    plan = plan_render(pair)
    assert plan.lead_start == 0.25
    assert plan.under_start in under_beats[::4]
    assert plan.under_start + plan.duration * plan.stretch <= 16.0 + 1e-6
    assert plan.duration == pytest.approx(11.75)


def test_the_api_lists_and_plays_it_for_its_owner_only(made: Made) -> None:
    (mashup,) = made.mashups

    async def run() -> None:
        runtime = await open_runtime(made.settings)
        try:
            app = create_app(made.settings)
            attach_runtime(app, runtime)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:

                async def login(name: str) -> dict[str, str]:
                    await runtime.domains.users.set_password(name, PASSWORD)
                    answer = await http.post(
                        "/api/auth/login", json={"username": name, "password": PASSWORD}
                    )
                    return {"Authorization": f"Bearer {answer.json()['access_token']}"}

                owner, other = await login("mixer"), await login("neighbour")
                listed = (await http.get("/api/mashups", headers=owner)).json()
                assert listed["name"] == "Mashups"
                (entry,) = listed["entries"]
                assert entry["id"] == str(mashup.id) and entry["why"] == mashup.why
                assert entry["pair"]["lead_key"] == "8B"
                audio = await http.get(entry["audio_url"], headers=owner)
                assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
                assert len(audio.content) == mashup.size_bytes
                part = await http.get(entry["audio_url"], headers={**owner, "Range": "bytes=4-13"})
                assert part.status_code == 206 and part.content == audio.content[4:14]

                assert (await http.get("/api/mashups", headers=other)).json()["entries"] == []
                for path in (f"/api/mashups/{mashup.id}", entry["audio_url"]):
                    assert (await http.get(path, headers=other)).status_code == 404
                # Not a song: nobody finds it in the library or its search.
                assert (await http.get(f"/api/songs/{mashup.id}", headers=owner)).status_code == 404
                found = await http.get("/api/search", params={"q": "Song A"}, headers=other)
                assert str(mashup.id) not in found.text
        finally:
            await runtime.close()

    asyncio.run(run())


def test_the_job_runs_for_every_recent_listener_and_makes_nothing_twice(made: Made) -> None:
    from types import SimpleNamespace

    from tonearm.analysis.mashup_jobs import MASHUP_JOB, generate_mashups
    from tonearm.app import default_job_registry

    assert default_job_registry().get(MASHUP_JOB).cron == "0 5 1 * *"

    async def run() -> tuple[object, object]:
        runtime = await open_runtime(made.settings)
        try:
            everyone = SimpleNamespace(payload={}, domains=runtime.domains)
            one = SimpleNamespace(
                payload={"user_id": str(made.other), "pairs": 2}, domains=runtime.domains
            )
            return (
                await generate_mashups(everyone),  # type: ignore[arg-type]
                await generate_mashups(one),  # type: ignore[arg-type]
            )
        finally:
            await runtime.close()

    everyone, other = asyncio.run(run())
    assert everyone == {"users": 1, "made": 0}  # only mixer listened; their pair exists
    assert other == {"users": 1, "made": 0}  # neighbour has no plays
