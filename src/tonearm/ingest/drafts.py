"""A song as its tags and its file describe it: the draft both phase 1 and the full pipeline
start from (the pipeline then adds what its decode measured)."""

from __future__ import annotations

from pathlib import Path

from tonearm.ingest.models import SongTags
from tonearm.library.models import SongDraft
from tonearm.library.paths import path_to_text


def draft_from_tags(
    path: Path,
    tags: SongTags,
    *,
    in_place: bool,
    size_bytes: int,
    mtime_ns: int,
    duration_ms: int,
    audio_hash: str,
    original_key: str | None = None,
) -> SongDraft:
    """The draft of the file at `path` (read in place, or copied to `original_key`), with no
    analysis yet: loudness, ReplayGain and fingerprint are left empty."""
    return SongDraft(
        title=tags.title or path.stem,
        artists=tags.artists,
        album=tags.album,
        album_artist=tags.album_artist,
        track_number=tags.track_number,
        track_total=tags.track_total,
        disc_number=tags.disc_number,
        disc_total=tags.disc_total,
        year=tags.year,
        genres=tags.genres,
        duration_ms=duration_ms,
        audio_hash=audio_hash,
        original_path=path_to_text(path) if in_place else None,
        original_key=original_key,
        folder_path=path_to_text(path.parent) if in_place else None,
        original_format=tags.container or path.suffix.lstrip(".").lower(),
        original_size_bytes=size_bytes,
        original_mtime_ns=mtime_ns if in_place else None,
        musicbrainz_recording_id=tags.musicbrainz_recording_id,
        musicbrainz_album_id=tags.musicbrainz_album_id,
        isrc=tags.isrc,
        compilation=tags.compilation,
        musicbrainz_artist_id=tags.musicbrainz_artist_id,
        musicbrainz_album_artist_id=tags.musicbrainz_album_artist_id,
        title_sort=tags.title_sort,
        artist_sort=tags.artist_sort,
        album_artist_sort=tags.album_artist_sort,
        album_sort=tags.album_sort,
        bpm=tags.bpm,
        comment=tags.comment,
        contributors=tags.contributors,
        original_date=tags.original_date,
        release_types=tags.release_types,
        record_labels=tags.record_labels,
        moods=tags.moods,
        sample_rate=tags.sample_rate,
        bit_depth=tags.bit_depth,
        channels=tags.channels,
        lyrics=tags.lyrics,
        synced_lyrics=(
            [{"time_ms": line.time_ms, "text": line.text} for line in tags.synced_lyrics] or None
        ),
    )
