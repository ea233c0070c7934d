"""judge_plays alone: the edges of the 30-second window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tonearm.listening import EventKind, PlayState, StoredEvent, Verdict, judge_plays

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def stored(
    row_id: int, kind: EventKind, seconds: float, state: PlayState | None = None
) -> StoredEvent:
    if state is None and kind in (EventKind.PLAY, EventKind.REPLAY):
        state = PlayState.PENDING
    return StoredEvent(row_id, kind, T0 + timedelta(seconds=seconds), state, counted=False)


def test_a_skip_at_exactly_30_seconds_rejects() -> None:
    events = [stored(1, EventKind.PLAY, 0), stored(2, EventKind.SKIP, 30)]
    assert judge_plays(events, T0 + timedelta(seconds=30), T0 + timedelta(hours=1)) == [
        Verdict(1, PlayState.REJECTED, counts=False)
    ]


def test_a_play_stays_pending_until_30_seconds_have_passed() -> None:
    events = [stored(1, EventKind.PLAY, 0)]
    assert judge_plays(events, T0, T0 + timedelta(seconds=30)) == []
    assert judge_plays(events, T0, T0 + timedelta(seconds=30.001)) == [
        Verdict(1, PlayState.COUNTED, counts=True)
    ]


def test_a_skip_belongs_to_the_latest_play_before_it() -> None:
    # Played twice; the skip 5 s after the second play rejects only the second.
    events = [
        stored(1, EventKind.PLAY, 0),
        stored(2, EventKind.REPLAY, 100),
        stored(3, EventKind.SKIP, 105),
    ]
    verdicts = judge_plays(events, T0 + timedelta(seconds=105), T0 + timedelta(seconds=106))
    assert verdicts == [
        Verdict(1, PlayState.COUNTED, counts=True),
        Verdict(2, PlayState.REJECTED, counts=False),
    ]


def test_a_complete_after_a_rejected_play_counts_on_its_own() -> None:
    events = [
        stored(1, EventKind.PLAY, 0, PlayState.REJECTED),
        stored(2, EventKind.SKIP, 5),
        stored(3, EventKind.COMPLETE, 200),
    ]
    assert judge_plays(events, T0 + timedelta(seconds=200), T0) == [
        Verdict(3, PlayState.COUNTED, counts=True)
    ]


def test_only_the_first_of_several_lone_completes_counts() -> None:
    events = [stored(1, EventKind.COMPLETE, 0), stored(2, EventKind.COMPLETE, 10)]
    assert judge_plays(events, T0, T0) == [Verdict(1, PlayState.COUNTED, counts=True)]
