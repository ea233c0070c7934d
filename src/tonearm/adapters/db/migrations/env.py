"""Alembic environment: runs on the connection that tonearm.adapters.db.migrate hands in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from tonearm.adapters.db.tables import UTCDateTime, include_schema_name, metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our TypeDecorator as the plain portable type, so migrations import no models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=True,
    render_item=render_item,
    compare_type=True,
    # Full-text index objects that the metadata cannot describe (see tables.py).
    include_name=include_schema_name,
)
with context.begin_transaction():
    context.run_migrations()
