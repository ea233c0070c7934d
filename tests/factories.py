"""Factories for valid domain values: a test names only what it is about."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace
from typing import Any

from tonearm.library.models import SongDraft

_counter = itertools.count(1)


def make_draft(**overrides: Any) -> SongDraft:
    """A valid SongDraft with unique title and audio hash; override any field."""
    n = next(_counter)
    draft = SongDraft(
        title=f"Song {n}",
        artists=(f"Artist {n}",),
        album=f"Album {n}",
        album_artist=None,
        track_number=1,
        track_total=10,
        disc_number=1,
        disc_total=1,
        year=2020,
        genres=("Rock",),
        duration_ms=180_000,
        audio_hash=uuid.uuid4().hex + uuid.uuid4().hex,
        original_path=None,
        original_key=f"original/{uuid.uuid4()}.flac",
        folder_path=None,
        original_format="flac",
        original_size_bytes=1000,
        original_mtime_ns=None,
    )
    return replace(draft, **overrides)
