"""The database adapter: SQLAlchemy engine, tables, migrations, repositories."""

from tonearm.adapters.db.database import Database, SchemaOutdated
from tonearm.adapters.db.jobs import SqlJobLedger
from tonearm.adapters.db.library import SqlSongRepository
from tonearm.adapters.db.search import SqlSongSearch
from tonearm.adapters.db.tokens import SqlRefreshTokenRepository
from tonearm.adapters.db.users import SqlUserRepository

__all__ = [
    "Database",
    "SchemaOutdated",
    "SqlJobLedger",
    "SqlRefreshTokenRepository",
    "SqlSongRepository",
    "SqlSongSearch",
    "SqlUserRepository",
]
