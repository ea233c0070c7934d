"""`tonearm config`: what tonearm will use."""

from __future__ import annotations

import typer
from rich.table import Table

from tonearm.cli.context import console, state

app = typer.Typer(help="Settings.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Print every setting's effective value (secrets masked)."""
    cli = state(ctx)
    settings = cli.settings()
    table = Table("setting", "value", title=f"config file: {cli.config_file or 'none'}")
    for name, value in settings.public_view().items():
        table.add_row(name, "" if value is None else str(value))
    console.print(table)
