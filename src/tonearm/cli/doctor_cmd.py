"""`tonearm doctor`: check everything tonearm needs and say how to fix what is wrong."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from tonearm.cli.context import console, run, state
from tonearm.errors import TonearmError

if TYPE_CHECKING:
    from tonearm.settings import Settings

FIXES = {
    "data directory": "Set TONEARM_DATA_DIR to a folder this user can write.",
    "ffmpeg": "Install ffmpeg (apt-get install ffmpeg), or `pip install imageio-ffmpeg`, "
    "or set TONEARM_FFMPEG_PATH.",
    "database": "Check TONEARM_DATABASE_URL (unset it to use SQLite in the data directory); "
    "for PostgreSQL run `tonearm db upgrade`.",
    "storage": "Check TONEARM_STORAGE_URL, TONEARM_S3_ENDPOINT_URL and the S3 keys; the bucket "
    "must exist (unset TONEARM_STORAGE_URL to use the data directory).",
    "cache": "Start Redis or fix TONEARM_CACHE_URL (unset it to use the in-process cache).",
    "queue": "Start Redis or fix TONEARM_QUEUE_URL (unset it to use the embedded queue).",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """The state of one thing doctor checked."""

    name: str
    ok: bool
    detail: str


async def check_ffmpeg(settings: Settings) -> Finding:
    """Find ffmpeg and encode a fraction of a second to MP3 and Opus with it."""
    from tonearm.adapters.ffmpeg import find_ffmpeg, run_ffmpeg

    try:
        tool = find_ffmpeg(settings.ffmpeg_path)
        for codec, fmt in (("libmp3lame", "mp3"), ("libopus", "ogg")):
            await run_ffmpeg(
                tool.ffmpeg,
                [
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440:duration=0.2",
                    "-c:a",
                    codec,
                    "-f",
                    fmt,
                    "-",
                ],
                limit_seconds=30,
            )
    except TonearmError as error:
        return Finding("ffmpeg", False, str(error))
    probe = "ffprobe beside it" if tool.ffprobe else "no ffprobe (not needed)"
    return Finding("ffmpeg", True, f"{tool.ffmpeg} ({tool.origin}); MP3 and Opus encode; {probe}")


def check_data_dir(settings: Settings) -> Finding:
    """The data directory exists (or can be made) and is writable."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=settings.data_dir):
            pass
    except OSError as error:
        return Finding("data directory", False, f"{settings.data_dir}: {error.strerror}")
    return Finding("data directory", True, str(settings.data_dir.absolute()))


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in the order a person would fix things."""
    from tonearm.app import open_runtime
    from tonearm.settings import mask_url

    findings = [check_data_dir(settings), await check_ffmpeg(settings)]
    try:
        runtime = await open_runtime(settings, check=False)
    except Exception as error:  # doctor reports every failure instead of stopping
        findings.append(Finding("database", False, f"{type(error).__name__}: {error}"))
        return findings
    try:
        health = await runtime.domains.health.components()
        if health["database"].ok and not runtime.database.is_sqlite:
            try:
                await runtime.database.check_schema()
            except TonearmError as error:
                health["database"] = health["database"].__class__(False, str(error), 0.0)
    finally:
        await runtime.close()
    where = {
        "database": mask_url(settings.resolved_database_url),
        "storage": mask_url(settings.resolved_storage_url),
        "cache": mask_url(settings.cache_url),
        "queue": mask_url(settings.resolved_queue_url),
    }
    for name, component in health.items():
        detail = (
            f"{where[name]} ({component.latency_ms:.1f} ms)" if component.ok else component.detail
        )
        findings.append(Finding(name, component.ok, detail))
    return findings


def doctor(ctx: typer.Context) -> None:
    """Check ffmpeg, the data directory, database, storage, cache and queue."""
    settings = state(ctx).settings()
    findings = run(diagnose(settings))
    for finding in findings:
        mark = "[green]✔[/green]" if finding.ok else "[red]✘[/red]"
        console.print(
            f"{mark} {finding.name:<15} {finding.detail}", highlight=False, soft_wrap=True
        )
        if not finding.ok:
            console.print(
                f"  [yellow]fix:[/yellow] {FIXES[finding.name]}", highlight=False, soft_wrap=True
            )
    failed = [finding.name for finding in findings if not finding.ok]
    if failed:
        console.print(f"[red]{len(failed)} problem(s):[/red] {', '.join(failed)}")
        raise typer.Exit(1)
    console.print("[green]everything tonearm needs is working[/green]")
