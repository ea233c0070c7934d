"""What every command shares: the settings (loaded once) and one way to report errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from tonearm.errors import ConfigError, TonearmError

if TYPE_CHECKING:
    from tonearm.app import Runtime
    from tonearm.settings import Settings

T = TypeVar("T")

console = Console()
error_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one red line on stderr and exit with `code`."""
    error_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@dataclass
class CliState:
    """Per-invocation state, kept on typer's context object."""

    config_file: Path | None
    _settings: Settings | None = None

    def settings(self, *, quiet: bool = False) -> Settings:
        """Load the settings once; a bad value ends the command with one line.

        `quiet` keeps logs to errors, for commands that draw progress bars and report per file.
        """
        if self._settings is None:
            # Imported here: `tonearm --help` and a command's own --help never load pydantic.
            from tonearm.logging import configure_logging
            from tonearm.settings import load_settings

            try:
                self._settings = load_settings(self.config_file)
            except ConfigError as error:
                fail(str(error), code=2)
            configure_logging(self._settings, level="error" if quiet else None)
        return self._settings


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation."""
    obj: CliState = ctx.ensure_object(CliState) if ctx.obj is None else ctx.obj
    return obj


def run(
    coroutine: Coroutine[Any, Any, T],
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> T:
    """Run `coroutine`; a ConfigError exits 2 and any other TonearmError exits 1, one line.
    (`loop_factory`: e.g. uvicorn's, so `serve` runs the server on the loop it opened with.)"""
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(coroutine)
    except ConfigError as error:
        fail(str(error), code=2)
    except TonearmError as error:
        fail(str(error))


async def with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open a runtime (the app is imported only now), run `work` on it, close it."""
    from tonearm.app import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await work(runtime)
    finally:
        await runtime.close()
