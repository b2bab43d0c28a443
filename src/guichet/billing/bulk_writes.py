"""Bulk inserts of billing rows (the bill run's invoices and invoice lines), in the caller's
transaction.

Rows are tuples of Python values, in the order of the `columns` named (field attnames:
`invoice_id`, not `invoice`). On PostgreSQL they stream through one `COPY … FROM STDIN` (psycopg
3 adapts each value; JSON columns are wrapped as `Jsonb`), which skips the per-value work of
the ORM's INSERT; elsewhere (SQLite) they go through `bulk_create`. No id comes back: the caller
reads the ids it needs by a natural key (an invoice's account and period).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb

# Rows per INSERT on SQLite, far below its bound-parameter limit (32,766) for ~20 columns.
SQLITE_BATCH = 1_000


def rows_insert(
    *, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows),
            batch_size=SQLITE_BATCH,
        )
        return
    json_positions = [n for n, field in enumerate(fields) if isinstance(field, models.JSONField)]
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)}"
        f" ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if json_positions:
                row = list(row)
                for position in json_positions:
                    row[position] = Jsonb(row[position])
            copy.write_row(row)
