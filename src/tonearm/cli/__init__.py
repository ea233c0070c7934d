"""The `tonearm` command line."""

from tonearm.cli.main import app, main

__all__ = ["app", "main"]
