"""Folded names: `sort_key` on artists, albums and songs, `search_name` on artists and albums

Lists sort by `sort_key` (the sort name folded: no accents, no leading article), so
"Été à Montréal" sorts among the E's; artist and album search matches words in
`search_name` (the name folded as song search folds text). Both are filled here for the
rows there are, and kept by the models from then on (tables.py).

The columns are added in place (NOT NULL with an empty default), never by copying a table:
on SQLite a batch copy of `songs` would drop the table its children cascade from.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The one folding of names; the stored keys must be what new rows get.
from tonearm.library.folding import fold, sort_key

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
CHARS = 500
# table: (column, what it is made from, how), ...
FOLDED = {
    "artists": (("sort_key", "sort_name", sort_key), ("search_name", "name", fold)),
    "albums": (("sort_key", "sort_name", sort_key), ("search_name", "name", fold)),
    "songs": (("sort_key", "sort_title", sort_key),),
}
INDEXED = {"artists": "sort_key", "albums": "sort_key", "songs": "sort_key"}


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in FOLDED.items():
        for column, _, _ in columns:
            op.add_column(
                table,
                sa.Column(column, sa.String(length=CHARS), server_default="", nullable=False),
            )
        _fill(bind, table, columns)
        name = INDEXED[table]
        op.create_index(op.f(f"ix_{table}_{name}"), table, [name], unique=False)


def _fill(bind: sa.Connection, table: str, columns: tuple[tuple[str, str, object], ...]) -> None:
    sources = sorted({source for _, source, _ in columns})
    rows = sa.table(
        table,
        sa.column("id", sa.Uuid()),
        *(sa.column(source, sa.String()) for source in sources),
        *(sa.column(column, sa.String()) for column, _, _ in columns),
    )
    found = bind.execute(sa.select(rows.c.id, *(rows.c[s] for s in sources))).all()
    update = rows.update().where(rows.c.id == sa.bindparam("row_id"))
    update = update.values({column: sa.bindparam(f"new_{column}") for column, _, _ in columns})
    for start in range(0, len(found), BATCH):
        values = []
        for row in found[start : start + BATCH]:
            by_source = dict(zip(sources, row[1:], strict=True))
            item: dict[str, object] = {"row_id": row[0]}
            for column, source, how in columns:
                item[f"new_{column}"] = str(how(by_source[source] or ""))[:CHARS]  # type: ignore[operator]
            values.append(item)
        bind.execute(update, values)


def downgrade() -> None:
    for table, columns in FOLDED.items():
        op.drop_index(op.f(f"ix_{table}_{INDEXED[table]}"), table_name=table)
        for column, _, _ in columns:
            # In place (SQLite 3.35+ and PostgreSQL): no table copy, as in upgrade.
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
