"""Songs as `Child` entries carrying the caller's stars, ratings and plays (one query)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.marks import song_states
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import song_child
from tonearm.library.catalog import CatalogSong
from tonearm.library.catalog_service import CatalogService
from tonearm.listening import ListeningService


async def song_entries(
    call: SubsonicCall, listening: ListeningService, songs: Sequence[CatalogSong]
) -> list[Payload]:
    """`songs` as Child payloads, in order, with the caller's state on each."""
    states = await song_states(call, listening, songs)
    return [song_child(song, user_state=states.get(song.id)) for song in songs]


async def entries_of(
    call: SubsonicCall,
    listening: ListeningService,
    catalog: CatalogService,
    song_ids: Sequence[UUID],
) -> list[Payload]:
    """The live ones of `song_ids` as Child payloads, in the order given (repeats kept)."""
    return await song_entries(call, listening, await catalog.songs_in_order(song_ids))
