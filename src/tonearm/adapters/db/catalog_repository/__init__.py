"""CatalogRepository on SQLAlchemy (library/catalog.py): what browsing reads.

- repository.py: SqlCatalog, keyset-paged listings of songs, artists, albums, genres,
  folders, and the song entries of the change log
- songs.py: CatalogSongs built in bulk, and the keyset condition every listing pages by
- albums.py: what an album's songs' tags say about the album
- lists.py: offset-paged lists for the Subsonic API (album lists, random songs, covers)
- queries.py: the artist and album statements browsing and name search share
- names.py: artist and album search in folded names
- imported.py: the imported songs' virtual folder tree
"""

from tonearm.adapters.db.catalog_repository.repository import SqlCatalog

__all__ = ["SqlCatalog"]
