"""`tonearm radio`: internet radio stations (what the web player and Subsonic apps play)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich.table import Table

from tonearm.cli.context import console, fail, run, state, with_runtime

if TYPE_CHECKING:
    from tonearm.users import User

app = typer.Typer(help="Internet radio stations: list, add, update, remove.", no_args_is_help=True)


def _operator() -> User:
    """Who changes stations from the command line: whoever runs the server, an admin."""
    from datetime import UTC, datetime

    from tonearm.users import Role, User

    return User(UUID(int=0), "tonearm-cli", Role.ADMIN, True, datetime.now(UTC))


def _station_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        fail(f"{raw!r} is not a station id (see `tonearm radio list`)")


@app.command("list")
def list_stations(ctx: typer.Context) -> None:
    """Every station: its id, name, stream URL and homepage."""
    settings = state(ctx).settings(quiet=True)
    stations = run(with_runtime(settings, lambda r: r.domains.radio.stations()))
    if not stations:
        console.print("no stations yet: add one with `tonearm radio add NAME STREAM_URL`")
        return
    table = Table("id", "name", "stream URL", "homepage")
    for station in stations:
        table.add_row(str(station.id), station.name, station.stream_url, station.homepage_url or "")
    console.print(table)


@app.command("add")
def add_station(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the station is called.")],
    stream_url: Annotated[str, typer.Argument(help="Its stream's http:// or https:// URL.")],
    homepage: Annotated[str | None, typer.Option(help="Its web page.")] = None,
) -> None:
    """Add a station."""
    settings = state(ctx).settings(quiet=True)
    station = run(
        with_runtime(
            settings, lambda r: r.domains.radio.add(_operator(), name, stream_url, homepage)
        )
    )
    console.print(f"added station {station.id}: {station.name}", highlight=False)


@app.command("update")
def update_station(
    ctx: typer.Context,
    station_id: Annotated[str, typer.Argument(help="The station's id.")],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    stream_url: Annotated[str | None, typer.Option(help="A new stream URL.")] = None,
    homepage: Annotated[str | None, typer.Option(help='A new web page ("" for none).')] = None,
) -> None:
    """Change a station's name, stream URL or homepage (what is not given stays)."""
    from tonearm.radio import KEEP

    settings = state(ctx).settings(quiet=True)
    which = _station_id(station_id)
    station = run(
        with_runtime(
            settings,
            lambda r: r.domains.radio.update(
                _operator(),
                which,
                name=KEEP if name is None else name,
                stream_url=KEEP if stream_url is None else stream_url,
                homepage_url=KEEP if homepage is None else homepage,
            ),
        )
    )
    console.print(f"updated station {station.id}: {station.name}", highlight=False)


@app.command("remove")
def remove_station(
    ctx: typer.Context,
    station_id: Annotated[str, typer.Argument(help="The station's id.")],
) -> None:
    """Remove a station."""
    settings = state(ctx).settings(quiet=True)
    which = _station_id(station_id)
    run(with_runtime(settings, lambda r: r.domains.radio.delete(_operator(), which)))
    console.print(f"removed station {which}", highlight=False)
