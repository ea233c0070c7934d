"""configure_logging: structured events (JSON off a terminal, readable on one)."""

from __future__ import annotations

import logging
import sys

import structlog

from tonearm.settings import Settings


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Route stdlib and structlog events through one structlog renderer on stderr.

    `level` overrides TONEARM_LOG_LEVEL when it is more severe (quiet CLI commands).
    """
    use_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info if use_json else _keep,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    chosen = settings.log_level.upper()
    if level is not None and logging.getLevelName(level.upper()) > logging.getLevelName(chosen):
        chosen = level.upper()
    root.setLevel(chosen)
    # huey logs every poll at INFO; botocore and uvicorn.access are noisy too.
    for noisy in ("huey", "botocore", "boto3", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _keep(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    return event
