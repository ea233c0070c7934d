"""The README documents every setting (so the configuration reference cannot drift)."""

from __future__ import annotations

from pathlib import Path

from tonearm.settings import Settings, env_name

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    text = README.read_text()
    missing = [
        env_name(name) for name in Settings.model_fields if f"`{env_name(name)}`" not in text
    ]
    assert missing == []


def test_the_readme_names_the_two_setup_commands() -> None:
    text = README.read_text()
    assert "make run" in text
    assert "make test" in text
