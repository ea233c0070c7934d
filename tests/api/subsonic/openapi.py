"""Check Subsonic JSON responses against the OpenSubsonic specification's own OpenAPI schemas.

The schemas are the `openapi/` folder of the specification's repository, vendored unchanged in
`schema/opensubsonic-openapi/` (source and commit in `schema/README.md`). `openapi.json` lists
every method as `/rest/<method>`; its endpoint file names the schema of the JSON answer (success
or failure). A document is validated with `openapi-schema-validator` (OpenAPI 3.0 schema objects
on `jsonschema`), formats included (`date-time`), against the branch its `status` picks, so that
a fault is reported against the success schema of the method rather than as "matches neither".

The OpenAPI schemas are looser than the XSD in one way (they allow keys they do not list) and
stricter in others (`required` fields, enums, `date-time`): both checks run on every answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

OPENAPI_DIR = Path(__file__).parent / "schema" / "opensubsonic-openapi"
OPENAPI_FILE = OPENAPI_DIR / "openapi.json"
# The answer of a method the specification does not list (an extension newer than the vendored
# copy): the generic envelope, which still checks the response attributes and the error object.
GENERIC_RESPONSE = "schemas/SubsonicResponse.json"


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


@cache
def _document(uri: str) -> Any:
    path = Path(unquote(urlparse(uri).path))
    if not path.resolve().is_relative_to(OPENAPI_DIR.resolve()):
        raise LookupError(f"reference outside the vendored OpenAPI folder: {uri}")
    return json.loads(path.read_text(encoding="utf-8"))


def _retrieve(uri: str) -> Resource[Any]:
    return DRAFT4.create_resource(_document(uri))


@cache
def _registry() -> Registry[Any]:
    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _follow(uri: str) -> tuple[str, Any]:
    """`(uri, object)` of a JSON object that may be a `$ref` (followed to the end)."""
    value = _resolve(uri)
    while isinstance(value, Mapping) and "$ref" in value:
        uri = urljoin(uri, value["$ref"])
        value = _resolve(uri)
    return uri, value


def _resolve(uri: str) -> Any:
    base, _, pointer = uri.partition("#")
    value = _document(base)
    for part in filter(None, pointer.split("/")):
        value = value[part.replace("~1", "/").replace("~0", "~")]
    return value


@cache
def response_schemas() -> dict[str, str]:
    """The URI of the JSON answer's schema for each method the specification lists."""
    root = _uri(OPENAPI_FILE)
    schemas: dict[str, str] = {}
    for path, item in _document(root)["paths"].items():
        method = path.removeprefix("/rest/")
        endpoint_uri, endpoint = _follow(urljoin(root, item["$ref"]))
        verb = "get" if "get" in endpoint else "post"
        response_uri, response = _follow(f"{endpoint_uri}#/{verb}/responses/200")
        content = response.get("content", {}).get("application/json")
        if content is None:
            continue  # a media answer (stream, download, getCoverArt, ...)
        schema = content["schema"]
        if "$ref" in schema:
            schemas[method] = urljoin(response_uri, schema["$ref"])
        else:  # written inline in a response object (getTranscodeDecision)
            pointer = "/content/application~1json/schema"
            schemas[method] = response_uri + (pointer if "#" in response_uri else "#" + pointer)
    return schemas


def _branch(schema_uri: str, status: Any) -> str:
    """The success or failure schema of a `{"subsonic-response": oneOf[...]}` answer."""
    base, schema = _follow(schema_uri)
    envelope = schema.get("properties", {}).get("subsonic-response", {})
    for choice in envelope.get("oneOf", ()):
        target = urljoin(base, choice["$ref"])
        is_failure = target.endswith("SubsonicFailureResponse.json")
        if is_failure == (status == "failed"):
            return target
    return ""


def assert_valid_openapi_json(method: str, doc: Mapping[str, Any]) -> None:
    """Validate the JSON answer of `method` (as parsed) against the OpenSubsonic OpenAPI schema.

    Raises AssertionError listing every fault with its JSON path.
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("subsonic-response"), Mapping):
        raise AssertionError(f"{method}: not a {{'subsonic-response': {{...}}}} document")
    inner = doc["subsonic-response"]
    generic = urljoin(_uri(OPENAPI_DIR) + "/", GENERIC_RESPONSE)
    schema_uri = response_schemas().get(method, generic)
    branch = _branch(schema_uri, inner.get("status"))
    # A method schema that describes the inner object without the `subsonic-response` wrapper
    # (getTranscodeDecision) is checked with the envelope's branch.
    refs = [branch] if branch else [_branch(generic, inner.get("status")), schema_uri]
    schema = {"allOf": [{"$ref": ref} for ref in refs]}
    validator = OAS30Validator(schema, registry=_registry(), format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(inner), key=lambda error: list(error.absolute_path))
    if errors:
        faults = "\n".join(_describe(error) for error in errors)
        names = ", ".join(ref.rsplit("/", 1)[-1] for ref in refs)
        raise AssertionError(
            f"{method}: JSON response is not valid against the OpenSubsonic OpenAPI schema "
            f"({names}):\n{faults}"
        )


def _describe(error: ValidationError) -> str:
    path = ".".join(["subsonic-response", *(str(part) for part in error.absolute_path)])
    lines = [f"{path}: {error.message}"]
    for sub in error.context or ():
        sub_path = ".".join(str(part) for part in sub.absolute_path)
        lines.append(f"    {sub_path}: {sub.message}")
    return "\n".join(lines)
