"""Smart playlists: rules over the library and the owner's listening, evaluated in SQL."""

from tonearm.playlists.smart.models import (
    PREVIEW_SONGS,
    REFRESH_AFTER,
    NotSmart,
    Preview,
    PreviewSong,
    SmartDefinition,
    SmartPlaylistReadOnly,
)
from tonearm.playlists.smart.nsp import NspPlaylist, parse_nsp
from tonearm.playlists.smart.repository import SmartPlaylistRepository
from tonearm.playlists.smart.rules import (
    FIELDS,
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_RULES,
    FieldType,
    InvalidRules,
    Operator,
    SmartRules,
    operators_for,
    parse_rules,
    rules_to_json,
)
from tonearm.playlists.smart.service import SmartPlaylistService

__all__ = [
    "FIELDS",
    "MAX_DEPTH",
    "MAX_LIMIT",
    "MAX_RULES",
    "PREVIEW_SONGS",
    "REFRESH_AFTER",
    "FieldType",
    "InvalidRules",
    "NotSmart",
    "NspPlaylist",
    "Operator",
    "Preview",
    "PreviewSong",
    "SmartDefinition",
    "SmartPlaylistReadOnly",
    "SmartPlaylistRepository",
    "SmartPlaylistService",
    "SmartRules",
    "operators_for",
    "parse_nsp",
    "parse_rules",
    "rules_to_json",
]
