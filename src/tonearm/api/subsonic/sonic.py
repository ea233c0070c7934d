"""OpenSubsonic `sonicSimilarity`: getSonicSimilarTracks and findSonicPath (SonicSimilarity).

Both answer a top-level `sonicMatch` list of {entry: Child, similarity: 0-1}. A song not
analysed yet is code 70 (not found); a server that cannot compare (numpy missing) answers
code 30 ("server must upgrade": it lacks what the method needs), never 0, and then does not
list the extension in getOpenSubsonicExtensions.
"""

from __future__ import annotations

from tonearm.analysis.similarity import (
    DEFAULT_PATH,
    DEFAULT_SIMILAR,
    MAX_COUNT,
    SimilarityUnavailable,
    SonicMatch,
    SonicSimilarity,
)
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.errors import SERVER_MUST_UPGRADE, SubsonicError
from tonearm.api.subsonic.render import Payload
from tonearm.api.subsonic.responses import song_child


def _matches(found: list[SonicMatch]) -> Payload:
    return {
        "sonicMatch": [
            {"entry": song_child(match.song), "similarity": match.similarity} for match in found
        ]
    }


def _unavailable(error: SimilarityUnavailable) -> SubsonicError:
    return SubsonicError(SERVER_MUST_UPGRADE, str(error))


async def get_sonic_similar_tracks(call: SubsonicCall, sonic: SonicSimilarity) -> Payload:
    """Songs that sound like `id`, most similar first, at most `count` (default 10, at most
    500); similarity to `id`."""
    song_id = call.params.get_id("id")
    count = call.params.get_int("count", DEFAULT_SIMILAR, maximum=MAX_COUNT) or 0
    try:
        return _matches(await sonic.similar(song_id, count, viewer=call.user.id))
    except SimilarityUnavailable as error:
        raise _unavailable(error) from None


async def find_sonic_path(call: SubsonicCall, sonic: SonicSimilarity) -> Payload:
    """Up to `count` songs (default 25, 2 to 500) from `startSongId` to `endSongId` in small
    steps, the start first and the end last; similarity to the start."""
    start = call.params.get_id("startSongId")
    end = call.params.get_id("endSongId")
    count = call.params.get_int("count", DEFAULT_PATH, minimum=2, maximum=MAX_COUNT) or 2
    try:
        return _matches(await sonic.path(start, end, count, viewer=call.user.id))
    except SimilarityUnavailable as error:
        raise _unavailable(error) from None


__all__ = ["find_sonic_path", "get_sonic_similar_tracks"]
