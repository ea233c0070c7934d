"""Which album a song belongs to, so a compilation or a multi-disc set stays one album.

Albums are found by (name, album artist), and by the MusicBrainz release id when the file
has one (the adapter looks that up first: a release id names one release whatever the
artist tags say, and two releases with the same name and different ids stay two albums).
The album artist is the album-artist tag; without one, a track flagged as part of a
compilation (ID3 TCMP, MP4 `cpil`, Vorbis COMPILATION) gets "Various Artists" (as
Navidrome and beets do), so a compilation's tracks by different artists are not split
into one album per track artist; other tracks fall back to their first artist. A disc
marker some taggers put into the album name ("Name (Disc 2)", "Name [CD 1]") is not part
of the album's name: it becomes the disc number, so every disc lands on one album.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tonearm.library.models import SongDraft

VARIOUS_ARTISTS = "Various Artists"

_DISC_SUFFIX = re.compile(
    r"^(?P<name>.*?\S)\s*(?:[-–:,]\s*)?[(\[]?\s*(?:disc|disk|cd)\s*(?P<disc>\d{1,2})"
    r"(?:\s*(?:of|/)\s*\d{1,2})?\s*[)\]]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AlbumPlace:
    """Where a song goes: its album (name, artist, release id) and its disc number."""

    name: str | None  # None: the song is on no album
    artist: str | None  # the album artist, also the song's album artist
    musicbrainz_id: str | None
    disc_number: int | None


def album_place(draft: SongDraft) -> AlbumPlace:
    """The album key and disc number of a song as tagged (see the module's rules)."""
    artist = draft.album_artist
    if artist is None and draft.compilation:
        artist = VARIOUS_ARTISTS
    if artist is None and draft.artists:
        artist = draft.artists[0]
    name, disc = split_disc_suffix(draft.album) if draft.album else (None, None)
    return AlbumPlace(
        name=name,
        artist=artist,
        musicbrainz_id=draft.musicbrainz_album_id,
        disc_number=draft.disc_number if draft.disc_number is not None else disc,
    )


def split_disc_suffix(album: str) -> tuple[str, int | None]:
    """`("Name", 2)` for "Name (Disc 2)", "Name [CD2]", "Name - Disc 2 of 3"; else the
    name unchanged and None. A name that is only a disc marker ("CD1") is kept as it is."""
    match = _DISC_SUFFIX.match(album)
    if match is None:
        return album, None
    return match.group("name"), int(match.group("disc"))
