"""`tonearm serve` and `tonearm worker`."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tonearm.cli.context import console, run, state

if TYPE_CHECKING:
    import uvicorn

    from tonearm.app import Runtime
    from tonearm.jobs import JobRegistry
    from tonearm.settings import Settings


async def _preflight(settings: Settings, *, first_admin: bool = False) -> None:
    """Contact every component once so a wrong URL stops start-up with one line; migrate an
    embedded database; queue the repair of imports a killed process left pending."""
    from tonearm.app import open_runtime

    runtime = await open_runtime(settings)
    try:
        await _start(runtime, first_admin=first_admin)
    finally:
        await runtime.close()


async def _start(runtime: Runtime, *, first_admin: bool) -> None:
    from tonearm.app import on_start

    await on_start(runtime)
    if first_admin:
        created = await runtime.domains.users.create_first_admin()
        if created is not None:
            user, password = created
            console.print(
                f"No accounts yet: created admin [bold]{user.username}[/bold] with password "
                f"[bold]{password}[/bold] — shown only now; change it with "
                "`tonearm user passwd admin` or POST /api/auth/password.",
                soft_wrap=True,  # never break the password across lines
            )


def _preflight_in_child(config_file: Path | None) -> None:
    """The preflight of `serve --workers N`, run in a child process: the supervising
    process then never loads the application and stays small (uvicorn's workers load it)."""
    from tonearm.cli.context import CliState

    settings = CliState(config_file).settings()
    run(_preflight(settings, first_admin=True))


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8080).")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (default 1).")] = None,
) -> None:
    """Run the server: web player, REST API and (embedded queue) the job worker."""
    import uvicorn

    from tonearm.settings import export_config_file

    cli = state(ctx)
    settings = cli.settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        # X-Forwarded-* only from the proxies the owner listed (none: never).
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "root_path": settings.public_path,
        "server_header": False,
    }
    where = settings.public_url or f"http://{host}:{port}"
    if workers == 1:
        # One process, one event loop: the runtime the preflight opened is the one the
        # app serves with (opening it twice doubled the start-up work).
        config = uvicorn.Config(app=_not_yet_built, **common)
        run(_serve_one(settings, config, where), loop_factory=config.get_loop_factory())
        return
    # Several processes need an import string; they re-read the same settings.
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_preflight_in_child, args=(cli.config_file,))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise typer.Exit(child.exitcode or 1)
    console.print(f"tonearm listening on [bold]{where}[/bold]  (data: {settings.data_dir})")
    export_config_file(cli.config_file)
    uvicorn.run(
        "tonearm.app:create_app_from_environment",
        factory=True,
        workers=workers,
        **common,
    )


async def _not_yet_built(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("serve replaces this placeholder before uvicorn loads it")


async def _serve_one(settings: Settings, config: uvicorn.Config, where: str) -> None:
    import uvicorn

    from tonearm.app import create_app, open_runtime

    runtime = await open_runtime(settings)
    try:
        await _start(runtime, first_admin=True)
    except BaseException:
        await runtime.close()
        raise
    console.print(f"tonearm listening on [bold]{where}[/bold]  (data: {settings.data_dir})")
    config.app = create_app(settings, runtime=runtime)
    await uvicorn.Server(config).serve()


def worker(
    ctx: typer.Context,
    threads: Annotated[
        int | None, typer.Option(help="Job threads (default TONEARM_JOB_WORKERS).")
    ] = None,
) -> None:
    """Run jobs from the queue (scale-out: one or more per machine, next to `serve`)."""
    settings = state(ctx).settings()
    if threads is not None:
        settings = settings.model_copy(update={"job_workers": threads})
    run_worker(settings)


def run_worker(settings: Settings, registry: JobRegistry | None = None) -> None:
    """Consume jobs until SIGINT or SIGTERM, then let running jobs finish."""
    from tonearm.adapters.queue import open_job_queue
    from tonearm.app import build_job_worker

    run(_preflight(settings))
    queue = open_job_queue(settings.resolved_queue_url)
    job_worker = build_job_worker(settings, queue, registry)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    job_worker.start()
    console.print(f"tonearm worker {job_worker.worker_id}: {settings.job_workers} threads")
    stop.wait()
    console.print("stopping: letting running jobs finish…")
    job_worker.stop()
    queue.close()
