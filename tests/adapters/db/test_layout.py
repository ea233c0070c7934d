"""How the database adapter is laid out: modules named after the Protocol they implement,
as library/README.md maps them, and no module grown past a size worth splitting."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import tonearm
from tonearm.adapters.db import tables

SRC = Path(tonearm.__file__).parent
# The size past which a module is split by what its parts are (STYLE.md asks for ~400).
MAX_MODULE_LINES = 700


def library_map() -> list[tuple[str, str, str, str]]:
    """(Protocol, where it is declared, adapter path, adapter class) per row of the map."""
    rows = []
    for line in (SRC / "library" / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        protocol = cells[0].strip("`")
        declared = cells[1].strip("`")
        path, cls = re.fullmatch(r"`([^`]+)` \(`(\w+)`.*\)", cells[4]).groups()  # type: ignore[union-attr]
        rows.append((protocol, declared, path, cls))
    return rows


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_map_lists_the_six_song_read_protocols() -> None:
    assert [row[0] for row in library_map()] == [
        "SongRepository",
        "CatalogRepository",
        "SongSearch",
        "MediaCatalog",
        "RelatedRepository",
        "PopularityRepository",
    ]


@pytest.mark.parametrize("row", library_map(), ids=lambda row: row[0])
def test_each_protocol_is_implemented_by_the_module_named_after_it(
    row: tuple[str, str, str, str],
) -> None:
    protocol_name, declared, path, class_name = row
    assert path.rstrip("/").removesuffix(".py") == f"adapters/db/{snake(protocol_name)}"
    assert (SRC / path).exists()
    module = importlib.import_module(
        "tonearm." + path.rstrip("/").removesuffix(".py").replace("/", ".")
    )
    implementation = getattr(module, class_name)
    owner = declared if "/" in declared else f"library/{declared}"
    protocol = getattr(
        importlib.import_module("tonearm." + owner[:-3].replace("/", ".")), protocol_name
    )
    wanted = {
        name
        for name, member in inspect.getmembers(protocol)
        if not name.startswith("_") and callable(member)
    }
    assert wanted, protocol_name
    assert wanted <= set(dir(implementation))


def test_no_database_adapter_module_is_past_the_split_size() -> None:
    long = {
        str(path.relative_to(SRC)): lines
        for path in (SRC / "adapters" / "db").rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_table_module_shares_the_one_metadata() -> None:
    modules = [p.stem for p in Path(tables.__file__).parent.glob("*.py") if p.stem != "__init__"]
    described = set()
    for name in modules:
        module = importlib.import_module(f"tonearm.adapters.db.tables.{name}")
        for value in vars(module).values():
            table = getattr(value, "__table__", None)
            if table is not None and value.__module__ == module.__name__:
                assert table.metadata is tables.metadata
                assert getattr(tables, value.__name__) is value  # re-exported by the package
                described.add(table.name)
    assert described == set(tables.metadata.tables)
