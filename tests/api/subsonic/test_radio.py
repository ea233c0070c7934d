"""Subsonic internet radio: getInternetRadioStations, createInternetRadioStation,
updateInternetRadioStation, deleteInternetRadioStation (every answer validated against the
XSD and the OpenSubsonic schemas by SubsonicClient)."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


@pytest.fixture
async def admin(client: httpx.AsyncClient, services: Runtime, alice: User) -> SubsonicClient:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    return SubsonicClient(client, "root", PASSWORD)


async def test_an_admin_creates_updates_and_deletes_stations(
    admin: SubsonicClient, subsonic: SubsonicClient
) -> None:
    empty = await subsonic.call("getInternetRadioStations")
    assert empty["internetRadioStations"].get("internetRadioStation", []) == []
    await admin.call(
        "createInternetRadioStation",
        {
            "streamUrl": "https://owl.example/live",
            "name": "Night Owl",
            "homepageUrl": "https://owl.example/",
        },
        http_method="POST",
    )
    await admin.call(
        "createInternetRadioStation", {"streamUrl": "http://a.example:8000/", "name": "Aardvark"}
    )
    listed = (await subsonic.call("getInternetRadioStations"))["internetRadioStations"]
    first, second = listed["internetRadioStation"]
    assert (first["name"], first["streamUrl"]) == ("Aardvark", "http://a.example:8000/")
    assert "homePageUrl" not in first
    assert second["homePageUrl"] == "https://owl.example/"

    await admin.call(
        "updateInternetRadioStation",
        {"id": second["id"], "streamUrl": "https://owl.example/hq", "name": "Owl HQ"},
    )
    xml = await subsonic.request("getInternetRadioStations", fmt="xml")
    stations = ElementTree.fromstring(xml.content).findall(
        f"{NS}internetRadioStations/{NS}internetRadioStation"
    )
    updated = {s.get("id"): s.attrib for s in stations}[second["id"]]
    assert updated == {"id": second["id"], "name": "Owl HQ", "streamUrl": "https://owl.example/hq"}

    await admin.call("deleteInternetRadioStation", {"id": first["id"]})
    [left] = (await subsonic.call("getInternetRadioStations"))["internetRadioStations"][
        "internetRadioStation"
    ]
    assert left["id"] == second["id"]


async def test_changes_need_an_admin(admin: SubsonicClient, subsonic: SubsonicClient) -> None:
    error = await subsonic.fail(
        "createInternetRadioStation", {"streamUrl": "https://x.example/", "name": "x"}
    )
    assert error["code"] == 50 and "admin" in error["message"]
    await admin.call("createInternetRadioStation", {"streamUrl": "https://x.example/", "name": "x"})
    [station] = (await subsonic.call("getInternetRadioStations"))["internetRadioStations"][
        "internetRadioStation"
    ]
    for method, params in (
        ("updateInternetRadioStation", {"streamUrl": "https://y.example/", "name": "y"}),
        ("deleteInternetRadioStation", {}),
    ):
        error = await subsonic.fail(method, {"id": station["id"], **params})
        assert error["code"] == 50


async def test_bad_or_missing_values_and_unknown_ids_are_clear_errors(
    admin: SubsonicClient,
) -> None:
    for params, code in (
        ({"name": "x"}, 10),
        ({"streamUrl": "https://x.example/"}, 10),
        ({"streamUrl": "ftp://x.example/", "name": "x"}, 10),
        ({"streamUrl": "https://x.example/", "name": "x", "homepageUrl": "javascript:x"}, 10),
        ({"streamUrl": "https://x.example/" + "a" * 2000, "name": "x"}, 10),
        ({"streamUrl": "https://x.example/", "name": "n" * 201}, 10),
    ):
        error = await admin.fail("createInternetRadioStation", params)
        assert error["code"] == code, (params, error)
        assert error["message"]
    unknown = "00000000-0000-4000-8000-000000000000"
    for method, params in (
        ("deleteInternetRadioStation", {"id": unknown}),
        ("deleteInternetRadioStation", {"id": "not-an-id"}),
        (
            "updateInternetRadioStation",
            {"id": unknown, "streamUrl": "https://x.example/", "name": "x"},
        ),
    ):
        assert (await admin.fail(method, params))["code"] == 70
    assert (await admin.fail("deleteInternetRadioStation"))["code"] == 10
