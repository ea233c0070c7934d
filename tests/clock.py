"""FakeClock: the one clock tests move on instead of sleeping.

    clock = FakeClock()                      # now, to the whole second, in UTC
    services = await open_runtime(settings, clock=clock)
    clock.advance(minutes=5)                 # or clock.advance(30): seconds

It is what the services take as `clock` (a callable returning an aware UTC datetime); for
what counts monotonic seconds instead (MemoryCache), pass `clock.monotonic`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def _now_to_the_second() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class FakeClock:
    """A clock that only moves when told to (or when `now` is set)."""

    now: datetime = field(default_factory=_now_to_the_second)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """Move on by `seconds` and/or timedelta's keywords (minutes=, hours=, days=)."""
        self.now += timedelta(seconds=seconds, **delta)

    def monotonic(self) -> float:
        """The same time as seconds, for clocks that count seconds (MemoryCache)."""
        return self.now.timestamp()

    def epoch_ms(self, seconds_from_now: float = 0) -> int:
        """Milliseconds since the epoch, `seconds_from_now` after now (Subsonic's times)."""
        return int((self.now + timedelta(seconds=seconds_from_now)).timestamp() * 1000)


__all__ = ["FakeClock"]
