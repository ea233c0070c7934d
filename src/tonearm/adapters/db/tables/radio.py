"""Internet radio stations (shared by every user, managed by admins)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class RadioStationRow(Base):
    """An internet radio station: a name and the URL of its endless stream."""

    __tablename__ = "radio_stations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    stream_url: Mapped[str] = mapped_column(String(2000))
    homepage_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
