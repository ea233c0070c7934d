"""`tonearm playlist`: playlists in and out as M3U/M3U8/XSPF files."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from uuid import UUID

import typer

from tonearm.cli.context import console, fail, run, state

if TYPE_CHECKING:
    from tonearm.app import Runtime
    from tonearm.settings import Settings

T = TypeVar("T")

app = typer.Typer(help="Playlist files: import and export M3U/M3U8/XSPF.", no_args_is_help=True)


async def _with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    from tonearm.app import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await work(runtime)
    finally:
        await runtime.close()


@app.command("import")
def import_playlist(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An .m3u, .m3u8 or .xspf file.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Whose playlist it becomes.")],
    name: Annotated[str | None, typer.Option(help="The playlist's name.")] = None,
) -> None:
    """Make a playlist from a playlist file; relative paths start at the file's folder.
    Lists the entries no library song matched (exit code 0: the playlist is made)."""
    from tonearm.library.paths import display_path, path_to_text
    from tonearm.playlists.files.models import MAX_FILE_BYTES

    settings = state(ctx).settings(quiet=True)
    try:
        with file.open("rb") as opened:
            data = opened.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        fail(f"{file}: {error.strerror or error}")
    base_dir = display_path(path_to_text(file.resolve().parent))

    async def work(runtime: Runtime) -> None:
        owner = await runtime.domains.users.get_user(user)
        result = await runtime.domains.playlist_files.import_file(
            owner.id, data, file.name, name=name, base_dir=base_dir
        )
        playlist = result.contents.playlist
        console.print(
            f"imported {playlist.song_count} songs into playlist {playlist.id} "
            f"({playlist.name!r}, read as {result.encoding})",
            highlight=False,
        )
        for entry in result.unmatched:
            console.print(f"  line {entry.line}: {entry.text} — {entry.reason}", highlight=False)
        if result.unmatched:
            console.print(f"{len(result.unmatched)} entries not matched", highlight=False)

    run(_with_runtime(settings, work))


@app.command("export")
def export_playlist(
    ctx: typer.Context,
    playlist_id: Annotated[UUID, typer.Argument(help="The playlist's id.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Whose playlist it is.")],
    format: Annotated[str, typer.Option("--format", "-f", help="m3u8, m3u or xspf.")] = "m3u8",
    paths: Annotated[
        str, typer.Option(help="relative (to --base or each song's music folder) or absolute.")
    ] = "relative",
    base: Annotated[
        int | None, typer.Option(help="A music folder id (see `folders list`).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write a playlist as a file, songs named by their paths (stream URLs carrying an API
    key are made by the REST API: GET /api/playlists/{id}/export?paths=urls)."""
    from tonearm.playlists.files import ExportPaths, PlaylistFormat

    try:
        fmt = PlaylistFormat(format.lower())
        mode = ExportPaths(paths.lower())
    except ValueError:
        fail("--format is m3u8, m3u or xspf; --paths is relative or absolute")
    if mode is ExportPaths.URLS:
        fail("--paths urls needs an API key: use GET /api/playlists/{id}/export?paths=urls")
    settings = state(ctx).settings(quiet=True)

    async def work(runtime: Runtime) -> tuple[bytes, int]:
        owner = await runtime.domains.users.get_user(user)
        folders = runtime.domains.folders
        exported = await runtime.domains.playlist_files.export_playlist(
            owner.id,
            playlist_id,
            fmt,
            mode,
            folders=await folders.list_folders(),
            base=await folders.get(base) if base is not None else None,
        )
        return exported.body, exported.skipped

    body, skipped = run(_with_runtime(settings, work))
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        output.write_bytes(body)
        console.print(f"wrote {output}", highlight=False)
    if skipped:
        typer.echo(
            f"{skipped} entries left out (removed songs, or uploads without a path)", err=True
        )
