"""Database: the engine, its sessions, migrations and a liveness check, in one handle."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tonearm.adapters.db.engine import (
    ReadSessions,
    RowReads,
    SerializedWriteSessions,
    open_engine,
    session_factory,
)
from tonearm.adapters.db.migrate import current_revision, head_revision, upgrade_database
from tonearm.errors import Unavailable
from tonearm.settings import mask_url


class SchemaOutdated(Unavailable):
    """The database's schema is older (or newer) than this version of tonearm expects."""


class Database:
    """An open database: engine, session factory, migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = open_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine=self.engine)
        loop_reader = None
        if isinstance(self.sessions, SerializedWriteSessions):
            loop_reader = self.sessions.reader_engine
        # The hottest single-row lookups, and browsing's reads (engine.py).
        self.row_reads = RowReads(self.engine, loop_reader)
        self.read_sessions = ReadSessions(self.sessions, loop_reader)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    async def check(self) -> None:
        """Run `SELECT 1`; raise Unavailable with the reason when that fails."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise Unavailable(f"cannot reach {mask_url(self.url)} ({reason})") from None

    async def upgrade(self) -> None:
        """Migrate the schema to the newest revision."""
        await upgrade_database(self.engine)

    async def check_schema(self) -> None:
        """Raise SchemaOutdated unless the schema is at this version's head revision."""
        current, head = await current_revision(self.engine), head_revision()
        if current != head:
            raise SchemaOutdated(
                f"database schema is at {current or 'nothing'}, this tonearm needs {head}: "
                "run `tonearm db upgrade`"
            )

    async def close(self) -> None:
        """Close every pooled connection (and SQLite's writer thread)."""
        if isinstance(self.sessions, SerializedWriteSessions):
            self.sessions.close()
        await self.row_reads.close()
        await self.engine.dispose()
