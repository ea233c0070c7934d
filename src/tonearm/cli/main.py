"""`tonearm`: the root command and its sub-commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tonearm import __version__
from tonearm.cli import (
    analyse_cmd,
    config_cmd,
    db_cmd,
    doctor_cmd,
    enrich_cmd,
    folders_cmd,
    ingest_cmd,
    jobs_cmd,
    mashup_cmd,
    playlist_cmd,
    radio_cmd,
    serve_cmd,
    user_cmd,
)
from tonearm.cli.context import CliState

app = typer.Typer(
    name="tonearm",
    help="tonearm: your own music streaming server.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tonearm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            envvar="TONEARM_CONFIG",
            help="TOML settings file (environment variables TONEARM_* override it).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """tonearm: your own music streaming server."""
    ctx.obj = CliState(config_file=config)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


app.command("serve")(serve_cmd.serve)
app.command("worker")(serve_cmd.worker)
app.command("doctor")(doctor_cmd.doctor)
app.command("scan")(ingest_cmd.scan)
app.command("import")(ingest_cmd.import_music)
app.command("enrich")(enrich_cmd.enrich)
app.command("analyse")(analyse_cmd.analyse)
app.command("demo")(ingest_cmd.demo)
app.command("mashup")(mashup_cmd.mashup)
app.add_typer(db_cmd.app, name="db")
app.add_typer(user_cmd.app, name="user")
app.add_typer(config_cmd.app, name="config")
app.add_typer(jobs_cmd.app, name="jobs")
app.add_typer(folders_cmd.app, name="folders")
app.add_typer(playlist_cmd.app, name="playlist")
app.add_typer(radio_cmd.app, name="radio")


def main() -> None:
    """Console-script entry point."""
    app()
