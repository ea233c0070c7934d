"""Where users stopped: bookmarks in songs and the play queue saved across devices."""

from tonearm.resume.models import (
    MAX_BOOKMARK_COMMENT_LENGTH,
    MAX_QUEUE_LENGTH,
    Bookmark,
    BookmarkNotFound,
    InvalidBookmark,
    InvalidPlayQueue,
    PlayQueue,
)
from tonearm.resume.repository import ResumeRepository
from tonearm.resume.service import ResumeService, index_of_song

__all__ = [
    "MAX_BOOKMARK_COMMENT_LENGTH",
    "MAX_QUEUE_LENGTH",
    "Bookmark",
    "BookmarkNotFound",
    "InvalidBookmark",
    "InvalidPlayQueue",
    "PlayQueue",
    "ResumeRepository",
    "ResumeService",
    "index_of_song",
]
