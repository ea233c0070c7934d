"""The database adapter: SQLAlchemy engine, tables, migrations, repositories."""

from tonearm.adapters.db.catalog_repository import SqlCatalog
from tonearm.adapters.db.database import Database, SchemaOutdated
from tonearm.adapters.db.jobs import SqlJobLedger
from tonearm.adapters.db.listening import SqlListeningRepository
from tonearm.adapters.db.media_catalog import SqlMediaCatalog
from tonearm.adapters.db.playlists import SqlPlaylistRepository
from tonearm.adapters.db.sessions import SqlWebSessionRepository
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.adapters.db.song_search import SqlSongSearch
from tonearm.adapters.db.tokens import SqlRefreshTokenRepository
from tonearm.adapters.db.users import SqlUserRepository

__all__ = [
    "Database",
    "SchemaOutdated",
    "SqlCatalog",
    "SqlJobLedger",
    "SqlListeningRepository",
    "SqlMediaCatalog",
    "SqlPlaylistRepository",
    "SqlRefreshTokenRepository",
    "SqlSongRepository",
    "SqlSongSearch",
    "SqlUserRepository",
    "SqlWebSessionRepository",
]
