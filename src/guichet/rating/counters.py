"""Counters per line for one billing period: what rating takes in and gives back, so that a period
rated in several files (in started_at order) gives the same charges and counters as one file.

Data is counted in Ko, per started Ko of each record (release.toml, volume_units). The period
itself (which dates) is the caller's: the core has no clock.

Five frames, each a plain columnar table with a fixed schema (the application stores them in
tables and reloads them):
- `totals` (TOTALS_SCHEMA): one row per line: data used, throttled or not, out-of-bundle total;
- `usage` (USAGE_SCHEMA): quantities per line, service, origin and destination zone;
- `allowances` (ALLOWANCES_SCHEMA): what each option or top-up subscription of a line has
  included so far, per service (calls in billed seconds, SMS, data in Ko);
- `recipients` (RECIPIENTS_SCHEMA): the distinct numbers an option with a recipient cap has
  included this period (99 per month for the 85-destination landline option);
- `days` (DAYS_SCHEMA): per line and day (Europe/Paris), the usage in France and in the fair-use
  roaming zones, for the fair-use rule (`fair_use.fair_use_flags`), kept 120 days and more.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

# (service, origin, destination) → seconds (voice, video), messages (sms, mms) or Ko (data).
# origin is "FR" for mainland France or a zone code; destination a zone code, "" for data.
UsageKey = tuple[str, str, str]
# (product_code, active_from of the subscription, service) → s, SMS or Ko included so far.
AllowanceKey = tuple[str, datetime, str]
# (product_code, active_from of the subscription) → the distinct numbers it included.
RecipientsKey = tuple[str, datetime]


@dataclass(frozen=True, slots=True)
class DayUsage:
    """One line's usage on one day (Europe/Paris) in mainland France ("home") and in the plan's
    fair-use roaming zones ("roaming"): records, call seconds, messages, data Ko."""

    home_records: int = 0
    roaming_records: int = 0
    home_seconds: int = 0
    roaming_seconds: int = 0
    home_messages: int = 0
    roaming_messages: int = 0
    home_ko: int = 0
    roaming_ko: int = 0


@dataclass(frozen=True, slots=True)
class LineCounters:
    """One line's consumption in the period so far."""

    data_france_ko: int = 0  # used in mainland France, throttled part included
    data_roaming_included_ko: int = 0  # used in the plan's roaming zones within the allowance
    data_roaming_charged_ko: int = 0  # used in the roaming zones beyond it, at the surcharge
    # The line's last data used in France (in started_at order) was throttled to 64 kb/s: the
    # plan's allowance and any speed restoration are used up, until the next period or a new
    # speed restoration.
    throttled: bool = False
    out_of_bundle_micro_eur: int = 0
    usage: Mapping[UsageKey, int] = field(default_factory=dict)
    allowances: Mapping[AllowanceKey, int] = field(default_factory=dict)
    recipients: Mapping[RecipientsKey, frozenset[str]] = field(default_factory=dict)
    days: Mapping[date, DayUsage] = field(default_factory=dict)

    def allowance_used(self, product_code: str, service: str) -> int:
        """What the line's subscriptions to a product have included of a service this period."""
        return sum(
            quantity
            for (code, _, used_service), quantity in self.allowances.items()
            if (code, used_service) == (product_code, service)
        )

    def recipient_count(self, product_code: str) -> int:
        return sum(
            len(numbers) for (code, _), numbers in self.recipients.items() if code == product_code
        )

    def data_remaining_ko(self, total_ko: int) -> int:
        return max(0, total_ko - self.data_france_ko - self.data_roaming_included_ko)

    def data_roaming_remaining_ko(self, total_ko: int, roaming_ko: int) -> int:
        return min(
            self.data_remaining_ko(total_ko), max(0, roaming_ko - self.data_roaming_included_ko)
        )


TOTALS_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "data_france_ko": pl.Int64(),
    "data_roaming_included_ko": pl.Int64(),
    "data_roaming_charged_ko": pl.Int64(),
    "throttled": pl.Boolean(),
    "out_of_bundle_micro_eur": pl.Int64(),
}
USAGE_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "service": pl.String(),
    "origin": pl.String(),
    "destination": pl.String(),
    "quantity": pl.Int64(),
}
_UTC = pl.Datetime("us", "UTC")
ALLOWANCES_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "product_code": pl.String(),
    "active_from": _UTC,  # the subscription (two top-ups of one product are two rows)
    "service": pl.String(),  # "voice" (calls, billed seconds), "sms" (messages) or "data" (Ko)
    "quantity": pl.Int64(),  # included so far
}
RECIPIENTS_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "product_code": pl.String(),
    "active_from": _UTC,
    "recipient": pl.String(),  # the number called, as in the usage record (other_party)
}
DAYS_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "day": pl.Date(),  # Europe/Paris
    "home_records": pl.Int64(),
    "roaming_records": pl.Int64(),
    "home_seconds": pl.Int64(),
    "roaming_seconds": pl.Int64(),
    "home_messages": pl.Int64(),
    "roaming_messages": pl.Int64(),
    "home_ko": pl.Int64(),
    "roaming_ko": pl.Int64(),
}
DAY_QUANTITIES = tuple(name for name in DAYS_SCHEMA if name not in ("line", "day"))


def _empty(schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def _conform(
    frame: pl.DataFrame | None, schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    if frame is None:
        return _empty(schema)
    return frame.select(list(schema)).cast(pl.Schema(dict(schema)))


@dataclass(frozen=True, slots=True, eq=False)
class Counters:
    """Counters of every line seen in the period (a line never seen has all counters at 0),
    held in columns (one row per line in `totals`, one per line and usage key in `usage`, …) so
    that a batch of a million lines is added without a Python loop. Rows are in no particular
    order (`plus` puts the rows a batch adds to after the others): compare with `as_dict()`."""

    totals: pl.DataFrame = field(default_factory=lambda: _empty(TOTALS_SCHEMA))
    usage: pl.DataFrame = field(default_factory=lambda: _empty(USAGE_SCHEMA))
    allowances: pl.DataFrame = field(default_factory=lambda: _empty(ALLOWANCES_SCHEMA))
    recipients: pl.DataFrame = field(default_factory=lambda: _empty(RECIPIENTS_SCHEMA))
    days: pl.DataFrame = field(default_factory=lambda: _empty(DAYS_SCHEMA))

    @classmethod
    def of(cls, lines: Mapping[str, LineCounters]) -> "Counters":
        totals = pl.DataFrame(
            [
                {
                    "line": line,
                    "data_france_ko": c.data_france_ko,
                    "data_roaming_included_ko": c.data_roaming_included_ko,
                    "data_roaming_charged_ko": c.data_roaming_charged_ko,
                    "throttled": c.throttled,
                    "out_of_bundle_micro_eur": c.out_of_bundle_micro_eur,
                }
                for line, c in lines.items()
            ],
            schema=TOTALS_SCHEMA,
        )
        usage = pl.DataFrame(
            [
                {"line": line, "service": s, "origin": o, "destination": d, "quantity": q}
                for line, c in lines.items()
                for (s, o, d), q in c.usage.items()
            ],
            schema=USAGE_SCHEMA,
        )
        allowances = pl.DataFrame(
            [
                {"line": line, "product_code": p, "active_from": f, "service": s, "quantity": q}
                for line, c in lines.items()
                for (p, f, s), q in c.allowances.items()
            ],
            schema=ALLOWANCES_SCHEMA,
        )
        recipients = pl.DataFrame(
            [
                {"line": line, "product_code": p, "active_from": f, "recipient": number}
                for line, c in lines.items()
                for (p, f), numbers in c.recipients.items()
                for number in sorted(numbers)
            ],
            schema=RECIPIENTS_SCHEMA,
        )
        days = pl.DataFrame(
            [
                {"line": line, "day": day} | {name: getattr(usage, name) for name in DAY_QUANTITIES}
                for line, c in lines.items()
                for day, usage in c.days.items()
            ],
            schema=DAYS_SCHEMA,
        )
        return cls(
            totals=totals, usage=usage, allowances=allowances, recipients=recipients, days=days
        )

    def line(self, line: str) -> LineCounters:
        rows = self.totals.filter(pl.col("line") == line).rows(named=True)
        row = rows[0] if rows else {}
        usage = self.usage.filter(pl.col("line") == line)
        allowances = self.allowances.filter(pl.col("line") == line)
        recipients: dict[RecipientsKey, set[str]] = {}
        for _, product, since, number in self.recipients.filter(pl.col("line") == line).rows():
            recipients.setdefault((product, since), set()).add(number)
        days = self.days.filter(pl.col("line") == line).drop("line")
        return LineCounters(
            data_france_ko=row.get("data_france_ko", 0),
            data_roaming_included_ko=row.get("data_roaming_included_ko", 0),
            data_roaming_charged_ko=row.get("data_roaming_charged_ko", 0),
            throttled=row.get("throttled", False),
            out_of_bundle_micro_eur=row.get("out_of_bundle_micro_eur", 0),
            usage={(s, o, d): q for _, s, o, d, q in usage.rows()},
            allowances={(p, f, s): q for _, p, f, s, q in allowances.rows()},
            recipients={key: frozenset(numbers) for key, numbers in recipients.items()},
            days={
                day["day"]: DayUsage(**{n: day[n] for n in DAY_QUANTITIES})
                for day in days.rows(named=True)
            },
        )

    def lines(self) -> list[str]:
        """Every line with a counter, sorted."""
        frames = (self.totals, self.usage, self.allowances, self.recipients, self.days)
        return sorted(set().union(*(frame.get_column("line").to_list() for frame in frames)))

    def as_dict(self) -> dict[str, LineCounters]:
        return {line: self.line(line) for line in self.lines()}

    def data_frame(self) -> pl.DataFrame:
        """The data counters that allowance consumption starts from, one row per line."""
        return self.totals.select(
            "line",
            start_france_ko=pl.col("data_france_ko"),
            start_roaming_ko=pl.col("data_roaming_included_ko"),
        )

    def plus(
        self,
        totals: pl.DataFrame,
        usage: pl.DataFrame | None,
        allowances: pl.DataFrame | None = None,
        recipients: pl.DataFrame | None = None,
        days: pl.DataFrame | None = None,
    ) -> "Counters":
        """These counters plus one batch rated after them (started_at order): `totals` has one
        row per line (TOTALS_SCHEMA), `usage` one row per line, service, origin, destination with
        a quantity, and the other frames their schema's rows, one per key (None: nothing).
        Quantities add up; `throttled` is the batch's where the batch used data in France, else
        these counters'."""
        # Both sides have one row per key (these counters as `plus` and `of` build them): a
        # join adds the batch to them, where grouping the two again would cost as much as the
        # period's counters are large, at every batch.
        quantities = ("data_france_ko", "data_roaming_included_ko", "data_roaming_charged_ko")
        batch_france = pl.col("data_france_ko_batch")
        summed = self.totals.join(
            _conform(totals, TOTALS_SCHEMA),
            on="line",
            how="full",
            coalesce=True,
            suffix="_batch",
            nulls_equal=True,
            maintain_order="left_right",
        ).select(
            "line",
            *(_plus(name) for name in quantities),
            throttled=pl.when(batch_france > 0)
            .then(pl.col("throttled_batch"))
            .otherwise(pl.col("throttled"))
            .fill_null(False),
            out_of_bundle_micro_eur=_plus("out_of_bundle_micro_eur"),
        )
        return Counters(
            totals=summed.select(list(TOTALS_SCHEMA)),
            usage=_summed(self.usage, usage, USAGE_SCHEMA, "quantity"),
            allowances=_summed(self.allowances, allowances, ALLOWANCES_SCHEMA, "quantity"),
            recipients=pl.concat([self.recipients, _conform(recipients, RECIPIENTS_SCHEMA)])
            .unique()
            .sort(list(RECIPIENTS_SCHEMA)),
            days=_summed(self.days, days, DAYS_SCHEMA, *DAY_QUANTITIES, within="day"),
        )

    def carried_into_next_period(self, top_ups_with_validity: Collection[str]) -> "Counters":
        """The counters a new period starts from: only what the top-ups in
        `top_ups_with_validity` (validity in days from activation, which a plan renewal does not
        end: `Tariff.top_ups_with_validity`) have included, so that a 7-day top-up bought two
        days before the renewal keeps its balance. `days` is not carried: the application keeps
        120 days of it across periods for the fair-use rule."""
        codes = pl.Series(list(top_ups_with_validity), dtype=pl.String)
        return Counters(
            allowances=self.allowances.filter(pl.col("product_code").is_in(codes.implode()))
        )


def _plus(name: str) -> pl.Expr:
    return pl.col(name).fill_null(0) + pl.col(f"{name}_batch").fill_null(0)


def _summed(
    old: pl.DataFrame,
    batch: pl.DataFrame | None,
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
    *quantities: str,
    within: str | None = None,
) -> pl.DataFrame:
    """`old` plus `batch`'s quantities per key (each has one row per key): the rows of `old`
    the batch does not add to, in their order, then the batch's keys. Only the keys both have
    are joined: the period's rows are not copied when the batch has only new keys (a file in
    started_at order brings new days). With `within` (a key column), only the rows of `old`
    with one of the batch's values in it are looked up: comparing that column is much cheaper
    than hashing all the keys of the period, which grows with each batch (the days)."""
    keys = [name for name in schema if name not in quantities]
    old, added = _conform(old, schema), _conform(batch, schema)
    positions = old.select(keys).with_row_index("_position")
    if within is not None:
        values = added.get_column(within).unique().implode()
        positions = positions.filter(pl.col(within).is_in(values, nulls_equal=True))
    positions = positions.join(added.select(keys), on=keys, how="semi", nulls_equal=True)
    if positions.height == 0:
        return pl.concat([old, added])
    rows = positions.get_column("_position")
    added_to = pl.repeat(False, old.height, dtype=pl.Boolean, eager=True).scatter(rows, True)
    both = old.filter(added_to)
    return pl.concat(
        [
            old.filter(~added_to),
            added.join(
                both, on=keys, how="left", suffix="_old", nulls_equal=True, maintain_order="left"
            ).select(
                *keys,
                *(
                    (pl.col(name).fill_null(0) + pl.col(f"{name}_old").fill_null(0)).alias(name)
                    for name in quantities
                ),
            ),
        ]
    )
