"""The rating core's counters (`guichet.rating.Counters`) stored per line and billing period.

Each frame of `Counters` has its table (COUNTER_TABLES), with the frame's columns under the same
names, `line_id` for the frame's `line`, and `period_start`; its unique key is line, period and
the frame's key columns. A frame added to `Counters` needs its model and an entry here, nothing
else: loading and storing go over every field of `Counters`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from django.db import models

from guichet.rating import Counters, Tariff
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
PARIS = ZoneInfo("Europe/Paris")  # billing periods are Europe/Paris calendar months


def counter_schemas() -> dict[str, pl.Schema]:
    """Each frame of `Counters` by field name, with its columns (`line` first)."""
    empty = Counters()
    return {item.name: getattr(empty, item.name).schema for item in fields(Counters)}


def _stored_schema(schema: pl.Schema) -> dict[str, pl.DataType]:
    return {"line_id": pl.Int64()} | {name: schema[name] for name in schema if name != "line"}


# In the frames kept in memory: whether the row is in the database as it stands (read from it, or
# written by a flush), so that a flush inserts the new rows and updates only the others.
STORED = "_stored"


@dataclass
class _Period:
    loaded: set[int] = field(default_factory=set)  # line ids read from the database
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # by line_id, with STORED


class CounterStore:
    """The counters of the lines an import meets, per period: read from the database the first
    time a line and period come up, then kept in memory; `flush` writes the rows that changed
    since the last flush (in the chunk's transaction). Only right while no one else writes them:
    an import holds the import lock from start to end (`storage.import_lock`)."""

    def __init__(self) -> None:
        self._schemas = counter_schemas()
        self._periods: dict[date, _Period] = {}
        self._changed: dict[str, list[pl.DataFrame]] = {name: [] for name in self._schemas}

    def load(
        self, *, lines: Mapping[int, str], period_start: date, tariff: Tariff | None = None
    ) -> Counters:
        """The counters of these lines (line id → the number rating knows it by) for the period;
        a line with no row yet has all its counters at 0, as rating expects, except what
        `tariff`'s top-ups valid some days have included in the previous period while still in
        force at this period's start (`Counters.carried_into_next_period`): a 7-day top-up
        bought on the 28th keeps its balance into the next month."""
        period = self._periods.setdefault(period_start, _Period())
        missing = sorted(set(lines) - period.loaded)
        for name, schema in self._schemas.items():
            stored = _stored_schema(schema)
            frame = period.frames.get(name, pl.DataFrame(schema=stored | {STORED: pl.Boolean()}))
            if missing:
                read = storage.load_rows(
                    COUNTER_TABLES[name].model,
                    columns=list(stored),
                    schema=stored,
                    period_start=period_start,
                    line_ids=missing,
                )
                frame = pl.concat([frame, read.with_columns(pl.lit(True).alias(STORED))])
            period.frames[name] = frame
        if missing and tariff is not None and tariff.top_ups_with_validity:
            self._carry_into(period, period_start, {id_: lines[id_] for id_ in missing}, tariff)
        period.loaded.update(missing)
        return Counters(
            **{name: self._by_number(period.frames[name], lines) for name in self._schemas}
        )

    def _carry_into(
        self, period: _Period, period_start: date, lines: Mapping[int, str], tariff: Tariff
    ) -> None:
        """Add to the period's allowances of `lines` (just read) what the previous period
        carries into it, for the keys the period has no row of yet (a row it has already counts
        what was carried, since the first import of the period's usage)."""
        previous_start = _previous_period(period_start)
        previous = self._periods.get(previous_start)
        in_memory = sorted(previous.loaded & set(lines)) if previous else []
        from_database = sorted(set(lines) - set(in_memory))
        schema = _stored_schema(self._schemas["allowances"])
        ids = pl.Series(in_memory, dtype=pl.Int64).implode()
        parts = [
            storage.load_rows(
                LineAllowanceUse,
                columns=list(schema),
                schema=schema,
                period_start=previous_start,
                line_ids=from_database,
            )
        ]
        if previous is not None:
            parts.append(
                previous.frames["allowances"].filter(pl.col("line_id").is_in(ids)).drop(STORED)
            )
        before = Counters(allowances=self._by_number(pl.concat(parts), lines))
        carried = before.carried_into_next_period(tariff.top_ups_with_validity).allowances
        validity = pl.DataFrame(
            {
                "product_code": list(tariff.top_ups_with_validity),
                "_days": [
                    tariff.products[code].validity_days for code in tariff.top_ups_with_validity
                ],
            },
            schema={"product_code": pl.String(), "_days": pl.Int64()},
        )
        starts = datetime.combine(period_start, time(), tzinfo=PARIS).astimezone(UTC)
        # A top-up that ended before the renewal has nothing left to carry: kept, it would be
        # carried from month to month.
        in_force = (
            carried.join(validity, on="product_code")
            .filter(pl.col("active_from") + pl.duration(days=pl.col("_days")) > starts)
            .select(
                pl.col("line")
                .replace_strict(_numbers(lines), return_dtype=pl.Int64)
                .alias("line_id"),
                *ALLOWANCE_KEY_AND_QUANTITY,
            )
        )
        kept = period.frames["allowances"]
        keys = ["line_id", *COUNTER_TABLES["allowances"].key_columns]
        new = in_force.join(kept, on=keys, how="anti", nulls_equal=True)
        period.frames["allowances"] = pl.concat(
            [kept, new.with_columns(pl.lit(False).alias(STORED))]
        )

    def _by_number(self, frame: pl.DataFrame, lines: Mapping[int, str]) -> pl.DataFrame:
        ids = pl.Series(list(lines), dtype=pl.Int64).implode()
        return frame.filter(pl.col("line_id").is_in(ids)).select(
            pl.col("line_id").replace_strict(lines, return_dtype=pl.String).alias("line"),
            pl.exclude("line_id", STORED),
        )

    def store(self, *, counters: Counters, lines: Mapping[str, int], period_start: date) -> None:
        """`counters` (every line in them is in `lines`: number → line id, all loaded first)
        become the period's counters of those lines."""
        period = self._periods[period_start]
        ids = pl.Series(list(lines.values()), dtype=pl.Int64).implode()
        for name, table in COUNTER_TABLES.items():
            kept = period.frames[name]
            keys = ["line_id", *table.key_columns]
            new = (
                getattr(counters, name)
                .select(
                    pl.col("line").replace_strict(lines, return_dtype=pl.Int64).alias("line_id"),
                    pl.exclude("line"),
                )
                .join(kept.select(*keys, STORED), on=keys, how="left", nulls_equal=True)
                .with_columns(pl.col(STORED).fill_null(False))
            )
            # Unchanged: the same values as a row the database holds.
            changed = new.join(kept.filter(STORED), on=new.columns, how="anti", nulls_equal=True)
            self._changed[name].append(changed.with_columns(period_start=pl.lit(period_start)))
            period.frames[name] = pl.concat([kept.filter(~pl.col("line_id").is_in(ids)), new])

    def flush(self) -> None:
        """Write the counters changed since the last flush (their latest values): the rows the
        database does not hold yet are inserted (COPY on PostgreSQL), the others upserted."""
        for name, frames in self._changed.items():
            if not frames:
                continue
            table = COUNTER_TABLES[name]
            keys = ("line_id", "period_start", *table.key_columns)
            latest = pl.concat(frames).unique(subset=keys, keep="last", maintain_order=True)
            storage.insert_frame(table.model, latest.filter(~pl.col(STORED)).drop(STORED))
            storage.upsert_frame(table.model, latest.filter(STORED).drop(STORED), key_columns=keys)
            frames.clear()
        for period in self._periods.values():
            for name, frame in period.frames.items():
                period.frames[name] = frame.with_columns(pl.lit(True).alias(STORED))


ALLOWANCE_KEY_AND_QUANTITY = ("product_code", "active_from", "service", "quantity")


def _numbers(lines: Mapping[int, str]) -> dict[str, int]:
    return {number: line_id for line_id, number in lines.items()}


def _previous_period(period_start: date) -> date:
    return (period_start - timedelta(days=1)).replace(day=1)
