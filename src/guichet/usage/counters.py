"""The rating core's counters (`guichet.rating.Counters`) stored per line and billing period.

Each frame of `Counters` has its table (COUNTER_TABLES), with the frame's columns under the same
names, `line_id` for the frame's `line` and `period_start`; the unique key is line, period and
the frame's key columns. A frame added to `Counters` needs its model and an entry here, nothing
else: loading and storing go over every field of `Counters`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

import polars as pl
from django.db import models

from guichet.rating import Counters
from guichet.usage import storage
from guichet.usage.models import LineUsageQuantity, LineUsageTotals


@dataclass(frozen=True)
class CounterTable:
    model: type[models.Model]
    key_columns: tuple[str, ...]  # besides line and period


COUNTER_TABLES: Mapping[str, CounterTable] = {
    "totals": CounterTable(LineUsageTotals, ()),
    "usage": CounterTable(LineUsageQuantity, ("service", "origin", "destination")),
}


def _frames() -> dict[str, pl.Schema]:
    empty = Counters()
    return {field.name: getattr(empty, field.name).schema for field in fields(Counters)}


def counters_load(*, lines: Mapping[int, str], period_start: date) -> Counters:
    """The stored counters of these lines (line id → the number rating knows it by) for the
    period; a line with no row yet has all its counters at 0, as rating expects."""
    frames = {}
    line_ids = sorted(lines)
    for name, schema in _frames().items():
        values = [column for column in schema.names() if column != "line"]
        rows = storage.load_rows(
            COUNTER_TABLES[name].model,
            columns=["line_id", *values],
            schema={"line_id": pl.Int64(), **{column: schema[column] for column in values}},
            filters={"period_start": period_start},
            line_ids=line_ids,
        )
        frames[name] = rows.select(
            pl.col("line_id").replace_strict(lines, return_dtype=pl.String).alias("line"), *values
        )
    return Counters(**frames)


def counters_store(*, counters: Counters, lines: Mapping[str, int], period_start: date) -> None:
    """Write `counters` (every line in them must be in `lines`: number → line id) as the
    period's counters of those lines, replacing what was stored."""
    for name in _frames():
        frame = getattr(counters, name)
        table = COUNTER_TABLES[name]
        stored = frame.select(
            pl.col("line").replace_strict(lines, return_dtype=pl.Int64).alias("line_id"),
            pl.lit(period_start).alias("period_start"),
            pl.exclude("line"),
        )
        storage.upsert_frame(
            table.model, stored, key_columns=("line_id", "period_start", *table.key_columns)
        )
