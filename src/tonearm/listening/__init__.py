"""Users' listening: events, the play rule, history, stars (likes), ratings, preferences."""

from tonearm.listening.feed import ListeningFeed
from tonearm.listening.models import (
    MAX_EVENTS_PER_BATCH,
    BatchResult,
    CountedPlay,
    EventKind,
    HistoryEntry,
    IntakeOutcome,
    InvalidCursor,
    LikedSong,
    ListeningEvent,
    Page,
    PlayState,
    RejectedEvent,
    SongSummary,
    TooManyEvents,
)
from tonearm.listening.plays import SKIP_WINDOW, StoredEvent, Verdict, judge_plays
from tonearm.listening.preferences import (
    InvalidPreferences,
    NetworkType,
    Preferences,
    PreferredQuality,
    QualityCap,
    ReplayGainMode,
    preferences_from_document,
)
from tonearm.listening.repository import ListeningRepository, PlayJudge
from tonearm.listening.service import ListeningService, recent_plays_key
from tonearm.listening.stars import ItemNotFound, StarredItem, StarRepository, StarService
from tonearm.listening.user_state import NO_STATE, ItemKind, UserState

__all__ = [
    "MAX_EVENTS_PER_BATCH",
    "NO_STATE",
    "SKIP_WINDOW",
    "BatchResult",
    "CountedPlay",
    "EventKind",
    "HistoryEntry",
    "IntakeOutcome",
    "InvalidCursor",
    "InvalidPreferences",
    "ItemKind",
    "ItemNotFound",
    "LikedSong",
    "ListeningEvent",
    "ListeningFeed",
    "ListeningRepository",
    "ListeningService",
    "NetworkType",
    "Page",
    "PlayJudge",
    "PlayState",
    "Preferences",
    "PreferredQuality",
    "QualityCap",
    "RejectedEvent",
    "ReplayGainMode",
    "SongSummary",
    "StarRepository",
    "StarService",
    "StarredItem",
    "StoredEvent",
    "TooManyEvents",
    "UserState",
    "Verdict",
    "judge_plays",
    "preferences_from_document",
    "recent_plays_key",
]
