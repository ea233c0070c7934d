"""/api/smart-playlists: playlists whose songs follow rules, their preview and .nsp import.

Reading a smart playlist's songs is /api/playlists/{id} (it is a playlist, marked
`smart` and `read_only`); here are its rules and everything that changes them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel, Field

from tonearm.api.deps import CurrentUser, PlaylistsDep, SmartPlaylistsDep
from tonearm.api.rest.playlists import PlaylistComment, PlaylistName, PlaylistOut
from tonearm.api.rest.schemas import SongSummaryOut
from tonearm.playlists import KEEP
from tonearm.playlists.smart import (
    FIELDS,
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_RULES,
    Preview,
    operators_for,
    rules_to_json,
)

router = APIRouter(prefix="/smart-playlists", tags=["smart playlists"])


class RulesIn(BaseModel):
    """The rules: `rules` holds rules `{"field", "operator", "value"}` and nested groups
    `{"match", "rules"}` (at most 4 levels, 50 rules). GET /api/smart-playlists/fields lists
    the fields and their operators; an unknown one answers 400 naming it and its path."""

    match: Literal["all", "any"] = "all"
    rules: Annotated[list[dict[str, Any]], Field(max_length=MAX_RULES)] = []
    sort: Annotated[str, Field(max_length=32)] = "title"
    order: Literal["asc", "desc"] = "asc"
    limit: Annotated[int | None, Field(ge=1, le=MAX_LIMIT)] = None

    def as_json(self) -> dict[str, Any]:
        """The plain JSON the domain validates."""
        return self.model_dump(exclude_none=True)


class SmartPlaylistIn(BaseModel):
    """A smart playlist: its name, an optional comment and its rules."""

    name: PlaylistName
    comment: PlaylistComment | None = None
    rules: RulesIn


class SmartPlaylistOut(BaseModel):
    """The playlist (its songs: GET /api/playlists/{id}) and its rules."""

    playlist: PlaylistOut
    rules: dict[str, Any]
    refreshed_at: datetime
    valid_until: datetime


class PreviewOut(BaseModel):
    """What the rules pick now: how many songs and the first 20."""

    count: int
    songs: list[SongSummaryOut]

    @classmethod
    def from_domain(cls, preview: Preview) -> PreviewOut:
        """From the domain Preview."""
        return cls(
            count=preview.count,
            songs=[
                SongSummaryOut(
                    id=song.id,
                    title=song.title,
                    artists=list(song.artists),
                    album=song.album,
                    duration_ms=song.duration_ms,
                )
                for song in preview.songs
            ],
        )


class FieldOut(BaseModel):
    """A field rules can test, its value type, bounds and operators."""

    name: str
    label: str
    type: str
    operators: list[str]
    minimum: float | None
    maximum: float | None
    per_user: bool
    analysed: bool


class FieldsOut(BaseModel):
    """Everything the editor needs to offer valid rules."""

    fields: list[FieldOut]
    max_depth: int
    max_rules: int
    max_limit: int


async def _out(
    user_id: UUID, playlist_id: UUID, smart: SmartPlaylistsDep, playlists: PlaylistsDep
) -> SmartPlaylistOut:
    definition = await smart.definition(user_id, playlist_id)
    summary = (await playlists.get_playlist(user_id, playlist_id)).playlist
    return SmartPlaylistOut(
        playlist=PlaylistOut.from_domain(summary),
        rules=rules_to_json(definition.rules),
        refreshed_at=definition.refreshed_at,
        valid_until=definition.valid_until,
    )


@router.get("/fields", response_model=FieldsOut)
async def fields(user: CurrentUser) -> FieldsOut:
    """The fields, their types and operators, and the limits rules must keep."""
    return FieldsOut(
        fields=[
            FieldOut(
                name=spec.name,
                label=spec.label,
                type=spec.type.value,
                operators=[op.value for op in operators_for(spec)],
                minimum=spec.minimum,
                maximum=spec.maximum,
                per_user=spec.per_user,
                analysed=spec.analysed,
            )
            for spec in FIELDS.values()
        ],
        max_depth=MAX_DEPTH,
        max_rules=MAX_RULES,
        max_limit=MAX_LIMIT,
    )


@router.post("/preview", response_model=PreviewOut)
async def preview(body: RulesIn, user: CurrentUser, smart: SmartPlaylistsDep) -> PreviewOut:
    """Evaluate rules without saving: the number of songs they pick and the first 20."""
    return PreviewOut.from_domain(await smart.preview(user.id, body.as_json()))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SmartPlaylistOut)
async def create(
    body: SmartPlaylistIn, user: CurrentUser, smart: SmartPlaylistsDep, playlists: PlaylistsDep
) -> SmartPlaylistOut:
    """Create a smart playlist; its songs are evaluated at once."""
    playlist_id = await smart.create(user.id, body.name, body.rules.as_json(), body.comment)
    return await _out(user.id, playlist_id, smart, playlists)


@router.post("/import-nsp", status_code=status.HTTP_201_CREATED, response_model=SmartPlaylistOut)
async def import_nsp(
    user: CurrentUser,
    smart: SmartPlaylistsDep,
    playlists: PlaylistsDep,
    nsp: Annotated[dict[str, Any], Body(description="A Navidrome .nsp file's JSON")],
    name: Annotated[str | None, Query(max_length=200)] = None,
) -> SmartPlaylistOut:
    """Import a Navidrome `.nsp` smart playlist; unsupported fields answer 400 by name."""
    playlist_id = await smart.import_nsp(user.id, json.dumps(nsp), name)
    return await _out(user.id, playlist_id, smart, playlists)


@router.get("/{playlist_id}", response_model=SmartPlaylistOut)
async def get(
    playlist_id: UUID, user: CurrentUser, smart: SmartPlaylistsDep, playlists: PlaylistsDep
) -> SmartPlaylistOut:
    """The smart playlist's rules (404 for another user's, 403 for a plain playlist)."""
    return await _out(user.id, playlist_id, smart, playlists)


@router.put("/{playlist_id}", response_model=SmartPlaylistOut)
async def update(
    playlist_id: UUID,
    body: SmartPlaylistIn,
    user: CurrentUser,
    smart: SmartPlaylistsDep,
    playlists: PlaylistsDep,
) -> SmartPlaylistOut:
    """Replace name, comment (kept when left out) and rules; songs re-evaluated at once."""
    comment = body.comment if "comment" in body.model_fields_set else KEEP
    await smart.update(
        user.id, playlist_id, rules=body.rules.as_json(), name=body.name, comment=comment
    )
    return await _out(user.id, playlist_id, smart, playlists)


@router.delete("/{playlist_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(playlist_id: UUID, user: CurrentUser, smart: SmartPlaylistsDep) -> None:
    """Delete the smart playlist (the songs stay in the library)."""
    await smart.delete(user.id, playlist_id)
