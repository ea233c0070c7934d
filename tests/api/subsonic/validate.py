"""Check Subsonic responses against the Subsonic 1.16.1 XSD with the OpenSubsonic additions.

XML is validated by lxml against `schema/subsonic-rest-api-1.16.1-opensubsonic.xsd`. JSON has no
schema of its own, so it is checked against the same XSD: `json_to_xml` turns the document into the
XML it stands for, guided by the schema, and that XML is validated. The mapping (what Subsonic
servers emit for `f=json`):

- `{"subsonic-response": {...}}` is the whole document: one key, the root element.
- Each element is a JSON object. A key that is an attribute of the element's schema type holds a
  scalar: string, number or boolean, never null (omit an absent field instead).
- A key that is a child element holds an object, or a scalar for elements of a simple type
  (`"notes": "..."`, `"versions": [1, 2]`). A child element that may repeat (`maxOccurs` above 1)
  is always a JSON array, even of one or zero items; one that may not is never an array.
- `value` holds the text of an element that has text: a genre's name, lyrics, a lyrics `line`.
- Key order is free: children are placed in the order the schema's sequences require.

The JSON check is stricter than the XSD in two ways that matter to real clients (Kotlin, Swift and
TypeScript ones parse JSON into typed models): a value's JSON type must match the schema type
(`"year": "2005"` and `"id": 12` fail; booleans are JSON booleans) and the array rule above. The XML
check adds one: booleans are spelled `true`/`false` (the XSD also accepts `1`/`0`, which Java
clients read as false).

A failure raises AssertionError with the validator's messages and the offending lines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lxml import etree

SCHEMA_DIR = Path(__file__).parent / "schema"
SUBSONIC_XSD = SCHEMA_DIR / "subsonic-rest-api-1.16.1.xsd"
OPENSUBSONIC_XSD = SCHEMA_DIR / "subsonic-rest-api-1.16.1-opensubsonic.xsd"
NAMESPACE = "http://subsonic.org/restapi"
ROOT = "subsonic-response"

_XS_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
_XS = f"{{{_XS_NAMESPACE}}}"

ValueKind = Literal["boolean", "integer", "number", "string"]

# How a built-in XSD type must appear in JSON; any type not listed is a string.
_BUILTIN_KINDS: dict[str, ValueKind] = {
    "boolean": "boolean",
    "byte": "integer",
    "short": "integer",
    "int": "integer",
    "long": "integer",
    "integer": "integer",
    "nonNegativeInteger": "integer",
    "positiveInteger": "integer",
    "unsignedInt": "integer",
    "unsignedLong": "integer",
    "float": "number",
    "double": "number",
    "decimal": "number",
}


@dataclass(frozen=True, slots=True)
class AttributeDecl:
    """An attribute of a complex type: its schema type (`xs:int`, `UserRating`) and JSON kind."""

    type_name: str
    kind: ValueKind
    required: bool


@dataclass(frozen=True, slots=True)
class ChildDecl:
    """A child element: a complex type's name, or None with `kind` set for a simple type."""

    type_name: str
    complex_type: str | None
    kind: ValueKind | None
    repeated: bool


@dataclass(frozen=True, slots=True)
class ComplexTypeDecl:
    """What an element of a complex type may hold; `children` is in schema order."""

    name: str
    attributes: Mapping[str, AttributeDecl]
    children: Mapping[str, ChildDecl]
    text_kind: ValueKind | None  # mixed or simple content: the JSON `value` key


@dataclass(frozen=True, slots=True)
class SchemaModel:
    """The parts of a Subsonic XSD that map JSON onto XML."""

    root_type: str
    complex_types: Mapping[str, ComplexTypeDecl]


@cache
def schema_model(xsd: Path = OPENSUBSONIC_XSD) -> SchemaModel:
    """Read the complex types of a Subsonic XSD, with extension bases folded in."""
    tree = etree.parse(str(xsd))
    schema = tree.getroot()
    complex_nodes = {node.get("name"): node for node in schema.findall(f"{_XS}complexType")}
    simple_nodes = {node.get("name"): node for node in schema.findall(f"{_XS}simpleType")}

    def resolve(node: Any, qualified: str) -> tuple[str, bool]:
        """`(local name, is XSD built-in)` of a type reference such as `sub:Child`, `xs:int`."""
        prefix, _, local = qualified.rpartition(":")
        return local, node.nsmap.get(prefix or None) == _XS_NAMESPACE

    @cache
    def simple_kind(name: str, builtin: bool) -> ValueKind:
        if builtin:
            return _BUILTIN_KINDS.get(name, "string")
        restriction = simple_nodes[name].find(f"{_XS}restriction")
        return simple_kind(*resolve(restriction, restriction.get("base")))

    @cache
    def complex_decl(name: str) -> ComplexTypeDecl:
        node = complex_nodes[name]
        attributes: dict[str, AttributeDecl] = {}
        children: dict[str, ChildDecl] = {}
        text_kind: ValueKind | None = "string" if node.get("mixed") == "true" else None
        body = node
        derived = node.find(f"{_XS}complexContent")
        if derived is not None:
            body = derived.find(f"{_XS}extension")
            base = complex_decl(resolve(body, body.get("base"))[0])
            attributes.update(base.attributes)
            children.update(base.children)
            text_kind = text_kind or base.text_kind
        simple = node.find(f"{_XS}simpleContent")
        if simple is not None:
            body = simple.find(f"{_XS}extension")
            text_kind = simple_kind(*resolve(body, body.get("base")))
        for attribute in body.findall(f"{_XS}attribute"):
            type_name, builtin = resolve(attribute, attribute.get("type"))
            attributes[attribute.get("name")] = AttributeDecl(
                attribute.get("type"),
                simple_kind(type_name, builtin),
                attribute.get("use") == "required",
            )
        for group in body:
            if group.tag not in (f"{_XS}sequence", f"{_XS}choice"):
                continue
            for element in group.iter(f"{_XS}element"):
                type_name, builtin = resolve(element, element.get("type"))
                is_complex = not builtin and type_name in complex_nodes
                children[element.get("name")] = ChildDecl(
                    element.get("type"),
                    type_name if is_complex else None,
                    None if is_complex else simple_kind(type_name, builtin),
                    element.get("maxOccurs", "1") != "1",
                )
        return ComplexTypeDecl(name, attributes, children, text_kind)

    root = schema.find(f"{_XS}element[@name='{ROOT}']")
    return SchemaModel(
        root_type=resolve(root, root.get("type"))[0],
        complex_types={name: complex_decl(name) for name in complex_nodes},
    )


@cache
def _xml_schema(xsd: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd)))


def assert_valid_xml(body: bytes, *, xsd: Path = OPENSUBSONIC_XSD) -> Any:
    """Validate a Subsonic XML response body and return its root element (an lxml `_Element`).

    Raises AssertionError naming each fault and its line: not well-formed, not valid against the
    XSD (which requires the `http://subsonic.org/restapi` namespace), or a boolean spelled other
    than `true`/`false`.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise AssertionError(f"Subsonic XML response is not well-formed: {error}") from None
    _validate_tree(root, body, "Subsonic XML response", xsd)
    _check_boolean_spelling(root, schema_model(xsd).root_type, ROOT, schema_model(xsd))
    return root


def assert_valid_json(doc: Mapping[str, Any], *, xsd: Path = OPENSUBSONIC_XSD) -> Any:
    """Validate a Subsonic JSON response (parsed) and return its XML equivalent's root element.

    Raises AssertionError for a JSON type or array/object that does not match the schema (the
    message names the JSON path) or for XML that the XSD rejects (the message quotes the line).
    """
    root = json_to_xml(doc, xsd=xsd)
    body = etree.tostring(root, pretty_print=True)
    # Re-parsed so that the validator's messages carry line numbers into `body`.
    _validate_tree(
        etree.fromstring(body), body, "XML equivalent of the Subsonic JSON response", xsd
    )
    return root


def assert_valid_jsonp(body: bytes, callback: str) -> dict[str, Any]:
    """Check a JSONP body is `callback(<Subsonic JSON>)` (`;` optional), validate it, return it."""
    text = body.decode("utf-8").strip()
    prefix = f"{callback}("
    if not text.startswith(prefix) or not text.removesuffix(";").endswith(")"):
        raise AssertionError(f"not a JSONP call of {callback!r}: {text[:80]!r}")
    doc = json.loads(text.removesuffix(";")[len(prefix) : -1])
    assert_valid_json(doc)
    return dict(doc)


def json_to_xml(doc: Mapping[str, Any], *, xsd: Path = OPENSUBSONIC_XSD) -> Any:
    """The XML element tree a Subsonic JSON document stands for (see the module docstring).

    Raises AssertionError where the JSON breaks the mapping itself: a null, a value of the wrong
    JSON type, an array where one element is allowed or a single value where an array is due.
    Keys the schema does not know are carried over unchanged, for the XSD to reject.
    """
    if not isinstance(doc, Mapping) or list(doc) != [ROOT]:
        keys = list(doc) if isinstance(doc, Mapping) else type(doc).__name__
        raise AssertionError(f"a Subsonic JSON response is {{{ROOT!r}: {{...}}}}, got {keys}")
    model = schema_model(xsd)
    return _complex_element(ROOT, doc[ROOT], model.root_type, ROOT, model)


def _complex_element(name: str, value: Any, type_name: str, path: str, model: SchemaModel) -> Any:
    if not isinstance(value, Mapping):
        raise AssertionError(f"{path}: expected a JSON object ({type_name}), got {value!r}")
    decl = model.complex_types[type_name]
    namespaces = {None: NAMESPACE} if path == ROOT else None
    element = etree.Element(f"{{{NAMESPACE}}}{name}", nsmap=namespaces)
    order = list(decl.children)
    placed: list[tuple[int, Any]] = []
    for key, item in value.items():
        item_path = f"{path}.{key}"
        if item is None:
            raise AssertionError(f"{item_path}: null; omit an absent field instead")
        if key == "value" and decl.text_kind is not None:
            element.text = _lexical(item, decl.text_kind, item_path)
        elif key in decl.attributes:
            element.set(key, _lexical(item, decl.attributes[key].kind, item_path))
        elif key in decl.children:
            child = decl.children[key]
            for index, entry in enumerate(_occurrences(item, child, item_path)):
                entry_path = f"{item_path}[{index}]" if child.repeated else item_path
                placed.append(
                    (order.index(key), _child_element(key, entry, child, entry_path, model))
                )
        elif isinstance(item, Mapping | list):
            # Unknown to the schema: emitted as elements so that the XSD names it.
            for entry in item if isinstance(item, list) else [item]:
                placed.append((len(order), _untyped_element(key, entry)))
        else:
            element.set(key, _plain_lexical(item))
    for _, child_element in sorted(placed, key=lambda pair: pair[0]):
        element.append(child_element)
    return element


def _occurrences(item: Any, child: ChildDecl, path: str) -> list[Any]:
    if child.repeated:
        if not isinstance(item, list):
            raise AssertionError(
                f"{path}: `{path.rsplit('.', 1)[-1]}` may repeat, so JSON must hold an array "
                f"(even of one item), got {type(item).__name__}"
            )
        return item
    if isinstance(item, list):
        raise AssertionError(f"{path}: occurs at most once, so JSON must not hold an array")
    return [item]


def _child_element(name: str, value: Any, child: ChildDecl, path: str, model: SchemaModel) -> Any:
    if child.complex_type is not None:
        return _complex_element(name, value, child.complex_type, path, model)
    if value is None:
        raise AssertionError(f"{path}: null; omit an absent field instead")
    element = etree.Element(f"{{{NAMESPACE}}}{name}")
    element.text = _lexical(value, child.kind or "string", path)
    return element


def _untyped_element(name: str, value: Any) -> Any:
    element = etree.Element(f"{{{NAMESPACE}}}{name}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                for entry in item if isinstance(item, list) else [item]:
                    element.append(_untyped_element(key, entry))
            elif item is not None:
                element.set(key, _plain_lexical(item))
    elif value is not None:
        element.text = _plain_lexical(value)
    return element


def _lexical(value: Any, kind: ValueKind, path: str) -> str:
    """The XML spelling of a JSON scalar, after checking its JSON type against `kind`."""
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise AssertionError(f"{path}: {value!r} is not a JSON number")
        return repr(value)
    if kind == "string" and isinstance(value, str):
        return value
    raise AssertionError(f"{path}: expected a JSON {kind}, got {type(value).__name__} {value!r}")


def _plain_lexical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _validate_tree(root: Any, body: bytes, what: str, xsd: Path) -> None:
    schema = _xml_schema(xsd)
    if schema.validate(root):
        return
    lines = body.decode("utf-8", errors="replace").splitlines()
    faults = []
    for error in schema.error_log:
        fault = f"line {error.line}: {error.message}"
        if 0 < error.line <= len(lines):
            fault += f"\n    {lines[error.line - 1].strip()[:300]}"
        faults.append(fault)
    raise AssertionError(f"{what} is not valid against {xsd.name}:\n" + "\n".join(faults))


def _check_boolean_spelling(element: Any, type_name: str, path: str, model: SchemaModel) -> None:
    decl = model.complex_types[type_name]
    for name, attribute in decl.attributes.items():
        value = element.get(name)
        if attribute.kind == "boolean" and value is not None and value not in ("true", "false"):
            raise AssertionError(f"{path}@{name}: boolean {value!r}; write true or false")
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        name = etree.QName(child).localname
        child_decl = decl.children.get(name)
        if child_decl is None:
            continue
        if child_decl.complex_type is not None:
            _check_boolean_spelling(child, child_decl.complex_type, f"{path}/{name}", model)
        elif child_decl.kind == "boolean" and (child.text or "") not in ("true", "false"):
            raise AssertionError(f"{path}/{name}: boolean {child.text!r}; write true or false")
