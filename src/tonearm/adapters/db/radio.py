"""StationRepository on SQLAlchemy: `radio_stations`."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import RadioStationRow
from tonearm.radio.models import Station, StationNotFound


class SqlStationRepository:
    """One row per station."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list(self) -> list[Station]:
        """Every station by name (case-insensitively), then id."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RadioStationRow).order_by(
                    func.lower(RadioStationRow.name), RadioStationRow.id
                )
            )
            return [_to_station(row) for row in rows]

    async def get(self, station_id: UUID) -> Station:
        """One station; raises StationNotFound."""
        async with self._sessions() as session:
            row = await session.get(RadioStationRow, station_id)
            if row is None:
                raise StationNotFound(station_id)
            return _to_station(row)

    async def count(self) -> int:
        """How many stations there are."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(RadioStationRow)) or 0)

    async def add(self, station: Station) -> None:
        """Insert the station."""
        async with self._sessions.begin() as session:
            session.add(
                RadioStationRow(
                    id=station.id,
                    name=station.name,
                    stream_url=station.stream_url,
                    homepage_url=station.homepage_url,
                    created_at=station.created_at,
                    updated_at=station.updated_at,
                )
            )

    async def replace(self, station: Station) -> None:
        """Overwrite the row's fields; raises StationNotFound."""
        async with self._sessions.begin() as session:
            row = await session.get(RadioStationRow, station.id, with_for_update=True)
            if row is None:
                raise StationNotFound(station.id)
            row.name = station.name
            row.stream_url = station.stream_url
            row.homepage_url = station.homepage_url
            row.updated_at = station.updated_at

    async def delete(self, station_id: UUID) -> None:
        """Delete the row; raises StationNotFound when there was none."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(RadioStationRow).where(RadioStationRow.id == station_id)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise StationNotFound(station_id)


def _to_station(row: RadioStationRow) -> Station:
    return Station(
        id=row.id,
        name=row.name,
        stream_url=row.stream_url,
        homepage_url=row.homepage_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
