"""`tonearm mashup`: mix a user's compatible top songs of the last 6 months into mashups now
(what the monthly `mashups.generate` job does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tonearm.cli.context import console, run, state, with_runtime

if TYPE_CHECKING:
    from tonearm.analysis.mashups import GenerationReport
    from tonearm.app import Runtime


def mashup(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Whose top songs (default: everyone who listened)."),
    ] = None,
    pairs: Annotated[
        int, typer.Option("--pairs", "-n", min=1, max=20, help="New mashups per user, at most.")
    ] = 3,
) -> None:
    """Make mashups from top songs: Camelot-compatible keys, tempos within 8% (counting
    half/double), stretched, beat-aligned, mixed and normalised; each goes to its user's
    "Mashups" list with why the pair was chosen. A pair made before is not made again."""
    settings = state(ctx).settings(quiet=True)

    async def work(runtime: Runtime) -> list[tuple[str, GenerationReport]]:
        service = runtime.domains.mashups
        if user is not None:
            owners = [await runtime.domains.users.get_user(user)]
        else:
            listeners = set(await service.listeners())
            owners = [u for u in await runtime.domains.users.list_users() if u.id in listeners]
        return [(owner.username, await service.generate(owner.id, pairs)) for owner in owners]

    reports = run(with_runtime(settings, work))
    if not reports:
        console.print("nobody has counted plays in the last 6 months: no mashups to make")
    for username, report in reports:
        console.print(
            f"{username}: {len(report.made)} new mashups from {report.candidates} analysed top "
            f"songs ({report.already_made} compatible pairs made before)",
            highlight=False,
        )
        for made in report.made:
            console.print(f"  {made.title}  [{made.storage_key}]", highlight=False)
            console.print(f"    why: {made.why}", highlight=False)
