"""The `tonearm` command as a person uses it."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import TONEARM, RunTonearm
from tests.servers import free_port, running_redis


def test_no_arguments_prints_help(tonearm: RunTonearm) -> None:
    result = tonearm()
    assert result.returncode == 0
    for command in ("serve", "worker", "doctor", "db", "user", "config", "jobs"):
        assert command in result.stdout


def test_a_bad_setting_is_one_line_without_a_traceback(tonearm: RunTonearm) -> None:
    result = tonearm("doctor", env={"TONEARM_CACHE_URL": "mysql://localhost"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TONEARM_CACHE_URL: unsupported scheme 'mysql': use memory:// or redis://"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_serve_stops_at_start_naming_an_unreachable_cache(tonearm: RunTonearm) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = tonearm("serve", "--port", str(free_port()), env={"TONEARM_CACHE_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: TONEARM_CACHE_URL: cannot reach {url}")


def test_serve_stops_at_start_naming_an_unreachable_database(tonearm: RunTonearm) -> None:
    url = f"postgresql://tonearm:pw@127.0.0.1:{free_port()}/tonearm"
    result = tonearm("serve", env={"TONEARM_DATABASE_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: TONEARM_DATABASE_URL: cannot reach")
    assert "pw" not in lines[0]


def test_doctor_passes_on_the_embedded_defaults(tonearm: RunTonearm) -> None:
    result = tonearm("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    for part in ("data directory", "ffmpeg", "database", "storage", "cache", "queue"):
        assert f"✔ {part}" in result.stdout


def test_doctor_reports_a_stopped_redis_clearly(tonearm: RunTonearm) -> None:
    with running_redis() as redis:
        url = redis.url
        assert tonearm("doctor", env={"TONEARM_CACHE_URL": url}).returncode == 0
    # Stopped by pid on leaving the block.
    result = tonearm("doctor", env={"TONEARM_CACHE_URL": url})
    assert result.returncode == 1
    assert f"✘ cache           cannot reach {url} (" in result.stdout
    assert "fix: Start Redis or fix TONEARM_CACHE_URL" in result.stdout
    assert "✔ database" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_doctor_works_with_only_the_pip_ffmpeg(tonearm: RunTonearm) -> None:
    """No system ffmpeg on PATH: the imageio-ffmpeg binary (which has no ffprobe) is used."""
    # Only the virtualenv's bin folder (the script's shebang names its Python directly).
    assert not (TONEARM.parent / "ffmpeg").exists()
    result = tonearm("doctor", env={"PATH": str(TONEARM.parent)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(imageio-ffmpeg); MP3 and Opus encode; no ffprobe" in result.stdout


def test_user_commands_work_on_a_fresh_data_directory(tonearm: RunTonearm) -> None:
    added = tonearm("user", "add", "Alice", "--admin", "--password", "correct horse")
    assert added.returncode == 0, added.stderr
    assert "added admin alice" in added.stdout
    assert tonearm("user", "add", "bob", "--password", "battery staple").returncode == 0

    listed = tonearm("user", "list")
    assert "alice" in listed.stdout and "admin" in listed.stdout
    assert "bob" in listed.stdout

    duplicate = tonearm("user", "add", "alice", "--password", "another one")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip() == "error: username 'alice' is taken"

    short = tonearm("user", "add", "carol", "--password", "short")
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr

    assert tonearm("user", "passwd", "bob", "--password", "new password!").returncode == 0
    last_admin = tonearm("user", "delete", "alice", "--yes")
    assert last_admin.returncode == 1
    assert "last admin" in last_admin.stderr
    assert tonearm("user", "delete", "bob", "--yes").returncode == 0
    assert "bob" not in tonearm("user", "list").stdout
    missing = tonearm("user", "passwd", "nobody", "--password", "whatever1")
    assert missing.returncode == 1
    assert "no user 'nobody'" in missing.stderr


def test_user_add_asks_for_the_password_twice(tonearm: RunTonearm) -> None:
    result = tonearm("user", "add", "dave", input="a good password\na good password\n")
    assert result.returncode == 0, result.stderr
    assert "added user dave" in result.stdout


def test_config_show_masks_secrets(tonearm: RunTonearm, tmp_path: Path) -> None:
    config = tmp_path / "tonearm.toml"
    config.write_text('secret_key = "sign-me"\nport = 9123\n')
    result = tonearm(
        "--config",
        str(config),
        "config",
        "show",
        env={"TONEARM_DATABASE_URL": "postgresql://u:hunter2@db/x"},
    )
    assert result.returncode == 0, result.stderr
    assert "9123" in result.stdout
    assert "postgresql://u:***@db/x" in result.stdout
    assert "hunter2" not in result.stdout and "sign-me" not in result.stdout


def test_jobs_run_and_list_show_the_outcome(tonearm: RunTonearm) -> None:
    ran = tonearm("jobs", "run", "jobs.prune")
    assert ran.returncode == 0, ran.stderr
    assert "jobs.prune: succeeded after 1 attempt(s)" in ran.stdout
    assert '{"deleted": 0}' in ran.stdout
    listed = tonearm("jobs", "list")
    assert listed.returncode == 0, listed.stderr
    assert "jobs.prune" in listed.stdout and "30 4 * * *" in listed.stdout
    assert "succeeded" in listed.stdout
    unknown = tonearm("jobs", "run", "nope")
    assert unknown.returncode == 1
    assert "no job named 'nope'" in unknown.stderr


def test_db_upgrade_and_current_on_postgresql(tonearm: RunTonearm, postgres_url: str) -> None:
    env = {"TONEARM_DATABASE_URL": postgres_url}
    before = tonearm("db", "current", env=env)
    assert "database: empty" in before.stdout
    refused = tonearm("user", "list", env=env)
    assert refused.returncode == 2
    assert "run `tonearm db upgrade`" in refused.stderr
    upgraded = tonearm("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert tonearm("user", "list", env=env).returncode == 0
