"""`tonearm folders`: the music folders tonearm reads in place (kept in the database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tonearm.cli.context import console, fail, run, state, with_runtime

if TYPE_CHECKING:
    from tonearm.app import Runtime
    from tonearm.library.music_folders import MusicFolderStatus

app = typer.Typer(help="Music folders: add, list, remove.", no_args_is_help=True)


def _last_scan(status: MusicFolderStatus) -> str:
    folder = status.folder
    if folder.last_scan_at is None:
        return "never"
    when = folder.last_scan_at.strftime("%Y-%m-%d %H:%M")
    summary = folder.last_scan or {}
    added = int(summary.get("imported", 0)) + int(summary.get("resumed", 0))
    failed = int(summary.get("failed", 0))
    return f"{when} (+{added}, -{summary.get('removed', 0)}, {failed} failed)"


@app.command("list")
def list_folders(ctx: typer.Context) -> None:
    """Each music folder: its id, path, songs, last scan, and whether it is there now."""
    settings = state(ctx).settings(quiet=True)
    statuses = run(with_runtime(settings, lambda s: s.domains.folders.statuses()))
    if not statuses:
        console.print("no music folders yet: add one with `tonearm folders add PATH`")
        return
    table = Table("id", "path", "songs", "last scan", "exists")
    for status in statuses:
        table.add_row(
            str(status.folder.id),
            status.folder.display,
            str(status.song_count),
            _last_scan(status),
            "yes" if status.exists else "[red]missing[/red]",
        )
    console.print(table)


@app.command("add")
def add_folder(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder to read in place.")],
) -> None:
    """Add a music folder (any path: the web admin is limited to TONEARM_FOLDER_ROOTS).
    Its songs appear with the next scan: `tonearm scan`."""
    settings = state(ctx).settings(quiet=True)
    folder = run(with_runtime(settings, lambda s: s.domains.folders.add(path)))
    console.print(
        f"added music folder {folder.id}: {folder.display}; run `tonearm scan` to read it",
        highlight=False,
    )


@app.command("remove")
def remove_folder(
    ctx: typer.Context,
    which: Annotated[str, typer.Argument(help="The folder's id or path.")],
) -> None:
    """Remove a music folder; its songs are tombstoned (plays and playlists are kept, and
    they come back with their ids if the folder is added back and scanned)."""
    settings = state(ctx).settings(quiet=True)

    async def work(runtime: Runtime) -> tuple[str, int]:
        folder = await runtime.domains.folders.find(which)
        if await runtime.domains.scans.scanning():
            # It could bring the folder's songs back as it goes.
            fail("a scan is under way: remove the folder once it has finished")
        return folder.display, await runtime.domains.folders.remove(folder.id)

    shown, songs = run(with_runtime(settings, work))
    console.print(f"removed {shown}; {songs} songs tombstoned", highlight=False)
    configured = [str(p.expanduser().resolve()) for p in settings.music_folders]
    if shown in configured:
        console.print(
            "[yellow]note:[/yellow] it is in TONEARM_MUSIC_FOLDERS, which adds it again at the "
            "next start: take it out of that setting too",
            highlight=False,
        )
