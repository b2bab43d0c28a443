"""Which line, plan and billing period each usage record belongs to (pure Polars, no Django:
the lines are given as a frame, `lines.selectors.rating_lines_frame`).

A record names its line by number (`line`, E.164). The line it belongs to is the one that held
that number when the record started (a terminated line's number may have gone to a new line),
in service then (activated, not yet terminated: a suspended line is still in service). Its plan
is the plan that line had at that instant; its billing period the Europe/Paris calendar month of
`started_at`. The lines routed are mobile lines (`rating_lines_frame` selects lines by number; a
fixed line has none, and its billed usage, the box's VOD, is read by the bill run over the
account's own period), and a mobile line's period is always the calendar month: its allowances
are monthly, and an account holding a mobile line keeps billing cycle day 1
(billing.cycle_rules).

A record that reaches no plan gets a `route_reason`; it is still checked by the rating core,
which names a malformed value first (a bad record is rejected for what is wrong with it).
"""

from collections.abc import Collection
from datetime import UTC, datetime

import polars as pl

from guichet.rating.records import E164, parse_started

PARIS = "Europe/Paris"
# Longest record_id stored (mediation ids are short): a longer one is rejected with a reason.
RECORD_ID_MAX_LENGTH = 64
ROUTED_SCHEMA: dict[str, pl.DataType] = {
    "line_id": pl.Int64(),
    "plan_code": pl.String(),
    "period_start": pl.Date(),
    "started": pl.Datetime("us", "UTC"),
    # Lines sharing a number in one chunk (before and after the number changed hands) are rated
    # in separate groups: the rating core knows a line by its number.
    "generation": pl.UInt32(),
    "route_reason": pl.String(),
}


def period_start_of(started: pl.Expr) -> pl.Expr:
    """The first day of the Europe/Paris calendar month of an aware UTC instant."""
    return started.dt.convert_time_zone(PARIS).dt.truncate("1mo").dt.date()


def route(
    records: pl.DataFrame,
    lines: pl.DataFrame,
    *,
    now: datetime,
    rateable_plans: Collection[str],
) -> pl.DataFrame:
    """`records` (USAGE_COLUMNS as text) with ROUTED_SCHEMA's columns added, one row per record
    in the same order. `lines` is `lines.selectors.rating_lines_frame` of the records' numbers;
    `rateable_plans` the plan codes the current catalog can rate. A record with a plan has a
    null `route_reason`; any other has the reason it reaches none."""
    now = now.astimezone(UTC)  # compared with UTC instants
    number = pl.col("line").str.strip_chars()
    frame = records.with_columns(
        _number=number,
        started=parse_started(records),
        _position=pl.int_range(pl.len(), dtype=pl.UInt32),
    )
    usable = frame.filter(
        pl.col("_number").str.contains(E164).fill_null(False) & pl.col("started").is_not_null()
    ).select("_position", "_number", "started")
    started = pl.col("started")
    in_service = (started >= pl.col("in_service_from")) & (
        pl.col("in_service_until").is_null() | (started < pl.col("in_service_until"))
    )
    on_plan = (
        pl.col("plan_code").is_not_null()
        & (started >= pl.col("plan_from"))
        & (pl.col("plan_until").is_null() | (started < pl.col("plan_until")))
    )
    matched = (
        usable.join(lines, left_on="_number", right_on="msisdn", how="inner")
        .filter(in_service)
        .sort("_position", "line_id")
        .group_by("_position", maintain_order=True)
        .agg(
            line_id=pl.col("line_id").first(),
            plan_code=pl.col("plan_code").filter(on_plan).first(),
        )
    )
    known = lines.get_column("msisdn").unique().implode()
    rateable = pl.Series(sorted(rateable_plans), dtype=pl.String).implode()
    frame = frame.join(matched, on="_position", how="left", maintain_order="left")
    shown = pl.format("'{}'", pl.col("_number"))
    record_id = pl.col("record_id").str.strip_chars()
    reason = (
        pl.when(record_id.str.len_chars() > RECORD_ID_MAX_LENGTH)
        .then(pl.lit(f"record_id longer than {RECORD_ID_MAX_LENGTH} characters"))
        .when(started > now)
        .then(
            pl.format(
                "started_at {} is after the import started ({})",
                pl.col("started_at").str.strip_chars(),
                pl.lit(now.isoformat()),
            )
        )
        .when(pl.col("line_id").is_null() & pl.col("_number").is_in(known))
        .then(
            pl.format(
                "line {} was not in service at {}", shown, pl.col("started_at").str.strip_chars()
            )
        )
        .when(pl.col("line_id").is_null())
        .then(pl.format("unknown line {}: no line of the operator has this number", shown))
        .when(pl.col("plan_code").is_null())
        .then(pl.format("line {} had no plan at {}", shown, pl.col("started_at").str.strip_chars()))
        .when(~pl.col("plan_code").is_in(rateable))
        .then(
            pl.format(
                "plan '{}' of line {} is not in the current catalog", pl.col("plan_code"), shown
            )
        )
    )
    frame = frame.with_columns(
        period_start=period_start_of(started),
        route_reason=reason,
    )
    generation = (
        pl.when(pl.col("route_reason").is_null())
        .then(pl.col("line_id").rank("dense").over("_number").cast(pl.UInt32))
        .otherwise(pl.lit(0, dtype=pl.UInt32))
    )
    return frame.with_columns(generation=generation).select(
        *records.columns, *(pl.col(name).cast(dtype) for name, dtype in ROUTED_SCHEMA.items())
    )
