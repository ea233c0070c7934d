"""The calling user's stars, ratings and plays for a page of items (one query each)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong
from tonearm.listening import ListeningService
from tonearm.listening.user_state import ItemKind, UserState


async def song_states(
    call: SubsonicCall, listening: ListeningService, songs: Sequence[CatalogSong]
) -> dict[UUID, UserState]:
    """The user's marks on `songs`, by id (unmarked songs left out)."""
    return await listening.user_states(call.user.id, ItemKind.SONG, [song.id for song in songs])


async def album_states(
    call: SubsonicCall, listening: ListeningService, albums: Sequence[AlbumSummary]
) -> dict[UUID, UserState]:
    """The user's marks on `albums`, by id."""
    return await listening.user_states(call.user.id, ItemKind.ALBUM, [album.id for album in albums])


async def artist_states(
    call: SubsonicCall, listening: ListeningService, artists: Sequence[ArtistSummary]
) -> dict[UUID, UserState]:
    """The user's marks on `artists`, by id."""
    return await listening.user_states(
        call.user.id, ItemKind.ARTIST, [artist.id for artist in artists]
    )


__all__ = ["album_states", "artist_states", "song_states"]
