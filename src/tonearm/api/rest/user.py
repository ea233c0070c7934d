"""/api/user (history, likes, preferences) and /api/songs/{id}/like: a user's own data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from tonearm.api.deps import CurrentUser, ListeningDep, StarsDep
from tonearm.api.rest.schemas import SongSummaryOut
from tonearm.listening import (
    HistoryEntry,
    LikedSong,
    NetworkType,
    Page,
    Preferences,
    PreferredQuality,
    QualityCap,
    ReplayGainMode,
    preferences_from_document,
)
from tonearm.listening.preferences import (
    DEFAULT_OFFLINE_CACHE_MB,
    MAX_FAVOURITE_GENRES,
    MAX_OFFLINE_CACHE_MB,
    MIN_OFFLINE_CACHE_MB,
    Theme,
)

router = APIRouter(tags=["user"])

Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Before = Annotated[
    str | None, Query(max_length=200, description="`next_before` of the previous page")
]


class PlayOut(BaseModel):
    """A counted play."""

    song: SongSummaryOut
    played_at: datetime


class HistoryOut(BaseModel):
    """A page of counted plays, newest first."""

    items: list[PlayOut]
    next_before: str | None

    @classmethod
    def from_domain(cls, page: Page[HistoryEntry]) -> HistoryOut:
        """From a page of history entries."""
        return cls(
            items=[
                PlayOut(song=SongSummaryOut.from_domain(e.song), played_at=e.played_at)
                for e in page.items
            ],
            next_before=page.next_cursor,
        )


class LikeOut(BaseModel):
    """A liked song."""

    song: SongSummaryOut
    liked_at: datetime


class LikesOut(BaseModel):
    """A page of liked songs, most recently liked first."""

    items: list[LikeOut]
    next_before: str | None

    @classmethod
    def from_domain(cls, page: Page[LikedSong]) -> LikesOut:
        """From a page of liked songs."""
        return cls(
            items=[
                LikeOut(song=SongSummaryOut.from_domain(e.song), liked_at=e.liked_at)
                for e in page.items
            ],
            next_before=page.next_cursor,
        )


class PreferencesBody(BaseModel):
    """All of a user's preferences; PUT replaces them, and a missing field takes its default."""

    model_config = ConfigDict(extra="forbid")

    quality: dict[NetworkType, PreferredQuality] = Field(
        default_factory=dict, description="quality per network type; unset ones are `auto`"
    )
    max_quality: QualityCap | None = Field(default=None, description="never stream above this")
    data_saver: bool = Field(
        default=False, strict=True, description="caps cellular networks at `low`"
    )
    favourite_genres: list[str] = Field(default_factory=list, max_length=MAX_FAVOURITE_GENRES)
    offline_cache_mb: int = Field(
        default=DEFAULT_OFFLINE_CACHE_MB,
        ge=MIN_OFFLINE_CACHE_MB,
        le=MAX_OFFLINE_CACHE_MB,
        strict=True,
    )
    replaygain: ReplayGainMode = ReplayGainMode.TRACK
    theme: Theme = Field(default=Theme.SYSTEM, description="the web player's colours")

    def to_domain(self) -> Preferences:
        """The domain Preferences; raises InvalidPreferences."""
        return preferences_from_document(self.model_dump(mode="json"))

    @classmethod
    def from_domain(cls, preferences: Preferences) -> PreferencesBody:
        """From the domain Preferences (every network type listed)."""
        return cls.model_validate(preferences.to_document())


@router.get("/user/history", response_model=HistoryOut)
async def history(
    user: CurrentUser, listening: ListeningDep, limit: Limit = 50, before: Before = None
) -> HistoryOut:
    """Your counted plays, newest first (see the play rule in the README)."""
    return HistoryOut.from_domain(await listening.history(user.id, limit, before))


@router.get("/user/likes", response_model=LikesOut)
async def likes(
    user: CurrentUser, stars: StarsDep, limit: Limit = 50, before: Before = None
) -> LikesOut:
    """The songs you like (the same as Subsonic stars), most recently liked first."""
    return LikesOut.from_domain(await stars.likes(user.id, limit, before))


@router.put("/songs/{song_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def like_song(song_id: UUID, user: CurrentUser, stars: StarsDep) -> None:
    """Like (star) a song; liking it again changes nothing."""
    await stars.like(user.id, song_id)


@router.delete("/songs/{song_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def unlike_song(song_id: UUID, user: CurrentUser, stars: StarsDep) -> None:
    """Stop liking (unstar) a song."""
    await stars.unlike(user.id, song_id)


@router.get("/user/preferences", response_model=PreferencesBody)
async def get_preferences(user: CurrentUser, listening: ListeningDep) -> PreferencesBody:
    """Your preferences; defaults for what you never set."""
    return PreferencesBody.from_domain(await listening.preferences_for(user.id))


@router.put("/user/preferences", response_model=PreferencesBody)
async def put_preferences(
    body: PreferencesBody, user: CurrentUser, listening: ListeningDep
) -> PreferencesBody:
    """Replace your preferences as a whole; unknown keys are refused (400)."""
    saved = await listening.set_preferences(user.id, body.to_domain())
    return PreferencesBody.from_domain(saved)
