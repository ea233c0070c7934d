"""One payload, three formats: Subsonic XML (default), JSON (`f=json`), JSONP (`f=jsonp`).

A payload is a dict shaped like the JSON answer. The XML follows from it: a scalar is an
attribute, a dict is a child element, a list is repeated child elements (a scalar item
becomes the element's text), and the key `value` is the element's text. A scalar that the
XSD declares as a child element with text (`TEXT_ELEMENTS`: an artist's `biography`, image
URLs, ...) is written as one. Child elements are written in the dict's order, which must
follow the XSD's sequences. Builders leave out None values (`compact`), so nothing here has
to. Every attribute value and text is written without the characters XML 1.0 forbids
(`tonearm.plaintext`), whatever is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import orjson
from starlette.responses import Response

from tonearm import __version__
from tonearm.plaintext import strip_forbidden_characters

API_VERSION = "1.16.1"
NAMESPACE = "http://subsonic.org/restapi"
SERVER_TYPE = "tonearm"
# A JSONP callback is a JavaScript name path, nothing else, so it cannot inject script.
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")

Payload = dict[str, Any]

# The single-valued scalars the XSD declares as child elements (text), not attributes, by the
# element that holds them: ArtistInfoBase (artistInfo, artistInfo2) and AlbumInfo. The XSD has
# no others; a test reads them from the schema and compares.
_INFO_TEXT = ("musicBrainzId", "lastFmUrl", "smallImageUrl", "mediumImageUrl", "largeImageUrl")
TEXT_ELEMENTS: Mapping[str, frozenset[str]] = {
    "artistInfo": frozenset({"biography", *_INFO_TEXT}),
    "artistInfo2": frozenset({"biography", *_INFO_TEXT}),
    "albumInfo": frozenset({"notes", *_INFO_TEXT}),
}


def compact(**fields: Any) -> Payload:
    """The fields that have a value (None left out): how builders make payload objects."""
    return {key: value for key, value in fields.items() if value is not None}


def envelope(status: str, payload: Mapping[str, Any]) -> Payload:
    """The `subsonic-response` object every answer carries."""
    return {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": __version__,
        "openSubsonic": True,
        **payload,
    }


def error_payload(code: int, message: str) -> Payload:
    """The `error` part of a failed answer."""
    return {"error": {"code": code, "message": message}}


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{value.microsecond // 1000:03d}Z"
        )
    return strip_forbidden_characters(str(value))


def _fill(element: Element, mapping: Mapping[str, Any]) -> None:
    text_elements = TEXT_ELEMENTS.get(element.tag, frozenset())
    for key, value in mapping.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            _fill(SubElement(element, key), value)
        elif isinstance(value, list | tuple):
            for item in value:
                child = SubElement(element, key)
                if isinstance(item, Mapping):
                    _fill(child, item)
                else:
                    child.text = _text(item)
        elif key == "value":
            element.text = _text(value)
        elif key in text_elements:
            SubElement(element, key).text = _text(value)
        else:
            element.set(key, _text(value))


def to_xml(document: Mapping[str, Any]) -> bytes:
    """The XML of a `subsonic-response` object."""
    root = Element("subsonic-response", xmlns=NAMESPACE)
    _fill(root, document)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _json_default(value: Any) -> Any:
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(document: Mapping[str, Any]) -> bytes:
    """The JSON of a `subsonic-response` object."""
    body: bytes = orjson.dumps(
        {"subsonic-response": document},
        option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS,
        default=_json_default,
    )
    return body


def valid_callback(name: str) -> bool:
    """Whether `name` is safe to use as a JSONP callback."""
    return len(name) <= 200 and bool(_CALLBACK.fullmatch(name))


def render(document: Mapping[str, Any], fmt: str, callback: str | None) -> Response:
    """The HTTP answer for a `subsonic-response` object in the asked format."""
    if fmt == "json":
        return Response(to_json(document), media_type="application/json")
    if fmt == "jsonp" and callback:
        body = callback.encode() + b"(" + to_json(document) + b");"
        return Response(body, media_type="application/javascript")
    return Response(to_xml(document), media_type="text/xml; charset=utf-8")


__all__ = [
    "API_VERSION",
    "NAMESPACE",
    "SERVER_TYPE",
    "TEXT_ELEMENTS",
    "Payload",
    "compact",
    "envelope",
    "error_payload",
    "render",
    "to_json",
    "to_xml",
    "valid_callback",
]
