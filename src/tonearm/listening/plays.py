"""The play rule: which listening events count as a play.

A play counts (adds one to the song's play count, enters the history and `user:recent:`)
when it is **not followed by a skip of the same song in the same session within 30 s** of
the play's timestamp, or when the song is **completed**. In detail, for the events of one
user, session and song, in timestamp order:

- Each `play` (or `replay`) starts a *listen*; the `skip` and `complete` events after it,
  up to the next play of that song in the session, belong to that listen.
- A listen with a complete counts. Otherwise a skip at most 30 s after the play rejects it.
  Otherwise it counts as soon as the session has an event timestamped more than 30 s after
  the play, or the server's clock is more than 30 s past it. Until then it is `pending`.
- A complete with no play before it in the session counts on its own; so does the first
  complete after a play that was already rejected.
- A listen counts at most once: a complete after a counted play, or a play arriving late
  in front of a complete that already counted, adds nothing.

Events arrive in batches and out of order, so the rule is applied again to every listen a
batch touches and to every pending play. Counted and rejected are final: a skip that arrives
after its play was counted by time changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tonearm.listening.models import EventKind, PlayState

SKIP_WINDOW = timedelta(seconds=30)
LISTEN_STARTS = frozenset({EventKind.PLAY, EventKind.REPLAY})
# The only kinds the rule looks at; the others are recorded and nothing more.
JUDGED_KINDS = LISTEN_STARTS | {EventKind.SKIP, EventKind.COMPLETE}


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event of one user, session and song as the rule sees it."""

    row_id: int
    kind: EventKind
    occurred_at: datetime
    play_state: PlayState | None
    counted: bool  # this row already carries a count


@dataclass(frozen=True, slots=True)
class Verdict:
    """A change the rule decided for one row: its new state, and whether it now counts."""

    row_id: int
    play_state: PlayState
    counts: bool


def judge_plays(
    events: Sequence[StoredEvent], session_latest: datetime, now: datetime
) -> list[Verdict]:
    """The changes the play rule makes to the events of one user, session and song.

    `session_latest` is the newest timestamp of any event in the session (any song, any
    kind); `now` is the server's time. Rows that stay as they are get no verdict.
    """
    ordered = sorted(events, key=lambda event: (event.occurred_at, event.row_id))
    listens: list[list[StoredEvent]] = [[]]  # the first holds events before any play
    for event in ordered:
        if event.kind in LISTEN_STARTS:
            listens.append([event])
        elif event.kind in JUDGED_KINDS:
            listens[-1].append(event)
    verdicts: list[Verdict] = []
    for listen in listens:
        verdicts.extend(_judge_listen(listen, session_latest, now))
    return verdicts


def _judge_listen(
    listen: list[StoredEvent], session_latest: datetime, now: datetime
) -> list[Verdict]:
    start = listen[0] if listen and listen[0].kind in LISTEN_STARTS else None
    already_counted = any(event.counted for event in listen)
    first_complete = next((e for e in listen if e.kind is EventKind.COMPLETE), None)
    if start is None:
        if first_complete is not None and not already_counted:
            return [Verdict(first_complete.row_id, PlayState.COUNTED, counts=True)]
        return []
    if start.play_state is PlayState.REJECTED:
        # Final; but a complete that came after it still shows the song was heard.
        if first_complete is not None and not already_counted:
            return [Verdict(first_complete.row_id, PlayState.COUNTED, counts=True)]
        return []
    if start.play_state is PlayState.COUNTED:
        return []
    state = _judge_pending_play(start, listen, first_complete, session_latest, now)
    if state is PlayState.PENDING:
        return []
    return [Verdict(start.row_id, state, counts=state is PlayState.COUNTED and not already_counted)]


def _judge_pending_play(
    start: StoredEvent,
    listen: list[StoredEvent],
    first_complete: StoredEvent | None,
    session_latest: datetime,
    now: datetime,
) -> PlayState:
    if first_complete is not None:
        return PlayState.COUNTED
    deadline = start.occurred_at + SKIP_WINDOW
    if any(e.kind is EventKind.SKIP and e.occurred_at <= deadline for e in listen):
        return PlayState.REJECTED
    if session_latest > deadline or now > deadline:
        return PlayState.COUNTED
    return PlayState.PENDING


__all__ = ["JUDGED_KINDS", "LISTEN_STARTS", "SKIP_WINDOW", "StoredEvent", "Verdict", "judge_plays"]
