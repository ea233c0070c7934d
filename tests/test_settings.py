"""Settings: environment over TOML file, one-line errors, masked secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tonearm.errors import ConfigError
from tonearm.settings import Settings, load_settings, mask_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TONEARM_"):
            monkeypatch.delenv(name)


def test_defaults_need_nothing_installed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'tonearm.db'}"
    assert settings.resolved_storage_url == (tmp_path / "objects").as_uri()
    assert settings.cache_url == "memory://"
    assert settings.is_embedded_queue
    assert settings.run_jobs_in_process


def test_environment_overrides_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tonearm.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\ncache_url = "redis://127.0.0.1:6379/0"\n')
    monkeypatch.setenv("TONEARM_PORT", "9100")
    settings = load_settings(config)
    assert settings.port == 9100
    assert settings.host == "0.0.0.0"
    assert settings.cache_url == "redis://127.0.0.1:6379/0"


def test_config_file_comes_from_tonearm_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tonearm.toml"
    config.write_text("workers = 3\n")
    monkeypatch.setenv("TONEARM_CONFIG", str(config))
    assert load_settings().workers == 3


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TONEARM_CACHE_URL", "mysql://x", "TONEARM_CACHE_URL: unsupported scheme 'mysql'"),
        ("TONEARM_DATABASE_URL", "oracle://x", "TONEARM_DATABASE_URL: unsupported scheme"),
        ("TONEARM_STORAGE_URL", "s3://", "TONEARM_STORAGE_URL: s3:// needs a bucket"),
        ("TONEARM_QUEUE_URL", "amqp://x", "TONEARM_QUEUE_URL: unsupported scheme"),
        ("TONEARM_PUBLIC_URL", "example.org", "TONEARM_PUBLIC_URL: must be an absolute"),
        ("TONEARM_PORT", "http", "TONEARM_PORT: Input should be a valid integer"),
        ("TONEARM_LOG_LEVEL", "loud", "TONEARM_LOG_LEVEL: Input should be"),
    ],
)
def test_a_bad_value_gives_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_an_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "tonearm.toml"
    config.write_text("prot = 9000\n")
    with pytest.raises(ConfigError, match="TONEARM_PROT"):
        load_settings(config)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TONEARM_CONFIG: no such file"):
        load_settings(tmp_path / "nope.toml")


def test_a_malformed_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "tonearm.toml"
    config.write_text("port = = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value).startswith("TONEARM_CONFIG:")
    assert "\n" not in str(caught.value)


def test_s3_keys_must_come_in_pairs() -> None:
    with pytest.raises(ValueError, match="set both"):
        Settings(storage_url="s3://bucket", s3_access_key_id="id")


def test_postgres_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u:p@db/x", "postgres://u:p@db/x"):
        assert Settings(database_url=url).resolved_database_url == "postgresql+psycopg://u:p@db/x"


def test_public_view_masks_secrets_and_passwords(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://tonearm:hunter2@db.example.org:5432/tonearm",
        cache_url="rediss://default:s3cret@eu1.upstash.io:6379",
        storage_url="s3://music/tonearm",
        s3_access_key_id="AKIA",
        s3_secret_access_key="very-secret",
        secret_key="signing-key",
    )
    shown = repr(settings.public_view())
    for secret in ("hunter2", "s3cret", "very-secret", "signing-key"):
        assert secret not in shown
    assert settings.public_view()["TONEARM_CACHE_URL"] == "rediss://default:***@eu1.upstash.io:6379"


def test_mask_url_leaves_urls_without_passwords_alone() -> None:
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_public_url_loses_its_trailing_slash() -> None:
    assert Settings(public_url="https://example.org/music/").public_url == (
        "https://example.org/music"
    )
