"""Where stations are kept. Implemented in adapters/db/radio.py."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from tonearm.radio.models import Station


class StationRepository(Protocol):
    """Internet radio stations, shared by every user."""

    async def list(self) -> list[Station]:
        """Every station, by name (case-insensitively), then id."""
        ...

    async def get(self, station_id: UUID) -> Station:
        """One station; raises StationNotFound."""
        ...

    async def count(self) -> int:
        """How many stations there are."""
        ...

    async def add(self, station: Station) -> None:
        """Store a new station."""
        ...

    async def replace(self, station: Station) -> None:
        """Overwrite the station with this id; raises StationNotFound."""
        ...

    async def delete(self, station_id: UUID) -> None:
        """Remove the station; raises StationNotFound."""
        ...


class StreamTitleReader(Protocol):
    """Reads the title a stream announces now (ICY metadata). Implemented in
    adapters/icy.py."""

    async def read_title(self, stream_url: str) -> str | None:
        """The stream's current title, or None when it sends none, cannot be reached in
        time or answers something else than an ICY stream."""
        ...
