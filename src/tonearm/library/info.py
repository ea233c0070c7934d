"""What the library can tell about an artist or an album from its own data (the Subsonic
info methods): the MusicBrainz id, cover images and similar artists.

No outside source is asked: images are signed URLs of a stored cover (an artist's from its
first album with art), similar artists share genres here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from tonearm.errors import NotFound
from tonearm.library.catalog import ArtistSummary, CatalogSong
from tonearm.library.catalog_service import CatalogService
from tonearm.library.related import RelatedMusic


class CoverSigner(Protocol):
    """Signs cover image paths for a user (the streaming domain's StreamService)."""

    async def art_path(self, user_id: UUID, song_id: UUID, size_px: int) -> str:
        """A signed path of the stored cover nearest `size_px`; NotFound without one."""
        ...


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """An artist's or album's MusicBrainz id, and signed cover paths by requested size."""

    musicbrainz_id: str | None
    image_paths: dict[int, str]


@dataclass(frozen=True, slots=True)
class ArtistInfo(ItemInfo):
    """An artist's info and the artists most like it here."""

    similar: list[ArtistSummary]


class MusicInfo:
    """Artist and album info from the catalogue, related music and stored covers."""

    def __init__(self, catalog: CatalogService, related: RelatedMusic, covers: CoverSigner):
        self._catalog = catalog
        self._related = related
        self._covers = covers

    async def artist(
        self, user_id: UUID, artist_id: UUID, similar_count: int, sizes_px: Sequence[int]
    ) -> ArtistInfo:
        """An artist's info (ArtistNotFound for an unknown id); its images are the cover of
        its newest album that has one, its similar artists carry `user_id`'s marks."""
        detail = await self._catalog.artist(artist_id)
        similar = await self._related.similar_artists(
            detail.artist.id, similar_count, viewer=user_id
        )
        with_art = next((album for album in detail.albums if album.has_art), None)
        tracks = (await self._catalog.album(with_art.id)).tracks if with_art else ()
        images = await self._images(user_id, tracks, sizes_px)
        return ArtistInfo(detail.artist.musicbrainz_id, images, similar)

    async def album(self, user_id: UUID, album_id: UUID, sizes_px: Sequence[int]) -> ItemInfo:
        """An album's info (AlbumNotFound for an unknown id)."""
        detail = await self._catalog.album(album_id)
        images = await self._images(user_id, detail.tracks, sizes_px)
        return ItemInfo(detail.album.musicbrainz_id, images)

    async def cover_path(self, user_id: UUID, item_kind: str, item_id: UUID, size_px: int) -> str:
        """A signed path, for `user_id`, of the stored cover nearest `size_px` standing for an
        album (`item_kind` album: its first track with art) or an artist (its first album's);
        NotFound when none has one."""
        song_id = await self._catalog.cover_song(item_kind, item_id)
        if song_id is None:
            raise NotFound(f"no cover art for {item_kind} {item_id}")
        return await self._covers.art_path(user_id, song_id, size_px)

    async def _images(
        self, user_id: UUID, songs: Sequence[CatalogSong], sizes_px: Sequence[int]
    ) -> dict[int, str]:
        cover = next((song for song in songs if song.has_art), None)
        if cover is None:
            return {}
        paths = {}
        for size_px in sizes_px:
            try:
                paths[size_px] = await self._covers.art_path(user_id, cover.id, size_px)
            except NotFound:
                return {}  # the cover went away since the catalogue was read: none at all
        return paths


__all__ = ["ArtistInfo", "CoverSigner", "ItemInfo", "MusicInfo"]
