"""`tonearm --help` and each command's own help import only the command line (issue 18).

Start-up cost is measured by bench scripts, not here; this pins what is imported, which is what
made `tonearm --help` take two seconds: every command's services loaded up front.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Heavy modules that only a running command needs.
HEAVY = (
    "tonearm.app",
    "tonearm.settings",
    "pydantic_settings",
    "sqlalchemy",
    "huey",
    "fastapi",
    "uvicorn",
    "numpy",
    "PIL",
    "boto3",
)

PROBE = """
import json, sys
from tonearm.cli.main import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _imported_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    last = result.stdout.strip().splitlines()[-1]
    return set(json.loads(last))


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("serve", "--help"),
        ("scan", "--help"),
        ("user", "--help"),
        ("user", "add", "--help"),
        ("db", "--help"),
        ("jobs", "--help"),
        ("folders", "--help"),
        ("analyse", "--help"),
    ],
)
def test_help_imports_no_service(args: tuple[str, ...]) -> None:
    imported = _imported_by(*args)
    loaded = sorted(
        name
        for name in HEAVY
        if name in imported or any(m.startswith(name + ".") for m in imported)
    )
    assert loaded == [], f"`tonearm {' '.join(args)}` imported {loaded}"


def test_a_command_that_runs_still_loads_its_services() -> None:
    # The probe itself can fail: `config show` needs the settings.
    imported = _imported_by("config", "show")
    assert "tonearm.settings" in imported


# What a server process that has not yet imported a song, drawn an avatar or resized a
# cover does not need: analysis (numpy), tags (mutagen), images (Pillow), migrations
# (alembic, mako) once the database is at its newest schema, and S3 on local storage.
NOT_AT_IDLE = ("numpy", "mutagen", "PIL", "alembic", "mako", "boto3")

SERVER_PROBE = """
import asyncio, json, sys
from tonearm.app import create_app
from tonearm.settings import Settings

async def main():
    app = create_app(Settings(data_dir=sys.argv[1]))
    async with app.router.lifespan_context(app):
        pass

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


def test_a_started_server_loads_no_ingest_image_or_migration_library(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def started() -> set[str]:
        result = subprocess.run(
            [sys.executable, "-c", SERVER_PROBE, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=180,
        )
        return set(json.loads(result.stdout.strip().splitlines()[-1]))

    first = started()  # a new data directory: migrated, so alembic is loaded
    assert "alembic" in first
    again = started()
    loaded = sorted(
        name
        for name in NOT_AT_IDLE
        if name in again or any(m.startswith(name + ".") for m in again)
    )
    assert loaded == []
    assert "tonearm.api" in again
