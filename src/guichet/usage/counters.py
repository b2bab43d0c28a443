"""The rating core's counters (`guichet.rating.Counters`) stored per line and billing period.

Each frame of `Counters` has its table (COUNTER_TABLES), with the frame's columns under the same
names, `line_id` for the frame's `line`, and `period_start`; its unique key is line, period and
the frame's key columns. A frame added to `Counters` needs its model and an entry here, nothing
else: loading and storing go over every field of `Counters`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

import polars as pl
from django.db import models

from guichet.rating import Counters
from guichet.usage import storage
from guichet.usage.models import (
    LineAllowanceRecipient,
    LineAllowanceUse,
    LineUsageDay,
    LineUsageQuantity,
    LineUsageTotals,
)


@dataclass(frozen=True)
class CounterTable:
    model: type[models.Model]
    key_columns: tuple[str, ...]  # besides line and period


COUNTER_TABLES: Mapping[str, CounterTable] = {
    "totals": CounterTable(LineUsageTotals, ()),
    "usage": CounterTable(LineUsageQuantity, ("service", "origin", "destination")),
    "allowances": CounterTable(LineAllowanceUse, ("product_code", "active_from", "service")),
    "recipients": CounterTable(
        LineAllowanceRecipient, ("product_code", "active_from", "recipient")
    ),
    "days": CounterTable(LineUsageDay, ("day",)),
}


def counter_schemas() -> dict[str, pl.Schema]:
    """Each frame of `Counters` by field name, with its columns (`line` first)."""
    empty = Counters()
    return {item.name: getattr(empty, item.name).schema for item in fields(Counters)}


def _stored_schema(schema: pl.Schema) -> dict[str, pl.DataType]:
    return {"line_id": pl.Int64()} | {name: schema[name] for name in schema if name != "line"}


@dataclass
class _Period:
    loaded: set[int] = field(default_factory=set)  # line ids read from the database
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # by line_id


class CounterStore:
    """The counters of the lines an import meets, per period: read from the database the first
    time a line and period come up, then kept in memory; `flush` writes the rows that changed
    since the last flush (in the chunk's transaction). Only right while no one else writes them:
    an import holds the import lock from start to end (`storage.import_lock`)."""

    def __init__(self) -> None:
        self._schemas = counter_schemas()
        self._periods: dict[date, _Period] = {}
        self._changed: dict[str, list[pl.DataFrame]] = {name: [] for name in self._schemas}

    def load(self, *, lines: Mapping[int, str], period_start: date) -> Counters:
        """The counters of these lines (line id → the number rating knows it by) for the period;
        a line with no row yet has all its counters at 0, as rating expects."""
        period = self._periods.setdefault(period_start, _Period())
        missing = sorted(set(lines) - period.loaded)
        for name, schema in self._schemas.items():
            stored = _stored_schema(schema)
            frame = period.frames.get(name, pl.DataFrame(schema=stored))
            if missing:
                read = storage.load_rows(
                    COUNTER_TABLES[name].model,
                    columns=list(stored),
                    schema=stored,
                    filters={"period_start": period_start},
                    line_ids=missing,
                )
                frame = pl.concat([frame, read])
            period.frames[name] = frame
        period.loaded.update(missing)
        ids = pl.Series(list(lines), dtype=pl.Int64).implode()
        return Counters(
            **{
                name: period.frames[name]
                .filter(pl.col("line_id").is_in(ids))
                .select(
                    pl.col("line_id").replace_strict(lines, return_dtype=pl.String).alias("line"),
                    pl.exclude("line_id"),
                )
                for name in self._schemas
            }
        )

    def store(self, *, counters: Counters, lines: Mapping[str, int], period_start: date) -> None:
        """`counters` (every line in them is in `lines`: number → line id, all loaded first)
        become the period's counters of those lines."""
        period = self._periods[period_start]
        ids = pl.Series(list(lines.values()), dtype=pl.Int64).implode()
        for name in self._schemas:
            new = getattr(counters, name).select(
                pl.col("line").replace_strict(lines, return_dtype=pl.Int64).alias("line_id"),
                pl.exclude("line"),
            )
            kept = period.frames[name]
            changed = new.join(kept, on=new.columns, how="anti", nulls_equal=True)
            self._changed[name].append(changed.with_columns(period_start=pl.lit(period_start)))
            period.frames[name] = pl.concat([kept.filter(~pl.col("line_id").is_in(ids)), new])

    def flush(self) -> None:
        """Write the counters changed since the last flush (their latest values)."""
        for name, frames in self._changed.items():
            if not frames:
                continue
            table = COUNTER_TABLES[name]
            keys = ("line_id", "period_start", *table.key_columns)
            latest = pl.concat(frames).unique(subset=keys, keep="last", maintain_order=True)
            storage.upsert_frame(table.model, latest, key_columns=keys)
            frames.clear()
