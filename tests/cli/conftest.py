"""Run the real `tonearm` console script in a subprocess with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TONEARM = Path(sys.executable).with_name("tonearm")
RunTonearm = Callable[..., subprocess.CompletedProcess[str]]


def clean_environment(**overrides: str) -> dict[str, str]:
    """os.environ without TONEARM_* (so the developer's settings do not leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(overrides)
    return env


@pytest.fixture
def tonearm(tmp_path: Path) -> RunTonearm:
    """`tonearm(*args, env={...}, input=...)` in a fresh data directory."""

    def run(
        *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: int = 120
    ) -> subprocess.CompletedProcess[str]:
        environment = clean_environment(
            TONEARM_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", **(env or {})
        )
        return subprocess.run(
            [str(TONEARM), *args],
            env=environment,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
        )

    return run
