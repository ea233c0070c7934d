"""/api/playlists: the signed-in user's own playlists and the order of their songs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tonearm.api.deps import CurrentUser, PlaylistsDep
from tonearm.api.rest.schemas import PlainText, SongSummaryOut
from tonearm.playlists import (
    KEEP,
    MAX_COMMENT_LENGTH,
    MAX_ENTRIES,
    MAX_NAME_LENGTH,
    Keep,
    Playlist,
    PlaylistContents,
    PlaylistEntry,
    PlaylistOrder,
)

router = APIRouter(prefix="/playlists", tags=["playlists"])

PlaylistName = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH)
]
PlaylistComment = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, max_length=MAX_COMMENT_LENGTH)
]
SongIds = Annotated[list[UUID], Field(max_length=MAX_ENTRIES)]
Position = Annotated[int, Field(ge=0, lt=MAX_ENTRIES, strict=True)]


class CreatePlaylistIn(BaseModel):
    """A new playlist: its name, an optional comment and the songs to start with."""

    name: PlaylistName
    comment: PlaylistComment | None = None
    song_ids: SongIds = []


class UpdatePlaylistIn(BaseModel):
    """What to change; a field left out stays as it is, `"comment": null` clears it."""

    name: PlaylistName | None = None
    comment: PlaylistComment | None = None

    def name_change(self) -> str | Keep:
        """The new name, or KEEP."""
        return KEEP if self.name is None else self.name

    def comment_change(self) -> str | Keep | None:
        """The new comment (None clears it), or KEEP when the field was left out."""
        return self.comment if "comment" in self.model_fields_set else KEEP


class AddSongsIn(BaseModel):
    """Songs to insert before `position` (0..n), or to append when it is left out."""

    song_ids: Annotated[list[UUID], Field(min_length=1, max_length=MAX_ENTRIES)]
    position: Position | None = None


class ReplaceSongsIn(BaseModel):
    """The playlist's whole new order (duplicates allowed)."""

    song_ids: SongIds


class MoveEntryIn(BaseModel):
    """Move the entry at `from` so that it ends up at `to`."""

    model_config = ConfigDict(populate_by_name=True)

    from_position: Position = Field(alias="from")
    to_position: Position = Field(alias="to")


class PlaylistOut(BaseModel):
    """A playlist without its entries; counts cover the songs still in the library."""

    id: UUID
    name: str
    comment: str | None
    auto_generated: bool
    read_only: bool  # read from a playlist file in a music folder: shown to all, edited by none
    # A smart playlist: its songs follow its rules (/api/smart-playlists) until valid_until.
    smart: bool = False
    valid_until: datetime | None = None
    song_count: int
    duration_ms: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, playlist: Playlist) -> PlaylistOut:
        """From the domain Playlist."""
        return cls(
            id=playlist.id,
            name=playlist.name,
            comment=playlist.comment,
            auto_generated=playlist.auto_generated,
            read_only=playlist.read_only,
            smart=playlist.smart,
            valid_until=playlist.valid_until,
            song_count=playlist.song_count,
            duration_ms=playlist.duration_ms,
            created_at=playlist.created_at,
            updated_at=playlist.updated_at,
        )


class PlaylistListOut(BaseModel):
    """The caller's playlists."""

    playlists: list[PlaylistOut]


class PlaylistEntryOut(BaseModel):
    """A position and its song; `available` is false once the song left the library."""

    position: int
    available: bool
    song: SongSummaryOut

    @classmethod
    def from_domain(cls, entry: PlaylistEntry) -> PlaylistEntryOut:
        """From the domain PlaylistEntry."""
        return cls(
            position=entry.position,
            available=entry.available,
            song=SongSummaryOut(
                id=entry.song_id,
                title=entry.title,
                artists=list(entry.artists),
                album=entry.album,
                duration_ms=entry.duration_ms,
            ),
        )


class PlaylistDetailOut(PlaylistOut):
    """A playlist and its entries in order (positions 0..n-1)."""

    entries: list[PlaylistEntryOut]

    @classmethod
    def from_contents(cls, contents: PlaylistContents) -> PlaylistDetailOut:
        """From the domain PlaylistContents."""
        return cls(
            **PlaylistOut.from_domain(contents.playlist).model_dump(),
            entries=[PlaylistEntryOut.from_domain(entry) for entry in contents.entries],
        )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlaylistDetailOut)
async def create_playlist(
    body: CreatePlaylistIn, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistDetailOut:
    """Create a playlist. Every song must be in the library (400 naming those that are not)."""
    contents = await playlists.create_playlist(user.id, body.name, body.comment, body.song_ids)
    return PlaylistDetailOut.from_contents(contents)


@router.get("", response_model=PlaylistListOut)
async def list_playlists(
    user: CurrentUser,
    playlists_service: PlaylistsDep,
    sort: Annotated[PlaylistOrder, Query(description="newest, updated or name")] = (
        PlaylistOrder.NEWEST
    ),
) -> PlaylistListOut:
    """The caller's own playlists with song counts and total durations."""
    playlists = await playlists_service.list_playlists(user.id, sort)
    return PlaylistListOut(playlists=[PlaylistOut.from_domain(p) for p in playlists])


@router.get("/{playlist_id}", response_model=PlaylistDetailOut)
async def get_playlist(
    playlist_id: UUID, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistDetailOut:
    """The playlist and its entries in order. Another user's playlist answers 404."""
    return PlaylistDetailOut.from_contents(await playlists.get_playlist(user.id, playlist_id))


@router.patch("/{playlist_id}", response_model=PlaylistOut)
async def update_playlist(
    playlist_id: UUID, body: UpdatePlaylistIn, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistOut:
    """Rename the playlist and/or change its comment."""
    playlist = await playlists.update_playlist(
        user.id, playlist_id, name=body.name_change(), comment=body.comment_change()
    )
    return PlaylistOut.from_domain(playlist)


@router.delete("/{playlist_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_playlist(playlist_id: UUID, user: CurrentUser, playlists: PlaylistsDep) -> None:
    """Delete the playlist (the songs stay in the library)."""
    await playlists.delete_playlist(user.id, playlist_id)


@router.post("/{playlist_id}/songs", response_model=PlaylistDetailOut)
async def add_songs(
    playlist_id: UUID, body: AddSongsIn, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistDetailOut:
    """Append songs, or insert them before `position`; a song may appear more than once."""
    contents = await playlists.add_songs(user.id, playlist_id, body.song_ids, body.position)
    return PlaylistDetailOut.from_contents(contents)


@router.put("/{playlist_id}/songs", response_model=PlaylistDetailOut)
async def replace_songs(
    playlist_id: UUID, body: ReplaceSongsIn, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistDetailOut:
    """Replace the whole order (how a drag-and-drop reorder is saved)."""
    contents = await playlists.replace_songs(user.id, playlist_id, body.song_ids)
    return PlaylistDetailOut.from_contents(contents)


@router.delete("/{playlist_id}/songs/{position}", response_model=PlaylistDetailOut)
async def remove_entry(
    playlist_id: UUID,
    position: Annotated[int, Path(ge=0, lt=MAX_ENTRIES)],
    user: CurrentUser,
    playlists: PlaylistsDep,
) -> PlaylistDetailOut:
    """Remove the entry at `position`; the entries after it move up by one."""
    contents = await playlists.remove_entries(user.id, playlist_id, [position])
    return PlaylistDetailOut.from_contents(contents)


@router.post("/{playlist_id}/move", response_model=PlaylistDetailOut)
async def move_entry(
    playlist_id: UUID, body: MoveEntryIn, user: CurrentUser, playlists: PlaylistsDep
) -> PlaylistDetailOut:
    """Move one entry from one position to another."""
    contents = await playlists.move_entry(
        user.id, playlist_id, body.from_position, body.to_position
    )
    return PlaylistDetailOut.from_contents(contents)
