"""A mashup put straight into the store and the database (no rendering), for tests of how
mashups are listed and played."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from tonearm.adapters.db.mashups import SqlMashupRepository
from tonearm.analysis.mashup_pairs import PairReason
from tonearm.analysis.mashups import Mashup
from tonearm.app import Runtime

# Not a playable MP3: the API tests look at bytes and ranges only.
FAKE_MP3 = b"ID3" + bytes(range(256)) * 24

REASON = PairReason(
    lead_bpm=120.0,
    under_bpm=113.0,
    tempo_factor=1.0,
    stretch=1.062,
    lead_key="8B",
    under_key="8A",
    lead_plays=5,
    under_plays=4,
)


async def store_mashup(
    runtime: Runtime,
    owner_id: UUID,
    *,
    title: str = "Artist A – Song A × Artist B – Song B",
    body: bytes = FAKE_MP3,
    duration_ms: int = 3000,
    lead_song_id: UUID | None = None,
    created_at: datetime | None = None,
) -> Mashup:
    """Store `body` as one of the owner's mashups and return it."""
    mashup_id = uuid4()
    key = f"mashups/{owner_id}/{mashup_id}.mp3"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.mp3"
        path.write_bytes(body)
        info = await runtime.store.put_file(key, path, "audio/mpeg")
    mashup = Mashup(
        id=mashup_id,
        owner_id=owner_id,
        title=title,
        lead_song_id=lead_song_id or uuid4(),
        under_song_id=uuid4(),
        pair_key=f"pair-{mashup_id}",
        storage_key=key,
        duration_ms=duration_ms,
        size_bytes=info.size_bytes,
        reason=REASON,
        created_at=created_at or datetime.now(UTC).replace(microsecond=0),
    )
    assert await SqlMashupRepository(runtime.database.sessions).add(mashup)
    return mashup
