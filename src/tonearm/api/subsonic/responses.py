"""Domain models to Subsonic payload objects (Child, AlbumID3, ArtistID3, …).

Every builder returns a dict for render.py: attributes first, then the OpenSubsonic child
elements (which the XSD allows in any order, but before an album's or artist's own list,
so callers append `song` / `album` after). None values are left out (`compact`), so an
unrated item has no `userRating` and an unstarred one no `starred`, as the XSD requires.

What one user did with an item (starred, rating, plays) comes in as a UserState; without
one, the item shows as never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from tonearm.api.subsonic.ids import ArtKind, cover_art_id, folder_id
from tonearm.api.subsonic.render import Payload, compact
from tonearm.library import folding
from tonearm.library.catalog import AlbumSummary, ArtistSummary, CatalogSong, Credit
from tonearm.library.folders import FolderEntry, song_folder

# The articles names are sorted and indexed without ("The Beatles" under B).
IGNORED_ARTICLES = " ".join(folding.IGNORED_ARTICLES)

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "wav": "audio/wav",
    "aiff": "audio/aiff",
    "aif": "audio/aiff",
    "wma": "audio/x-ms-wma",
    "ape": "audio/x-ape",
    "wv": "audio/x-wavpack",
    "mpc": "audio/x-musepack",
    "tta": "audio/x-tta",
    "ac3": "audio/ac3",
    "ofr": "audio/x-optimfrog",
}
ItemT = TypeVar("ItemT")


def seconds(duration_ms: int) -> int:
    """A duration in whole seconds, as Subsonic counts them (rounded)."""
    return (duration_ms + 500) // 1000


def song_suffix(song: CatalogSong) -> str | None:
    """The original's file extension (lower case), from its format or its path."""
    if song.original_format:
        return song.original_format.lower()
    path = song.original_path or ""
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else None


def content_type(suffix: str | None) -> str | None:
    """The MIME type of an audio file extension."""
    if suffix is None:
        return None
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def display_artist(names: Sequence[str]) -> str | None:
    """Several credited artists as one line."""
    return " & ".join(names) if names else None


def song_path(song: CatalogSong, suffix: str | None) -> str:
    """A relative path for apps that file downloads by it: Artist/Album/NN - Title.ext.

    Made from the tags rather than the server's folders, so no server path leaks out.
    """
    artist = song.album_artist or (song.artists[0] if song.artists else "Unknown Artist")
    track = f"{song.track_number:02d} - " if song.track_number else ""
    name = f"{track}{song.title}" + (f".{suffix}" if suffix else "")
    parts = [artist, song.album or "Unknown Album", name]
    return "/".join(part.replace("/", "_") for part in parts)


def song_parent(song: CatalogSong) -> str | None:
    """The directory a song is listed in when browsed: its folder, or an imported song's
    virtual album (or artist) folder."""
    return folder_id(song_folder(song))


def song_child(song: CatalogSong, *, parent: str | None = None) -> Payload:
    """A song as a Subsonic `Child` with the OpenSubsonic fields and the marks it was read
    with; `parent` defaults to the directory the song is listed in (`song_parent`)."""
    state = song.user_state
    suffix = song_suffix(song)
    artist_refs = [
        {"id": str(artist_id), "name": name}
        for artist_id, name in zip(song.artist_ids, song.artists, strict=False)
    ]
    album_artists = (
        [{"id": str(song.album_artist_id), "name": song.album_artist}]
        if song.album_artist_id is not None and song.album_artist is not None
        else []
    )
    return compact(
        id=str(song.id),
        parent=parent or song_parent(song),
        isDir=False,
        title=song.title,
        album=song.album,
        artist=display_artist(song.artists),
        track=song.track_number,
        year=song.year,
        genre=song.genres[0] if song.genres else None,
        coverArt=song_cover_art(song),
        size=song.original_size_bytes,
        contentType=content_type(suffix),
        suffix=suffix,
        duration=seconds(song.duration_ms),
        bitRate=song.bitrate_kbps,
        path=song_path(song, suffix),
        userRating=state.rating,
        playCount=state.play_count,
        discNumber=song.disc_number,
        created=song.added_at,
        starred=state.starred_at,
        albumId=str(song.album_id) if song.album_id else None,
        artistId=str(song.artist_ids[0]) if song.artist_ids else None,
        type="music",
        isVideo=False,
        mediaType="song",
        played=state.played_at,
        bpm=subsonic_bpm(song),
        comment=song.comment,
        sortName=song.sort_title or None,
        musicBrainzId=song.musicbrainz_recording_id,
        samplingRate=song.sample_rate,
        bitDepth=song.bit_depth,
        channelCount=song.channels,
        displayArtist=display_artist(song.artists),
        displayAlbumArtist=song.album_artist,
        displayComposer=", ".join(song.composers) or None,
        isrc=[song.isrc] if song.isrc else [],
        genres=[{"name": name} for name in song.genres],
        artists=artist_refs,
        albumArtists=album_artists,
        contributors=[contributor(credit) for credit in song.contributors],
        moods=list(song.moods),
        replayGain=replay_gain(song),
    )


def subsonic_bpm(song: CatalogSong) -> int | None:
    """`bpm`: the file's BPM tag when it has one, else the analysed tempo (rounded)."""
    if song.bpm:
        return round(song.bpm)
    if song.analysed_tempo_bpm:
        return round(song.analysed_tempo_bpm)
    return None


def contributor(credit: Credit) -> Payload:
    """A song's credit as an OpenSubsonic `Contributor` (its artist as id and name)."""
    return compact(
        role=credit.role,
        subRole=credit.sub_role,
        artist={"id": str(credit.artist_id), "name": credit.name},
    )


_ITEM_DATE = re.compile(r"(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def item_date(text: str | None) -> Payload | None:
    """ "1969-09-26", "1969-09" or "1969" as an OpenSubsonic `ItemDate`; None for None."""
    found = _ITEM_DATE.fullmatch(text or "")
    if found is None:
        return None  # absent, or stored text that is no date: leave the field out
    year, month, day = (int(part) if part else None for part in found.groups())
    return compact(year=year, month=month, day=day)


def song_cover_art(song: CatalogSong) -> str | None:
    """The coverArt id of a song: its own cover, else its album's (resolved when asked)."""
    if song.has_art:
        return cover_art_id(ArtKind.SONG, song.id)
    return None


def replay_gain(song: CatalogSong) -> Payload | None:
    """The OpenSubsonic `replayGain` of a song; None when nothing is known."""
    gains = compact(
        trackGain=song.replaygain_track_gain_db,
        albumGain=song.replaygain_album_gain_db,
        trackPeak=song.replaygain_track_peak,
        albumPeak=song.replaygain_album_peak,
    )
    return gains or None


def album_id3(album: AlbumSummary) -> Payload:
    """An album as a Subsonic `AlbumID3` with the OpenSubsonic fields (no songs: add
    `"song": [...]` after it for AlbumWithSongsID3)."""
    state = album.user_state
    return compact(
        id=str(album.id),
        name=album.name,
        artist=album.artist,
        artistId=str(album.artist_id) if album.artist_id else None,
        coverArt=cover_art_id(ArtKind.ALBUM, album.id) if album.has_art else None,
        songCount=album.song_count,
        duration=seconds(album.duration_ms),
        playCount=state.play_count,
        created=album.added_at,
        starred=state.starred_at,
        year=album.year,
        genre=album.genre,
        played=state.played_at,
        userRating=state.rating,
        musicBrainzId=album.musicbrainz_id,
        displayArtist=album.artist,
        sortName=album.sort_name or None,
        isCompilation=album.is_compilation,
        genres=[{"name": name} for name in album.genres],
        recordLabels=[{"name": name} for name in album.record_labels],
        releaseTypes=list(album.release_types),
        moods=list(album.moods),
        originalReleaseDate=item_date(album.original_date),
        artists=(
            [{"id": str(album.artist_id), "name": album.artist}]
            if album.artist_id is not None and album.artist is not None
            else []
        ),
    )


def album_child(album: AlbumSummary) -> Payload:
    """An album as a directory `Child` (getAlbumList, search2, an artist's directory)."""
    state = album.user_state
    return compact(
        id=str(album.id),
        parent=str(album.artist_id) if album.artist_id else None,
        isDir=True,
        title=album.name,
        album=album.name,
        artist=album.artist,
        year=album.year,
        genre=album.genre,
        coverArt=cover_art_id(ArtKind.ALBUM, album.id) if album.has_art else None,
        duration=seconds(album.duration_ms),
        userRating=state.rating,
        playCount=state.play_count,
        created=album.added_at,
        starred=state.starred_at,
        albumId=str(album.id),
        artistId=str(album.artist_id) if album.artist_id else None,
        mediaType="album",
        played=state.played_at,
        sortName=album.sort_name or None,
        musicBrainzId=album.musicbrainz_id,
        displayArtist=album.artist,
    )


def artist_id3(artist: ArtistSummary) -> Payload:
    """An artist as a Subsonic `ArtistID3` (add `"album": [...]` after it for
    ArtistWithAlbumsID3)."""
    state = artist.user_state
    return compact(
        id=str(artist.id),
        name=artist.name,
        # Only when some song of the artist has art, so the id answers with an image.
        coverArt=cover_art_id(ArtKind.ARTIST, artist.id) if artist.has_art else None,
        albumCount=artist.album_count,
        starred=state.starred_at,
        musicBrainzId=artist.musicbrainz_id,
        sortName=artist.sort_name or None,
        userRating=state.rating,
    )


def index_artist(artist: ArtistSummary) -> Payload:
    """An artist as an `Artist` of getIndexes and search2."""
    state = artist.user_state
    return compact(
        id=str(artist.id), name=artist.name, starred=state.starred_at, userRating=state.rating
    )


def directory_child(folder: FolderEntry, *, parent: str | None = None) -> Payload:
    """A folder as a directory `Child` of getMusicDirectory or getIndexes."""
    return compact(
        id=folder_id(folder.path),
        parent=parent,
        isDir=True,
        title=folder.name,
    )


def index_key(name: str) -> str:
    """What a name sorts by in an index: folded, without a leading article."""
    return folding.sort_key(name)


def index_letter(name: str) -> str:
    """The index a name is filed under: its folded first letter, upper case, or `#`."""
    return folding.index_letter(name)


def indexed(
    items: Iterable[ItemT], name: Callable[[ItemT], str], build: Callable[[ItemT], Payload]
) -> list[Payload]:
    """Items grouped by index letter (`#` first, then A–Z, then other scripts), sorted by
    folded name in each (library/folding.py: "Élodie" under E, "The Quiet Engines" under Q)."""
    groups: dict[str, list[tuple[tuple[str, str], Payload]]] = {}
    for item in items:
        item_name = name(item)
        key = (index_key(item_name), item_name)
        groups.setdefault(index_letter(item_name), []).append((key, build(item)))
    return [
        {"name": letter, "artist": [payload for _, payload in sorted(groups[letter], key=_first)]}
        for letter in sorted(groups, key=folding.index_order)
    ]


def _first(pair: tuple[tuple[str, str], Payload]) -> tuple[str, str]:
    return pair[0]


__all__ = [
    "CONTENT_TYPES",
    "IGNORED_ARTICLES",
    "album_child",
    "album_id3",
    "artist_id3",
    "content_type",
    "contributor",
    "directory_child",
    "index_artist",
    "index_key",
    "index_letter",
    "indexed",
    "item_date",
    "replay_gain",
    "seconds",
    "song_child",
    "song_cover_art",
    "song_parent",
    "song_path",
    "song_suffix",
]
