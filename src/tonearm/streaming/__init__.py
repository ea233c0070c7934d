"""Streaming: which rendition to serve, signed URLs for it, and the checks before serving."""

from tonearm.streaming.models import MediaCatalog, MediaNotFound, MediaSource, StreamTicket
from tonearm.streaming.quality import ClientConditions, Quality, QualityPreferences
from tonearm.streaming.service import StreamingPolicy, StreamService
from tonearm.streaming.tokens import MediaGrant, MediaTokens

__all__ = [
    "ClientConditions",
    "MediaCatalog",
    "MediaGrant",
    "MediaNotFound",
    "MediaSource",
    "MediaTokens",
    "Quality",
    "QualityPreferences",
    "StreamService",
    "StreamTicket",
    "StreamingPolicy",
]
