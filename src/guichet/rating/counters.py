"""Counters per line for one billing period: what rating takes in and gives back, so that a period
rated in several files (in started_at order) gives the same charges and counters as one file.

Data is counted in Ko, per started Ko of each record (release.toml, volume_units). The period
itself (which dates) is the caller's: the core has no clock.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

# (service, origin, destination) → seconds (voice, video), messages (sms, mms) or Ko (data).
# origin is "FR" for mainland France or a zone code; destination a zone code, "" for data.
UsageKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class LineCounters:
    """One line's consumption in the period so far."""

    data_france_ko: int = 0  # used in mainland France, throttled part included
    data_roaming_included_ko: int = 0  # used in the plan's roaming zones within the allowance
    data_roaming_charged_ko: int = 0  # used in the roaming zones beyond it, at the surcharge
    throttled: bool = False  # the data allowance is exhausted: 64 kb/s until the next period
    out_of_bundle_micro_eur: int = 0
    usage: Mapping[UsageKey, int] = field(default_factory=dict)

    def data_remaining_ko(self, total_ko: int) -> int:
        return max(0, total_ko - self.data_france_ko - self.data_roaming_included_ko)

    def data_roaming_remaining_ko(self, total_ko: int, roaming_ko: int) -> int:
        return min(
            self.data_remaining_ko(total_ko), max(0, roaming_ko - self.data_roaming_included_ko)
        )


TOTALS_SCHEMA = {
    "line": pl.String,
    "data_france_ko": pl.Int64,
    "data_roaming_included_ko": pl.Int64,
    "data_roaming_charged_ko": pl.Int64,
    "throttled": pl.Boolean,
    "out_of_bundle_micro_eur": pl.Int64,
}
USAGE_SCHEMA = {
    "line": pl.String,
    "service": pl.String,
    "origin": pl.String,
    "destination": pl.String,
    "quantity": pl.Int64,
}


@dataclass(frozen=True, slots=True, eq=False)
class Counters:
    """Counters of every line seen in the period (a line never seen has all counters at 0),
    held in columns (one row per line in `totals`, one per line and usage key in `usage`) so that
    a batch of a million lines is added without a Python loop. Compare with `as_dict()`."""

    totals: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TOTALS_SCHEMA))
    usage: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=USAGE_SCHEMA))

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
        return cls(totals=totals, usage=usage)

    def line(self, line: str) -> LineCounters:
        rows = self.totals.filter(pl.col("line") == line).rows(named=True)
        if not rows:
            return LineCounters()
        row = rows[0]
        usage = self.usage.filter(pl.col("line") == line)
        return LineCounters(
            data_france_ko=row["data_france_ko"],
            data_roaming_included_ko=row["data_roaming_included_ko"],
            data_roaming_charged_ko=row["data_roaming_charged_ko"],
            throttled=row["throttled"],
            out_of_bundle_micro_eur=row["out_of_bundle_micro_eur"],
            usage={(s, o, d): q for _, s, o, d, q in usage.rows()},
        )

    def as_dict(self) -> dict[str, LineCounters]:
        return {line: self.line(line) for line in self.totals.get_column("line").to_list()}

    def data_frame(self) -> pl.DataFrame:
        """The data counters that allowance consumption starts from, one row per line."""
        return self.totals.select(
            "line",
            start_france_ko=pl.col("data_france_ko"),
            start_roaming_ko=pl.col("data_roaming_included_ko"),
        )

    def plus(self, totals: pl.DataFrame, usage: pl.DataFrame) -> "Counters":
        """These counters plus one batch: `totals` has one row per line (TOTALS_SCHEMA),
        `usage` one row per line, service, origin, destination with a quantity."""
        summed = (
            pl.concat(
                [self.totals, totals.select(list(TOTALS_SCHEMA)).cast(pl.Schema(TOTALS_SCHEMA))]
            )
            .group_by("line")
            .agg(
                pl.col(
                    "data_france_ko", "data_roaming_included_ko", "data_roaming_charged_ko"
                ).sum(),
                pl.col("throttled").any(),
                pl.col("out_of_bundle_micro_eur").sum(),
            )
            .sort("line")
        )
        used = (
            pl.concat([self.usage, usage.select(list(USAGE_SCHEMA)).cast(pl.Schema(USAGE_SCHEMA))])
            .group_by("line", "service", "origin", "destination")
            .agg(pl.col("quantity").sum())
            .sort("line", "service", "origin", "destination")
        )
        return Counters(totals=summed.select(list(TOTALS_SCHEMA)), usage=used)
