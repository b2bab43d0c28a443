"""Fair use of roaming (Récapitulatif contractuel, Autres informations utiles; CGS 6.2; Options et
recharges §6, note (2); plans.toml `fair_use`): a line is billed (after an alert) as a
non-occasional traveller if, over 120 consecutive days, it used its plan on more than 60 days
only in roaming in the zone (outside mainland France) and more than half of its usage was roaming
usage in that zone.

Readings (plans.toml fair_use interpretation, and here):
- a day counts when the line has at least one usage record in the fair-use zones that day
  (Europe/Paris) and none in mainland France; records elsewhere (zone 2…) neither make a day
  roaming-only nor spoil it;
- "more than half of the usage" is read service by service — call seconds, messages (SMS and
  MMS), data Ko — and must hold for every service the line used in the window (the two
  conditions are cumulative and the thresholds strict, as the brochure writes them);
- the window is the `window_days` days ending on `as_of` (the application evaluates it daily).
"""

from datetime import date, timedelta
from fractions import Fraction

import polars as pl

from guichet.rating.counters import DAY_QUANTITIES, DAYS_SCHEMA
from guichet.rating.records import CALLS
from guichet.rating.tariff import HOME, FairUseRule

FAIR_USE_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "roaming_only_days": pl.Int64(),
    # The smallest roaming share among the services used, rounded down to 4 decimals (shown to
    # people; `flagged` compares the exact fractions).
    "roaming_share": pl.Decimal(38, 4),
    "flagged": pl.Boolean(),
}
PARIS = "Europe/Paris"
SHARE_SCALE = 10_000
SECONDS_PER_HOUR = 3600
_SERVICES = ("seconds", "messages", "ko")


def usage_days(priced: pl.DataFrame | pl.LazyFrame, zones: frozenset[str]) -> pl.DataFrame:
    """DAYS_SCHEMA rows of a batch of rated records (columns line, started, service, origin,
    seconds, ko): usage per line and day in mainland France and in the fair-use `zones`."""
    service = pl.col("service")
    used = priced.lazy().select(
        "line",
        "service",
        "origin",
        "seconds",
        "ko",
        _hour=pl.col("started").dt.epoch("s") // SECONDS_PER_HOUR,
    )
    home = pl.col("origin") == HOME
    roaming = ~home
    is_call, is_message, is_data = (
        service.is_in(CALLS),
        service.is_in(["sms", "mms"]),
        service == "data",
    )
    sides = {"home": home, "roaming": roaming}
    zero = pl.lit(0, dtype=pl.Int64)
    # Each quantity is a column first (0 where it does not apply): the grouping then only sums
    # columns, which Polars does much faster than filtering inside each aggregation.
    quantities = {
        **{f"{name}_records": side.cast(pl.Int64) for name, side in sides.items()},
        **{
            f"{name}_seconds": pl.when(side & is_call).then(pl.col("seconds")).otherwise(zero)
            for name, side in sides.items()
        },
        **{f"{name}_messages": (side & is_message).cast(pl.Int64) for name, side in sides.items()},
        **{
            f"{name}_ko": pl.when(side & is_data).then(pl.col("ko")).otherwise(zero)
            for name, side in sides.items()
        },
    }
    return (
        used.filter(home | pl.col("origin").is_in(sorted(zones)))
        .join(_paris_days(used), on="_hour", how="left")
        .select("line", "day", **quantities)
        .group_by("line", "day")
        .agg(pl.col(*quantities).sum())
        .select(list(DAYS_SCHEMA))
        .collect()
        .cast(pl.Schema(DAYS_SCHEMA))
    )


def _paris_days(used: pl.LazyFrame) -> pl.LazyFrame:
    """The Europe/Paris date of each UTC hour of the batch (_hour: hours since the epoch).
    Paris is a whole number of hours from UTC, so the hour gives the date; converting the few
    hundred distinct hours costs nothing, converting every record's time is slow."""
    return (
        used.select("_hour")
        .unique()
        .with_columns(
            day=pl.from_epoch(pl.col("_hour") * SECONDS_PER_HOUR, time_unit="s")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(PARIS)
            .dt.date()
        )
    )


def fair_use_flags(days: pl.DataFrame, *, as_of: date, rule: FairUseRule) -> pl.DataFrame:
    """FAIR_USE_SCHEMA, one row per line with usage in the `rule.window_days` days ending on
    `as_of` (DAYS_SCHEMA rows, of as many periods as the window covers; a day given twice is
    summed): `flagged` when it had more than `rule.roaming_only_days_more_than` roaming-only
    days and more than `rule.roaming_share_more_than` of the usage of each service it used was
    roaming. Billing alerts the customer, then rates the line as a non-occasional traveller."""
    first = as_of - timedelta(days=rule.window_days - 1)
    window = (
        days.select(list(DAYS_SCHEMA))
        .cast(pl.Schema(DAYS_SCHEMA))
        .filter(pl.col("day").is_between(first, as_of))
        .group_by("line", "day")
        .agg(pl.col(*DAY_QUANTITIES).sum())
    )
    roaming_only = (pl.col("roaming_records") > 0) & (pl.col("home_records") == 0)
    per_line = window.group_by("line").agg(
        *(pl.col(f"home_{s}", f"roaming_{s}").sum() for s in _SERVICES),
        roaming_only_days=roaming_only.sum().cast(pl.Int64),
    )
    share: Fraction = rule.roaming_share_more_than
    shares, above = [], []
    for name in _SERVICES:
        roaming, total = (
            pl.col(f"roaming_{name}"),
            pl.col(f"home_{name}") + pl.col(f"roaming_{name}"),
        )
        used = total > 0
        shares.append(pl.when(used).then(roaming * SHARE_SCALE // total))
        # roaming / total > p / q, exactly: roaming × q > p × total
        above.append(~used | (roaming * share.denominator > total * share.numerator))
    any_used = pl.any_horizontal(
        (pl.col(f"home_{s}") + pl.col(f"roaming_{s}")) > 0 for s in _SERVICES
    )
    return (
        per_line.select(
            "line",
            "roaming_only_days",
            roaming_share=pl.min_horizontal(shares).cast(FAIR_USE_SCHEMA["roaming_share"])
            / SHARE_SCALE,
            flagged=(pl.col("roaming_only_days") > rule.roaming_only_days_more_than)
            & any_used
            & pl.all_horizontal(above),
        )
        .sort("line")
        .cast(pl.Schema(FAIR_USE_SCHEMA))
    )
