"""The rating core's counters (`guichet.rating.Counters`) stored per line and billing period.

Each frame of `Counters` has its table (COUNTER_TABLES), with the frame's columns under the same
names, `line_id` for the frame's `line`, and `period_start`; its unique key is line, period and
the frame's key columns. A frame added to `Counters` needs its model and an entry here, nothing
else: loading and storing go over every field of `Counters`.
"""

from collections.abc import Collection, Mapping
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
# handed over by `changes` to be written), so that `changes` tells new rows from updated ones.
STORED = "_stored"
# In the earlier periods' allowances a top-up's balance is carried from: which period a row is of.
PERIOD = "_period"


@dataclass
class _Period:
    loaded: set[int] = field(default_factory=set)  # line ids read from the database
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # by line_id, with STORED


@dataclass(frozen=True)
class StoredCounters:
    """What the database holds for lines of one period that no earlier `CounterStore.read`
    asked for (`frames`, by COUNTER_TABLES name), and, when the tariff carries top-ups into
    the next period, the allowances of the periods they may be carried from (`PERIOD` says
    which) of those lines, for each period those not read in it."""

    period_start: date
    line_ids: frozenset[int]
    frames: Mapping[str, pl.DataFrame]
    previous_allowances: pl.DataFrame | None


@dataclass(frozen=True)
class CounterChanges:
    """The counter rows changed since the previous `CounterStore.changes`, per COUNTER_TABLES
    name: `new` to insert (COPY on PostgreSQL), `updated` to upsert."""

    new: Mapping[str, pl.DataFrame]
    updated: Mapping[str, pl.DataFrame]

    def write(self) -> None:
        """In the caller's transaction (one chunk of an import)."""
        for name, table in COUNTER_TABLES.items():
            keys = ("line_id", "period_start", *table.key_columns)
            # In the order of the unique key's index: PostgreSQL then inserts into each of its
            # pages once, in sequence (for the 231,000 new days of a 500,000-record import,
            # bench_usage_import: 0.42 s of server CPU instead of 0.64 s).
            if name in self.new:
                storage.insert_frame(table.model, self.new[name].sort(keys, nulls_last=True))
            if name in self.updated:
                storage.upsert_frame(
                    table.model, self.updated[name].sort(keys, nulls_last=True), key_columns=keys
                )


class CounterStore:
    """The counters of the lines an import meets, per period: read from the database the first
    time a line and period come up, then kept in memory; `changes` hands over the rows changed
    since the previous call, which the import writes in the chunk's transaction. Only right
    while no one else writes them: an import holds the import lock from start to end
    (`storage.import_lock`).

    Reading (`read`, database) and counting (`load`, `store`, `changes`, memory only) may run
    in two threads, one chunk apart: `read` remembers which lines it has read, so that the rows
    of a line it hands over are the database's before this import wrote any (the import writes
    only lines it has read), whenever `load` takes them in."""

    def __init__(self) -> None:
        self._schemas = counter_schemas()
        self._periods: dict[date, _Period] = {}
        self._changed: dict[str, list[pl.DataFrame]] = {name: [] for name in self._schemas}
        self._read: dict[date, set[int]] = {}  # line ids asked for by `read`, per period

    def read(
        self, *, line_ids: Collection[int], period_start: date, tariff: Tariff | None = None
    ) -> StoredCounters:
        """The stored rows of the lines among `line_ids` not read before for the period (and
        what `load` needs of the previous period to carry `tariff`'s top-ups into this one)."""
        asked = self._read.setdefault(period_start, set())
        missing = sorted(set(line_ids) - asked)
        frames = {}
        previous = None
        if missing:
            for name, schema in self._schemas.items():
                stored = _stored_schema(schema)
                frames[name] = storage.load_rows(
                    COUNTER_TABLES[name].model,
                    columns=list(stored),
                    schema=stored,
                    period_start=period_start,
                    line_ids=missing,
                )
            if tariff is not None and tariff.top_ups_with_validity:
                schema = _stored_schema(self._schemas["allowances"])
                previous = pl.concat(
                    [
                        storage.load_rows(
                            LineAllowanceUse,
                            columns=list(schema),
                            schema=schema,
                            period_start=earlier,
                            line_ids=sorted(set(missing) - self._read.get(earlier, set())),
                        ).with_columns(pl.lit(earlier).alias(PERIOD))
                        for earlier in _carrying_periods(period_start, tariff)
                    ]
                )
        asked.update(missing)
        return StoredCounters(
            period_start=period_start,
            line_ids=frozenset(missing),
            frames=frames,
            previous_allowances=previous,
        )

    def load(
        self,
        *,
        lines: Mapping[int, str],
        period_start: date,
        tariff: Tariff | None = None,
        stored: StoredCounters | None = None,
    ) -> Counters:
        """The counters of these lines (line id → the number rating knows it by) for the period;
        a line with no row yet has all its counters at 0, as rating expects, except what
        `tariff`'s top-ups valid some days have included in the previous period while still in
        force at this period's start (`Counters.carried_into_next_period`): a 7-day top-up
        bought on the 28th keeps its balance into the next month. `stored` is what `read`
        returned for these lines (read now when not given)."""
        if stored is None:
            stored = self.read(line_ids=lines, period_start=period_start, tariff=tariff)
        period = self._periods.setdefault(period_start, _Period())
        missing = sorted(set(lines) - period.loaded)
        assert set(missing) <= stored.line_ids, "counters loaded before being read"
        for name, schema in self._schemas.items():
            frame = period.frames.get(
                name, pl.DataFrame(schema=_stored_schema(schema) | {STORED: pl.Boolean()})
            )
            if missing:
                read = stored.frames[name].filter(
                    pl.col("line_id").is_in(pl.Series(missing, dtype=pl.Int64).implode())
                )
                frame = pl.concat([frame, read.with_columns(pl.lit(True).alias(STORED))])
            period.frames[name] = frame
        if missing and tariff is not None and tariff.top_ups_with_validity:
            assert stored.previous_allowances is not None
            self._carry_into(
                period,
                period_start,
                {id_: lines[id_] for id_ in missing},
                tariff,
                stored.previous_allowances,
            )
        period.loaded.update(missing)
        return Counters(
            **{name: self._by_number(period.frames[name], lines) for name in self._schemas}
        )

    def _carry_into(
        self,
        period: _Period,
        period_start: date,
        lines: Mapping[int, str],
        tariff: Tariff,
        from_database: pl.DataFrame,
    ) -> None:
        """Add to the period's allowances of `lines` (just read) what the periods before carry
        into it, for the keys the period has no row of yet (a row it has already counts what was
        carried, since the first import of the period's usage). A top-up's latest row counts all
        its use so far: a line with no usage in the month before has none there, and its top-up
        bought near the end of the month before that (30 days from 31 January reach 2 March)
        still carries its balance. Each earlier period's allowances come from memory for the
        lines counted in it, else `from_database` (its rows of that period, PERIOD)."""
        parts = []
        for earlier in _carrying_periods(period_start, tariff):
            counted = self._periods.get(earlier)
            in_memory = sorted(counted.loaded & set(lines)) if counted else []
            ids = pl.Series(in_memory, dtype=pl.Int64).implode()
            parts.append(
                from_database.filter((pl.col(PERIOD) == earlier) & ~pl.col("line_id").is_in(ids))
            )
            if counted is not None:
                parts.append(
                    counted.frames["allowances"]
                    .filter(pl.col("line_id").is_in(ids))
                    .drop(STORED)
                    .with_columns(pl.lit(earlier).alias(PERIOD))
                )
        keys = ["line_id", *COUNTER_TABLES["allowances"].key_columns]
        latest = (
            pl.concat(parts)
            .sort(PERIOD, descending=True)
            .unique(subset=keys, keep="first", maintain_order=True)
            .drop(PERIOD)
        )
        before = Counters(allowances=self._by_number(latest, lines))
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

    def changes(self) -> CounterChanges:
        """The counters changed since the previous call (their latest values), which count as
        stored from now on: the caller writes them (`CounterChanges.write`) in the same
        transaction as the records they count."""
        new, updated = {}, {}
        for name, frames in self._changed.items():
            if not frames:
                continue
            table = COUNTER_TABLES[name]
            keys = ("line_id", "period_start", *table.key_columns)
            latest = pl.concat(frames).unique(subset=keys, keep="last", maintain_order=True)
            new[name] = latest.filter(~pl.col(STORED)).drop(STORED)
            updated[name] = latest.filter(STORED).drop(STORED)
            frames.clear()
        for period in self._periods.values():
            for name, frame in period.frames.items():
                period.frames[name] = frame.with_columns(pl.lit(True).alias(STORED))
        return CounterChanges(new=new, updated=updated)


ALLOWANCE_KEY_AND_QUANTITY = ("product_code", "active_from", "service", "quantity")


def _numbers(lines: Mapping[int, str]) -> dict[str, int]:
    return {number: line_id for line_id, number in lines.items()}


def _previous_period(period_start: date) -> date:
    return (period_start - timedelta(days=1)).replace(day=1)


def _carrying_periods(period_start: date, tariff: Tariff) -> list[date]:
    """The periods before `period_start`, latest first, in which a top-up of `tariff` still in
    force when it starts may have been bought (or used last)."""
    longest = max(tariff.products[code].validity_days or 0 for code in tariff.top_ups_with_validity)
    starts = datetime.combine(period_start, time(), tzinfo=PARIS)
    first = (starts - timedelta(days=longest)).date().replace(day=1)
    periods = [_previous_period(period_start)]
    while periods[-1] > first:
        periods.append(_previous_period(periods[-1]))
    return periods
