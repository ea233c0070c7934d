"""The snapshot helper pins text, writes only when asked, and normalizes what varies between runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.subsonic.snapshots import (
    UPDATE_VARIABLE,
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)

FIRST = "0b5a43c4-8d5e-4c47-9a4e-1f0f7e2b9a10"
SECOND = "7d1f3c2a-1111-4222-8333-944455556666"


def test_uuids_are_numbered_by_first_appearance() -> None:
    text = f'id="{SECOND}" albumId="{FIRST}" parent="{SECOND.upper()}" coverArt="al-{FIRST}"'

    assert normalize(text) == (
        'id="{uuid-1}" albumId="{uuid-2}" parent="{uuid-1}" coverArt="al-{uuid-2}"'
    )


@pytest.mark.parametrize(
    "stamp",
    ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123456+00:00", "2024-05-01T12:00:00+0200"],
)
def test_datetimes_are_replaced(stamp: str) -> None:
    assert normalize(f'created="{stamp}" year="2024"') == 'created="{datetime}" year="2024"'


def test_server_version_and_last_modified_are_replaced_in_xml_and_json() -> None:
    xml = 'serverVersion="0.1.0 (abc)" version="1.16.1"><indexes lastModified="1714560000000"'
    json_text = '"serverVersion": "0.1.0 (abc)", "version": "1.16.1", "lastModified": 1714560000000'

    assert normalize(xml) == (
        'serverVersion="{server-version}" version="1.16.1"><indexes lastModified="{epoch-ms}"'
    )
    assert normalize(json_text) == (
        '"serverVersion": "{server-version}", "version": "1.16.1", "lastModified": {epoch-ms}'
    )


def test_durations_and_sizes_are_kept() -> None:
    text = '"duration": 20, "size": 512000, "bookmarkPosition": 1500'

    assert normalize(text) == text


def test_extra_replacements_apply_after_the_defaults() -> None:
    text = f'url="https://host/share/Zx81Tok" id="{FIRST}"'

    normalized = normalize(text, [(re.compile(r"/share/\w+"), "/share/{token}")])

    assert normalized == 'url="https://host/share/{token}" id="{uuid-1}"'


def test_format_xml_and_json_are_stable_and_indented() -> None:
    xml = format_xml(b'<a xmlns="http://subsonic.org/restapi" z="1" b="2"><c/></a>')

    assert xml == '<a xmlns="http://subsonic.org/restapi" z="1" b="2">\n  <c/>\n</a>\n'
    assert format_json({"b": 1, "a": {"d": [], "c": True}}) == format_json(
        {"a": {"c": True, "d": []}, "b": 1}
    )


def test_missing_snapshot_fails_and_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)

    with pytest.raises(AssertionError, match=f"no snapshot 'ping.xml'.*{UPDATE_VARIABLE}=1"):
        assert_matches_snapshot("ping.xml", "<ping/>", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_update_variable_writes_a_missing_snapshot_then_it_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    assert_matches_snapshot("browsing/getAlbum.json", '{"a": 1}', directory=tmp_path)
    monkeypatch.delenv(UPDATE_VARIABLE)

    assert (tmp_path / "browsing" / "getAlbum.json").read_text() == '{"a": 1}\n'
    assert_matches_snapshot("browsing/getAlbum.json", '{"a": 1}\n', directory=tmp_path)


def test_difference_fails_with_a_diff_unless_updating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ping.xml").write_text('<ping status="ok"/>\n')
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)

    with pytest.raises(
        AssertionError, match=r'(?s)-<ping status="ok"/>.*\+<ping status="failed"/>'
    ):
        assert_matches_snapshot("ping.xml", '<ping status="failed"/>', directory=tmp_path)

    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    assert_matches_snapshot("ping.xml", '<ping status="failed"/>', directory=tmp_path)
    assert (tmp_path / "ping.xml").read_text() == '<ping status="failed"/>\n'


@pytest.mark.parametrize("name", ["../escape.xml", "/tmp/abs.xml", ""])
def test_snapshot_name_outside_the_directory_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="relative path inside"):
        assert_matches_snapshot(name, "x", directory=tmp_path)
