"""OpenSubsonic sonicSimilarity: getSonicSimilarTracks and findSonicPath over analysed songs
(every answer validated against the XSD, with its OS: sonicMatch addition, and against the
specification's own OpenAPI schemas by SubsonicClient), decoded by py-opensonic's SonicMatch
model; the extension is declared only where the index can be built."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from libopensonic.media.media_types import SonicMatch

from tests.analysis.sonic_songs import add_analysed
from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


async def test_similar_tracks_and_a_path(subsonic: SubsonicClient, services: Runtime) -> None:
    ids = {a: str(await add_analysed(services, a, title=f"At {a}")) for a in (0, 20, 40, 60, 90)}

    for fmt in ("json", "xml"):
        await subsonic.request("getSonicSimilarTracks", {"id": ids[0], "count": 3}, fmt=fmt)
    similar = (await subsonic.call("getSonicSimilarTracks", {"id": ids[0], "count": 3}))[
        "sonicMatch"
    ]
    decoded = [SonicMatch.from_dict(match) for match in similar]
    assert [m.entry.title for m in decoded] == ["At 20", "At 40", "At 60"]
    assert decoded[0].entry.id == ids[20]
    assert 1 >= decoded[0].similarity > decoded[1].similarity > decoded[2].similarity >= 0
    default = (await subsonic.call("getSonicSimilarTracks", {"id": ids[0]}))["sonicMatch"]
    assert len(default) == 4  # every other analysed song (default count 10)

    params = {"startSongId": ids[0], "endSongId": ids[90], "count": 4}
    path = (await subsonic.call("findSonicPath", params))["sonicMatch"]
    assert [m["entry"]["title"] for m in path] == ["At 0", "At 20", "At 60", "At 90"]
    assert path[0]["similarity"] == 1.0
    xml = await subsonic.request("findSonicPath", params, fmt="xml")
    matches = ElementTree.fromstring(xml.content).findall(f"{NS}sonicMatch")
    assert [m.find(f"{NS}entry").get("title") for m in matches] == [  # type: ignore[union-attr]
        "At 0",
        "At 20",
        "At 60",
        "At 90",
    ]
    assert float(matches[0].get("similarity", "")) == 1.0


async def test_errors_have_codes(subsonic: SubsonicClient, services: Runtime) -> None:
    analysed = str(await add_analysed(services, 0))
    pending = str(await add_song(services))
    not_yet = await subsonic.fail("getSonicSimilarTracks", {"id": pending})
    assert not_yet["code"] == 70 and "not been analysed" in not_yet["message"]
    path = await subsonic.fail("findSonicPath", {"startSongId": analysed, "endSongId": pending})
    assert path["code"] == 70
    assert (await subsonic.fail("getSonicSimilarTracks", {}))["code"] == 10
    assert (await subsonic.fail("findSonicPath", {"startSongId": analysed}))["code"] == 10
    bad = await subsonic.fail("getSonicSimilarTracks", {"id": analysed, "count": "-1"})
    assert bad["code"] == 10 and "count" in bad["message"]
    # Counts beyond the bounds are clamped, like the other list methods' counts.
    assert (await subsonic.call("getSonicSimilarTracks", {"id": analysed, "count": 9999}))[
        "sonicMatch"
    ] == []


async def test_the_extension_is_declared_only_when_available(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    analysed = str(await add_analysed(services, 0))

    async def extensions() -> dict[str, list[int]]:
        found = (await subsonic.call("getOpenSubsonicExtensions"))["openSubsonicExtensions"]
        return {e["name"]: e["versions"] for e in found}

    assert (await extensions())["sonicSimilarity"] == [1]
    services.domains.sonic.available = False
    assert "sonicSimilarity" not in await extensions()
    error = await subsonic.fail("getSonicSimilarTracks", {"id": analysed})
    assert error["code"] == 30 and "numpy" in error["message"]
    error = await subsonic.fail("findSonicPath", {"startSongId": analysed, "endSongId": analysed})
    assert error["code"] == 30
