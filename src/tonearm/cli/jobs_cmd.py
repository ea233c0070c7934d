"""`tonearm jobs`: what runs in the background, and running a job now."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tonearm.cli.context import console, fail, run, state

if TYPE_CHECKING:
    from tonearm.app import Runtime
    from tonearm.jobs import JobRun

app = typer.Typer(help="Background jobs.", no_args_is_help=True)


def _when(run: JobRun | None) -> str:
    if run is None:
        return "never"
    moment = run.finished_at or run.started_at or run.enqueued_at
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    runs: Annotated[int, typer.Option(help="Also show this many recent runs.")] = 10,
) -> None:
    """Each job: schedule, last run and its result, next run; then the latest runs."""
    settings = state(ctx).settings()

    from tonearm.app import open_runtime
    from tonearm.jobs import JobState

    async def go() -> tuple[Runtime, list[JobRun]]:
        runtime = await open_runtime(settings)
        try:
            return runtime, await runtime.domains.jobs.recent(limit=max(runs, 500))
        finally:
            await runtime.close()

    runtime, recent = run(go())
    table = Table("job", "schedule (UTC)", "last run", "result", "seconds", "next run")
    for job in runtime.domains.jobs.registry:
        last = next((r for r in recent if r.job_name == job.name), None)
        result = last.state.value if last else ""
        if last and last.state is JobState.FAILED and last.error:
            result = f"failed: {last.error}"
        duration = last.duration_seconds if last else None
        next_due = runtime.domains.jobs.next_due(job.name)
        table.add_row(
            job.name,
            job.cron or "on demand",
            _when(last),
            result,
            f"{duration:.1f}" if duration is not None else "",
            next_due.strftime("%Y-%m-%d %H:%M") if next_due else "",
        )
    console.print(table)
    if runs:
        history = Table("run", "job", "state", "attempts", "when", "error", title="recent runs")
        for item in recent[:runs]:
            history.add_row(
                str(item.id)[:8],
                item.job_name,
                item.state.value,
                str(item.attempts),
                _when(item),
                item.error or "",
            )
        console.print(history)


@app.command("run")
def run_job(
    ctx: typer.Context,
    name: str,
    payload: Annotated[str, typer.Option(help="JSON arguments for the job.")] = "{}",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change, change nothing.")
    ] = False,
) -> None:
    """Run a job now, once, in this process, and print its outcome."""
    settings = state(ctx).settings()
    try:
        arguments = json.loads(payload)
    except json.JSONDecodeError as error:
        fail(f"--payload is not JSON: {error}")
    if dry_run:
        arguments["dry_run"] = True

    from tonearm.app import open_runtime
    from tonearm.jobs import JobState

    async def go() -> JobRun | None:
        runtime = await open_runtime(settings)
        try:
            queued = await runtime.domains.jobs.enqueue(name, arguments)
            worker_id = f"cli:{uuid.uuid4().hex[:8]}"
            return await runtime.domains.jobs.execute(queued.id, worker_id, runtime.domains)
        finally:
            await runtime.close()

    outcome = run(go())
    if outcome is None:
        fail(f"job {name} was taken by a running worker before this command could run it")
    console.print(f"{name}: {outcome.state.value} after {outcome.attempts} attempt(s)")
    if outcome.result:
        console.print(json.dumps(outcome.result, default=str))
    if outcome.error:
        console.print(f"[red]{outcome.error}[/red]")
    if outcome.state is not JobState.SUCCEEDED:
        raise typer.Exit(1)
