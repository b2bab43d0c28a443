"""Bulk reads and writes of the usage tables, from and to Polars frames.

Rated records arrive by hundreds of thousands: rows go to PostgreSQL through `COPY … FROM STDIN`
(psycopg 3, a CSV buffer written by Polars) and to SQLite through one `executemany`. Frames name
their columns after the table's columns (`line_id`, `batch_id`). Everything runs inside the
caller's transaction: a chunk of a file is stored whole or not at all.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from io import BytesIO

import polars as pl
from django.db import connection, models

from guichet.usage.models import UsageRecord

# Rows per CSV buffer sent to COPY: bounds the memory of the text copy of a chunk.
COPY_ROWS = 100_000
# Values per IN (...) list on SQLite, far below its bound-parameter limit (32,766).
IN_BATCH = 5_000
# Any constant: the key of the PostgreSQL advisory lock that serialises imports.
IMPORT_LOCK_KEY = 0x75_73_61_67_65  # "usage"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


@contextmanager
def import_lock() -> Iterator[None]:
    """Imports take turns: an import keeps the counters of the lines it rates in memory from one
    chunk to the next, so no other import may write them meanwhile. A PostgreSQL session lock,
    released at the end or when the connection drops (a killed import); SQLite has one writer
    at a time already."""
    if not _postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])


def stored_record_ids(ids: pl.Series) -> pl.Series:
    """The ids among `ids` that are already stored as rated records, never reading more of the
    table than those: on PostgreSQL, one query with the ids as an array, looked up through the
    primary key (half the server time of copying them to a temporary table joined with the
    stored ones); on SQLite, by batches of IN (...)."""
    wanted = ids.drop_nulls().unique()
    found: list[str] = []
    table, column = _table(UsageRecord), connection.ops.quote_name("record_id")
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s::text[])",
                [_array_literal(wanted)],
            )
            found = [row[0] for row in cursor.fetchall()]
        else:
            for batch in _batches(wanted):
                marks = ", ".join(["%s"] * batch.len())
                cursor.execute(
                    f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", batch.to_list()
                )
                found += [row[0] for row in cursor.fetchall()]
    return pl.Series("record_id", found, dtype=pl.String)


def _array_literal(values: pl.Series) -> str:
    """A PostgreSQL text array literal of `values` (as stored: see `_text_safe`), written by
    Polars: a third less of this process's time than psycopg adapting a list of strings."""
    frame = values.to_frame("value")
    safe = frame.with_columns(*_text_safe(frame)).get_column("value")
    quoted = safe.str.replace_all("\\", "\\\\", literal=True).str.replace_all(
        '"', '\\"', literal=True
    )
    return "{" + ('"' + quoted + '"').str.join(",").item() + "}"


def _batches(values: pl.Series) -> Iterator[pl.Series]:
    for offset in range(0, values.len(), IN_BATCH):
        yield values.slice(offset, IN_BATCH)


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Insert every row of `frame` (columns named as the table's) into `model`'s table."""
    if frame.height == 0:
        return
    if _postgres():
        _copy(_table(model), frame)
        return
    marks = ", ".join(["%s"] * frame.width)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_table(model)} ({_columns(frame.columns)}) VALUES ({marks})",
            _sqlite_ready(frame).iter_rows(),
        )


def load_rows(
    model: type[models.Model],
    *,
    columns: Sequence[str],
    schema: dict[str, pl.DataType],
    period_start: date,
    line_ids: Sequence[int],
) -> pl.DataFrame:
    """`columns` of `model`'s rows of the period whose line is one of `line_ids`. On PostgreSQL
    one query with the ids as an array (an IN list of thousands of values took longer to plan
    than to run); on SQLite by batches of IN (...), through the ORM, which converts its text
    dates and 0/1 booleans."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_columns(columns)} FROM {_table(model)}"
                f" WHERE {connection.ops.quote_name('period_start')} = %s"
                f" AND {connection.ops.quote_name('line_id')} = ANY(%s)",
                [period_start, list(line_ids)],
            )
            return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")
    rows: list[tuple[object, ...]] = []
    for offset in range(0, len(line_ids), IN_BATCH):
        batch = line_ids[offset : offset + IN_BATCH]
        rows += model._default_manager.filter(
            period_start=period_start, line_id__in=batch
        ).values_list(*columns)
    return pl.DataFrame(rows, schema=schema, orient="row")


def upsert_frame(
    model: type[models.Model], frame: pl.DataFrame, *, key_columns: Sequence[str]
) -> None:
    """Insert the rows of `frame`, replacing the values of the rows whose `key_columns` (a
    unique constraint of the table) are already there."""
    if frame.height == 0:
        return
    table, columns = _table(model), _columns(frame.columns)
    values = [name for name in frame.columns if name not in key_columns]
    conflict = f"ON CONFLICT ({_columns(key_columns)}) DO UPDATE SET " + ", ".join(
        f"{connection.ops.quote_name(name)} = excluded.{connection.ops.quote_name(name)}"
        for name in values
    )
    with connection.cursor() as cursor:
        if _postgres():
            staging = connection.ops.quote_name(f"_staging_{model._meta.db_table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            _copy(staging, frame)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} {conflict}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            marks = ", ".join(["%s"] * frame.width)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}",
                _sqlite_ready(frame).iter_rows(),
            )


def _copy(table: str, frame: pl.DataFrame) -> None:
    statement = f"COPY {table} ({_columns(frame.columns)}) FROM STDIN (FORMAT csv)"
    ready = _postgres_ready(frame)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for offset in range(0, ready.height, COPY_ROWS):
            buffer = BytesIO()
            # Polars writes null as an empty field (NULL to COPY) and "" quoted (an empty text);
            # it formats dates and times itself, faster than strftime columns.
            ready.slice(offset, COPY_ROWS).write_csv(
                buffer,
                include_header=False,
                datetime_format="%Y-%m-%d %H:%M:%S%.6f+00:00",
                date_format="%Y-%m-%d",
            )
            copy.write(buffer.getbuffer())


def _text_safe(frame: pl.DataFrame) -> list[pl.Expr]:
    """Text columns without NUL characters, which no database text type holds (a usage file
    may carry anything: the rejected record keeps the rest of the value). Only the columns that
    hold one are rewritten: looking costs a third of replacing."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text or frame.height == 0:
        return []
    holding = frame.select(pl.col(text).str.contains("\x00", literal=True).any()).row(0)
    return [
        pl.col(name).str.replace_all("\x00", "\ufffd", literal=True)
        for name, nul in zip(text, holding, strict=True)
        if nul
    ]


def _postgres_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes in UTC, which `_copy` writes with a +00:00 offset."""
    return frame.with_columns(
        *_text_safe(frame),
        *(
            pl.col(name).dt.convert_time_zone("UTC")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.Datetime)
        ),
    )


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Values as Django's SQLite backend stores them: datetimes as naive UTC text, with
    microseconds only when there are some (as `adapt_datetimefield_value` writes them, so that
    text comparisons in queries agree), dates as ISO text."""
    conversions = _text_safe(frame)
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            utc = pl.col(name).dt.convert_time_zone("UTC")
            conversions.append(
                pl.when(utc.dt.microsecond() == 0)
                .then(utc.dt.strftime("%Y-%m-%d %H:%M:%S"))
                .otherwise(utc.dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
            )
        elif dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d"))
    return frame.with_columns(conversions)
