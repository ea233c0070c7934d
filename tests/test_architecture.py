"""The dependency rules of ../shared/STYLE.md, checked on the source: api/ reaches domain
services only (never an adapter, a driver or the composition root), domains import no
driver and no api, and every dependency a handler declares is a real domain service."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import pytest

from tonearm.api import deps
from tonearm.api.subsonic.routes import BOUND, HANDLERS
from tonearm.domains import DOMAIN_NAMES, Domains

SRC = Path(__file__).resolve().parents[1] / "src" / "tonearm"
DRIVERS = ("sqlalchemy", "boto3", "botocore", "redis", "huey", "psycopg", "alembic")
DOMAIN_PACKAGES = (
    "library",
    "ingest",
    "streaming",
    "listening",
    "playlists",
    "sharing",
    "resume",
    "upkeep",
    "jobs",
    "radio",
    "users",
    "podcasts",
)


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports (at any level, TYPE_CHECKING blocks included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def forbidden(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_the_scan_sees_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from tonearm.adapters.db import Database\nimport sqlalchemy.orm\n"
    )
    modules = imported_modules(sample)
    assert sorted(forbidden(modules, ("tonearm.adapters", "sqlalchemy"))) == [
        "sqlalchemy.orm",
        "tonearm.adapters.db",
    ]


@pytest.mark.parametrize(
    "path", sorted((SRC / "api").rglob("*.py")), ids=lambda p: str(p.relative_to(SRC))
)
def test_api_imports_no_adapter_driver_or_composition_root(path: Path) -> None:
    bad = forbidden(imported_modules(path), ("tonearm.adapters", "tonearm.app", *DRIVERS))
    assert bad == [], f"{path.relative_to(SRC)} imports {bad}: go through a domain service"


@pytest.mark.parametrize(
    "path",
    sorted(p for package in DOMAIN_PACKAGES for p in (SRC / package).rglob("*.py")),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_domains_import_no_driver_api_or_cli(path: Path) -> None:
    modules = imported_modules(path)
    bad = forbidden(modules, ("tonearm.api", "tonearm.cli", "tonearm.app", *DRIVERS))
    # Adapters' Protocol modules (base.py) are allowed; implementations are not.
    bad += [m for m in forbidden(modules, ("tonearm.adapters",)) if not m.endswith(".base")]
    assert bad == [], f"{path.relative_to(SRC)} imports {bad}"


def domain_types() -> dict[str, object]:
    hints = typing.get_type_hints(Domains)
    hints["ingest"] = typing.get_type_hints(Domains.ingest.fget)["return"]  # type: ignore[attr-defined]
    return {name: hints[name] for name in DOMAIN_NAMES}


@pytest.mark.parametrize("method", sorted(HANDLERS))
def test_subsonic_handlers_declare_domain_services_by_name_and_type(method: str) -> None:
    handler, names = BOUND[method]
    hints = typing.get_type_hints(handler)
    types = domain_types()
    first = next(iter(inspect.signature(handler).parameters))
    assert first == "call"
    for name in names:
        assert hints[name] is types[name], f"{method}: {name} is {hints[name]}, not {types[name]}"


def test_rest_dependencies_name_a_domain_service_of_their_type() -> None:
    types = domain_types()
    aliases = {
        name: value
        for name, value in vars(deps).items()
        if name.endswith("Dep") and typing.get_origin(value) is typing.Annotated
    }
    checked = 0
    for alias, annotated in aliases.items():
        service_type, dependency = typing.get_args(annotated)
        provider = dependency.dependency
        domain = provider.__name__.removeprefix("get_")
        if domain not in DOMAIN_NAMES:
            continue  # the user, settings, rate counter: not domain services
        assert service_type is types[domain], alias
        checked += 1
    assert checked >= 20


def test_routers_receive_no_services_bag() -> None:
    for path in (SRC / "api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "ServicesDep" not in text and "state.services" not in text, path
