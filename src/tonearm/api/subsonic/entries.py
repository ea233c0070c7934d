"""Songs as `Child` entries carrying the caller's stars, ratings and plays (read with the
songs: the catalogue's reads for a viewer)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import song_child
from tonearm.library.catalog import CatalogSong
from tonearm.library.catalog_service import CatalogService


def song_entries(songs: Sequence[CatalogSong]) -> list[Payload]:
    """`songs` (read for the caller) as Child payloads, in order."""
    return [song_child(song) for song in songs]


async def entries_of(
    call: SubsonicCall, catalog: CatalogService, song_ids: Sequence[UUID]
) -> list[Payload]:
    """The live ones of `song_ids` as Child payloads with the caller's marks, in the order
    given (repeats kept)."""
    return song_entries(await catalog.songs_in_order(song_ids, viewer=call.user.id))
