"""Rating: every usage record priced by the brochure's rules, in columns, nothing lost.

`rate_usage(records, tariff=…, counters=…, seen_ids=…)` takes the records as text columns (see
`records.USAGE_COLUMNS`), returns one output row per input row, in input order, with `status`
"rated" or "rejected", the charge in integer micro-euros, and a `reason` (the rule applied, or
what was wrong), plus the counters after the batch. `read = rated + rejected` is asserted.

Rules, with their sources:
- Zones: International §1 (zones.toml); destination from other_party (zones.py), origin from
  visited_network ("FR" is mainland France, "satellite" the satellite networks).
- Included (Récapitulatif contractuel, plans.toml woot-100go): from mainland France, calls/SMS/MMS
  to French numbers (DOM included); receiving in France; from the roaming zones (zone 1, UE et
  DOM), calls/SMS/MMS to the roaming zones (France métropolitaine is a zone 1 destination).
- Out of bundle: International §2 (rates.toml), charging rules (*) (**), rounding in money.py.
- Data: per started Ko of each record; 100 Go per period in France and zone 1, of which at most
  17 Go from zone 1; beyond 100 Go in France, not charged but throttled (64 kb/s, "débit réduit
  en France métropolitaine"); zone 1 usage beyond its allowance (17 Go, or what remains of the
  100 Go) at the zone 1 rate per Mo; other zones at their rate per Mo.
- Special numbers (numbers.toml): free numbers cost nothing anywhere; customer service and 09
  numbers are normal calls; 766/737/467 add their per-call and per-minute surcharges (Services
  multimédia) to the normal call, which abroad is a call from the visited zone to zone 1
  (rates.toml rule service-numbers-from-abroad).
- Calls of 0 s are not charged (no established call); any call of 1 s or more is billed at least
  the indivisible first minute or first 30 s of its charging rule.

- Options and top-ups (allowances.py): with `subscriptions`, what the plan leaves out of
  bundle is first taken from the allowances of the line's options and top-ups in force (calls,
  SMS, data abroad, speed restoration in France); only the rest is charged or throttled.
- Flags (the record happened, so it is rated; billing and care decide what follows):
  `blocked` when a blocking option in force (options.toml `blocks`) should have stopped it:
  out-of-bundle usage, premium-rate calls, calls abroad out of bundle, international calls
  included by an option ("l'option désactive les appels vers l'international compris dans
  votre offre"); `without_international_option` when it is usage to or from abroad that
  neither the plan nor an option or top-up includes (entirely), on a line without the
  international option (rates.toml rule international-option-required: the network refuses
  such usage, so a record of it is an anomaly). `subscriptions=None` means no option at all.
- Fair use: each batch adds its usage per line and day (Europe/Paris) in France and in the
  fair-use zones to the `days` counters; `fair_use.fair_use_flags` reads them.

Allowances are consumed in started_at order (then record_id) within each line, with cumulative
sums: rating a period in several files, in started_at order, with the counters and seen record
ids carried from one to the next gives the same charges and counters as one file.
"""

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from guichet.rating.allowances import (
    NON_OCCASIONAL_SCHEMA,
    Coverage,
    active_at,
    cover,
    empty_coverage,
    in_force,
    subscription_windows,
)
from guichet.rating.counters import Counters
from guichet.rating.fair_use import usage_days
from guichet.rating.money import BYTES_PER_KO, KO_PER_MO, SECONDS_PER_MINUTE
from guichet.rating.money import div_round_half_up_expr as rounded
from guichet.rating.records import (
    CALLS,
    SERVICES,
    first_reason,
    looked_up,
    parse_columns,
    raw,
    true_positions,
)
from guichet.rating.tariff import (
    CALLS_ALLOWANCE,
    DATA_ALLOWANCE,
    HOME,
    SMS_ALLOWANCE,
    Tariff,
)
from guichet.rating.zones import resolve_destinations

RATED = "rated"
REJECTED = "rejected"

OUTPUT_COLUMNS = (
    "record_id",
    "line",
    "started_at",
    "service",
    "direction",
    "status",
    "origin_zone",
    "destination_zone",
    "charge_micro_eur",
    "included",
    "throttled",
    "reason",
    # Added with options and top-ups (null on rejected records):
    "allowance_code",  # the option or top-up whose allowance included (part of) the record
    "allowance_used",  # what options and top-ups included: s (calls), SMS, Ko (data)
    "blocked",  # a blocking option in force should have stopped it
    "without_international_option",  # international usage not included, no international option
)


class RatingInvariantError(AssertionError):
    """read ≠ rated + rejected: a record was lost or duplicated (a bug, never bad input)."""


@dataclass(frozen=True, slots=True)
class RatingResult:
    records: pl.DataFrame  # OUTPUT_COLUMNS, one row per input row, in input order
    counters: Counters
    read: int
    rated: int
    rejected: int
    total_micro_eur: int
    # Per line, (started, record_id) of the first and the last record, in allowance order, that
    # consumed a data allowance (ALLOWANCE_SPAN_SCHEMA): a split of the period rates like one
    # batch when each line's records of the next batch come after its last one here.
    allowance_span: pl.DataFrame | None = None

    def rated_ids(self) -> pl.Series:
        """The record ids rated in this batch: add them to `seen_ids` for the next one."""
        # The column alone is filtered: filtering the frame would copy every column.
        rated = self.records.get_column("status") == RATED
        return self.records.get_column("record_id").filter(rated)


def rate_usage(
    records: pl.DataFrame,
    *,
    tariff: Tariff,
    counters: Counters | None = None,
    seen_ids: Collection[str] | pl.Series = (),
    known_lines: Collection[str] | None = None,
    earlier_ids: Collection[str] | pl.Series = (),
    subscriptions: pl.DataFrame | None = None,
    non_occasional: pl.DataFrame | None = None,
    usage_counters: bool = True,
) -> RatingResult:
    """Rate one batch of usage records of one billing period for lines on `tariff`'s plan,
    starting from `counters` (default: a fresh period). A record_id in `seen_ids` or seen earlier
    in the batch is rejected as duplicate; with `known_lines`, a record of another line is
    rejected as unknown. `earlier_ids` are ids rated in earlier chunks of the same input (a
    chunked read of one file): their duplicates are "earlier in this input". `subscriptions`
    (SUBSCRIPTIONS_SCHEMA) are the options and top-ups of the lines, with when each is in force
    (rows of products the tariff does not sell with the plan are ignored); None: no option.
    `non_occasional` (NON_OCCASIONAL_SCHEMA): when lines are rated as non-occasional travellers
    (fair use: billing decides, after alerting the customer, from `fair_use.fair_use_flags`):
    their usage in the fair-use zones is then out of bundle at the zone's rates.
    `usage_counters=False`: the counters returned have empty `usage` and `days` frames (what
    rating the next batch does not read), for a caller that keeps neither (`guichet rate`):
    their cost, and their memory, which grows with lines × days, are saved."""
    prepared = prepare_usage(
        records,
        tariff=tariff,
        seen_ids=seen_ids,
        known_lines=known_lines,
        earlier_ids=earlier_ids,
        non_occasional=non_occasional,
    )
    return rate_prepared(
        prepared,
        tariff=tariff,
        counters=counters,
        subscriptions=subscriptions,
        usage_counters=usage_counters,
    )


@dataclass(frozen=True, slots=True)
class PreparedUsage:
    """A batch parsed, checked for duplicates and looked up in the rate table: what rating does
    before the allowances, which needs no counters (`prepare_usage`, then `rate_prepared`; a
    chunked reader prepares the next chunk while this one is rated)."""

    frame: pl.DataFrame
    read: int


def prepare_usage(
    records: pl.DataFrame,
    *,
    tariff: Tariff,
    seen_ids: Collection[str] | pl.Series = (),
    known_lines: Collection[str] | None = None,
    earlier_ids: Collection[str] | pl.Series = (),
    non_occasional: pl.DataFrame | None = None,
) -> PreparedUsage:
    """The first part of `rate_usage` (same arguments)."""
    read = records.height
    frame = parse_columns(records.with_row_index("_row"), tariff)
    frame = resolve_destinations(frame, tariff)
    frame = _special_reasons(frame, tariff)
    if known_lines is not None:
        known = pl.Series(list(known_lines), dtype=pl.String)
        unknown = pl.format("unknown line '{}'", pl.col(raw("line")))
        unknown_reason = first_reason(frame, [(~pl.col("line").is_in(known.implode()), unknown)])
        frame = frame.with_columns(reason=pl.coalesce("reason", unknown_reason))
    frame = _duplicates(frame, seen_ids, earlier_ids)
    # Rejected records stay in their rows, so that the output is in input order without being
    # put back together, but are inert: of no kind (`_kinds`), they have no quantity, price or
    # allowance, and every count and sum below reads the rated rows alone (`_valid`).
    parsed_away = ("visited_network", "other_party", "duration_s", "volume_bytes")
    rejection = pl.col("reason")
    frame = frame.drop(*(raw(name) for name in parsed_away), "dest_reason").with_columns(
        _valid=rejection.is_null(),
        _rejection=rejection,
    )
    return PreparedUsage(frame=_rated_at(_kinds(frame, tariff), tariff, non_occasional), read=read)


def rate_prepared(
    prepared: PreparedUsage,
    *,
    tariff: Tariff,
    counters: Counters | None = None,
    subscriptions: pl.DataFrame | None = None,
    usage_counters: bool = True,
) -> RatingResult:
    """The second part of `rate_usage` (same arguments): allowances, charges, reasons, counters."""
    counters = counters or Counters()
    read = prepared.read
    windows = None if subscriptions is None else subscription_windows(subscriptions, tariff)
    priced, span, coverage, last_france = _price(prepared.frame, tariff, counters, windows)
    out = _output(priced)
    rated_count, rejected_count, total = priced.select(
        rated=pl.col("_valid").sum(),
        rejected=(~pl.col("_valid")).sum(),
        total=pl.col("charge_micro_eur").filter(pl.col("_valid")).sum(),
    ).row(0)
    # Compared with each of the two statuses: a fifth of the cost of counting the values.
    status = out.get_column("status")
    if (
        out.height != read
        or read != rated_count + rejected_count
        or (status == RATED).sum() != rated_count
        or (status == REJECTED).sum() != rejected_count
    ):
        raise RatingInvariantError(f"read={read} but rated={rated_count} rejected={rejected_count}")
    totals = _totals(priced, last_france)
    rated = priced.lazy().filter(pl.col("_valid"))
    usage: pl.DataFrame | None = None
    days: pl.DataFrame | None = None
    if usage_counters:
        fair_use_zones = tariff.fair_use.zones if tariff.fair_use else frozenset()
        usage, days = _usage(rated), usage_days(rated, fair_use_zones)
    else:
        counters = Counters(
            totals=counters.totals, allowances=counters.allowances, recipients=counters.recipients
        )
    new_counters = counters.plus(
        totals,
        usage,
        allowances=coverage.allowances,
        recipients=coverage.recipients,
        days=days,
    )
    return RatingResult(
        records=out,
        counters=new_counters,
        read=read,
        rated=rated_count,
        rejected=rejected_count,
        total_micro_eur=int(total or 0),
        allowance_span=span,
    )


def _output(priced: pl.DataFrame) -> pl.DataFrame:
    """OUTPUT_COLUMNS of every row: a rated record's stripped input columns and what pricing
    found; a rejected record's input columns as read, its rejection reason and nulls, put at its
    rows in the columns where they differ (a `when` over the whole column, like each put, copies
    it)."""
    out = priced.select(
        *OUTPUT_COLUMNS[:5],
        status=pl.lit(RATED),
        **{name: pl.col(name) for name in OUTPUT_COLUMNS[6:]},
    )
    rows = true_positions(~priced.get_column("_valid"))
    if rows.len() == 0:
        return out
    as_read = priced.select(
        *(pl.col(raw(name)).alias(name) for name in ("record_id", "line", "service", "direction")),
        status=pl.lit(REJECTED),
        reason="_rejection",
    ).gather(rows)
    put = []
    for name in OUTPUT_COLUMNS:
        if name == "started_at":  # as read in both
            continue
        column = out.get_column(name)
        wanted = (
            as_read.get_column(name)
            if name in as_read.columns
            else pl.repeat(None, rows.len(), dtype=column.dtype, eager=True)
        )
        if not column.gather(rows).equals(wanted, check_names=False):
            put.append(column.scatter(rows, wanted))
    return out.with_columns(put)


def _special_reasons(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    frame = looked_up(frame, tariff.specials_frame, on="special")
    premium_message = (pl.col("special_pricing") == "surcharged") & pl.col("service").is_in(
        ["sms", "mms"]
    )
    premium = first_reason(
        frame,
        [
            (
                premium_message,
                pl.format(
                    "no {} price for the premium voice service {} (Services multimédia)",
                    pl.col(raw("service")),
                    pl.col("special_name"),
                ),
            )
        ],
    )
    return frame.with_columns(reason=pl.coalesce("reason", "dest_reason", premium))


def _ids(ids: Collection[str] | pl.Series) -> pl.Series:
    return (ids if isinstance(ids, pl.Series) else pl.Series(list(ids))).cast(pl.String)


def _duplicates(
    frame: pl.DataFrame,
    seen_ids: Collection[str] | pl.Series,
    earlier_ids: Collection[str] | pl.Series,
) -> pl.DataFrame:
    """Among rows valid so far, a record_id already seen (earlier batch, or an earlier row of
    this input) is a duplicate; the first occurrence in input order is kept."""
    seen, earlier = _ids(seen_ids), _ids(earlier_ids)
    record_id = pl.col("record_id")
    valid = pl.col("reason").is_null()
    with_first = frame.with_columns(_first=_first_occurrences(frame))
    duplicate = first_reason(
        with_first,
        [
            (
                valid & record_id.is_in(seen.implode()),
                pl.format("duplicate record_id '{}' (rated in an earlier batch)", record_id),
            ),
            (
                valid & (~pl.col("_first") | record_id.is_in(earlier.implode())),
                pl.format("duplicate record_id '{}' (earlier in this input)", record_id),
            ),
        ],
    )
    return frame.with_columns(reason=pl.coalesce("reason", duplicate))


def _first_occurrences(frame: pl.DataFrame) -> pl.Series:
    """Per row: not valid so far, or the first valid row with its record_id in input order.
    Compared by the ids' 64-bit hashes (three times faster than the text), then, on the rows
    whose hash comes back (a duplicate, or a collision), by the ids themselves."""
    valid = pl.col("reason").is_null()
    # Invalid rows map to null, which is one value: they are excluded by ORing ~valid.
    hashes, invalid = (
        frame.lazy()
        .select(
            pl.when(valid).then(pl.col("record_id").hash(seed=0)).alias("hash"),
            (~valid).alias("invalid"),
        )
        .collect()
        .get_columns()
    )
    # Usually no id comes back: sorted, the hashes show it at a third of is_first_distinct's cost.
    ordered = hashes.drop_nulls().sort()
    if ordered.len() < 2 or not (ordered.slice(1) == ordered.slice(0, ordered.len() - 1)).any():
        return pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    first = hashes.is_first_distinct() | invalid
    if first.all():
        return first
    suspect = hashes.is_in(hashes.filter(~first).implode()).fill_null(False)
    exact = frame.filter(suspect).select(pl.col("record_id").is_first_distinct()).to_series()
    return first.scatter(true_positions(suspect), exact)


Span = pl.DataFrame
ALLOWANCE_SPAN_SCHEMA = {
    "line": pl.String,
    "first_started": pl.Datetime("us", "UTC"),
    "first_id": pl.String,
    "last_started": pl.Datetime("us", "UTC"),
    "last_id": pl.String,
}


def _kinds(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """What kind of record each row is, as boolean columns computed once (the expressions of
    `_price` read them many times, and each call of with_columns would compare the text again),
    its quantities (`ko`, `seconds`) and its key in the rate table. A rejected record (maybe
    without a service or an origin) is of no kind."""
    service = pl.col("service")
    roaming_zones = sorted(tariff.roaming_zones)
    frame = frame.with_columns(
        _home=(pl.col("origin") == HOME).fill_null(False),
        _is_data=(service == "data").fill_null(False) & pl.col("_valid"),
        _is_call=service.is_in(CALLS).fill_null(False) & pl.col("_valid"),
        _in_roaming_zone=pl.col("origin").is_in(roaming_zones).fill_null(False),
    )
    is_data, is_call = pl.col("_is_data"), pl.col("_is_call")
    return frame.with_columns(
        _rate_key=pl.when(pl.col("_valid")).then(_rate_key(tariff)),
        ko=pl.when(is_data)
        .then((pl.col("volume") + BYTES_PER_KO - 1) // BYTES_PER_KO)
        .otherwise(0),
        seconds=pl.when(is_call).then(pl.col("duration")).otherwise(0),
    )


def _price(
    frame: pl.DataFrame,
    tariff: Tariff,
    counters: Counters,
    windows: pl.DataFrame | None,
) -> tuple[pl.DataFrame, Span, Coverage, pl.DataFrame]:
    """The rows priced, the allowance span, what options and top-ups included, and each line's
    last France data record (line, _row) of the batch in allowance order."""
    service = pl.col("service")
    direction = pl.col("direction")
    roaming_zones = sorted(tariff.roaming_zones)
    home, is_data, is_call = pl.col("_home"), pl.col("_is_data"), pl.col("_is_call")
    frame, span, last_france = _data_allowance(frame, tariff, counters)
    in_roaming_zone = pl.col("_in_roaming_zone")
    # The plan includes calls and SMS there, but not for a non-occasional traveller.
    plan_roaming = in_roaming_zone & ~pl.col("_non_occasional")
    free_special = (pl.col("special_pricing") == "free").fill_null(False)
    premium = (pl.col("special_pricing") == "surcharged").fill_null(False)
    included_call = (
        ~is_data
        & (
            (home & (direction == "in"))
            | (home & pl.col("dest_french"))
            | (plan_roaming & (direction == "out") & pl.col("dest_zone").is_in(roaming_zones))
        )
    ).fill_null(False)
    # Columns before the expressions that read them several times (see the kinds above).
    frame = frame.with_columns(_free=free_special, _premium=premium, _included_call=included_call)
    free_special, premium = pl.col("_free"), pl.col("_premium")
    included_call = pl.col("_included_call")
    billed_seconds = (
        pl.when(pl.col("seconds") > 0)
        .then(pl.max_horizontal("seconds", "rate_minimum_s"))
        .otherwise(0)
    )
    # What the plan leaves out of bundle, that an option or top-up may include: calls and SMS
    # sent (premium-rate numbers never: "hors usages surtaxés"), data abroad beyond the plan,
    # data in France beyond the plan (throttled, which the speed restoration lifts).
    beyond_plan = (
        ~free_special & ~included_call & ~premium & (direction == "out") & pl.col("_valid")
    )
    # The plan includes at most `max_included_call_s` of a call the line makes (plans.toml
    # call_limits: CGS 6.2, "un appel de plus de 3 heures" is not an authorised use): the rest
    # is out of bundle, per second at the route's price.
    cap = tariff.max_included_call_s
    beyond_cap = (
        pl.when(included_call & ~free_special & is_call & (direction == "out"))
        .then(pl.max_horizontal(pl.col("seconds") - cap, pl.lit(0)))
        .otherwise(0)
        if cap is not None
        else pl.lit(0)
    )
    frame = frame.with_columns(
        _beyond_cap=beyond_cap.cast(pl.Int64),
        _billed=billed_seconds,
        _demand=pl.when(is_call & beyond_plan)
        .then(billed_seconds)
        .when((service == "sms") & beyond_plan)
        .then(1)
        .when(is_data & home)
        .then(pl.col("throttled_ko"))
        .when(is_data & in_roaming_zone)
        .then(pl.col("roaming_charged_ko"))
        .when(is_data)
        .then(pl.col("ko"))
        .otherwise(0)
        .cast(pl.Int64),
    )
    coverage = empty_coverage()
    if windows is not None and windows.height > 0:
        bucket = (
            pl.when(is_call)
            .then(pl.lit(CALLS_ALLOWANCE))
            .when(service == "sms")
            .then(pl.lit(SMS_ALLOWANCE))
            .when(is_data)
            .then(pl.lit(DATA_ALLOWANCE))
        )
        coverage = cover(
            frame.select(
                "_row",
                "line",
                "started",
                "record_id",
                bucket.alias("_bucket"),
                "_demand",
                _country=pl.col("_visited"),
                _party=pl.col("other_party"),
            ),
            tariff=tariff,
            windows=windows,
            counters=counters,
        )
        span = _merged_span(span, coverage.keys)
    frame = _with_coverage(frame, coverage)
    used = pl.col("allowance_used")
    frame = frame.with_columns(
        throttled_ko=pl.when(is_data & home)
        .then(pl.col("throttled_ko") - used)
        .otherwise(pl.col("throttled_ko")),
        roaming_charged_ko=pl.when(is_data & in_roaming_zone)
        .then(pl.col("roaming_charged_ko") - used)
        .otherwise(pl.col("roaming_charged_ko")),
    )
    base_charge = (
        pl.when(pl.col("_free"))
        .then(0)
        .when(pl.col("_beyond_cap") > 0)
        .then(rounded(pl.col("price_micro_eur") * pl.col("_beyond_cap"), SECONDS_PER_MINUTE))
        .when(pl.col("_included_call"))
        .then(0)
        .when(is_call)
        .then(rounded(pl.col("price_micro_eur") * (pl.col("_billed") - used), SECONDS_PER_MINUTE))
        .when(is_data & home)
        .then(0)
        .when(is_data & in_roaming_zone)
        .then(rounded(pl.col("price_micro_eur") * pl.col("roaming_charged_ko"), KO_PER_MO))
        .when(is_data)
        .then(rounded(pl.col("price_micro_eur") * (pl.col("ko") - used), KO_PER_MO))
        .otherwise(pl.col("price_micro_eur") * (1 - used))
    )
    surcharged = premium & is_call & (direction == "out")
    special_seconds = (
        pl.when(pl.col("seconds") > 0)
        .then(pl.max_horizontal("seconds", "special_minimum_s"))
        .otherwise(0)
    )
    surcharge = (
        pl.when(surcharged)
        .then(
            pl.col("special_per_call_micro_eur")
            + rounded(pl.col("special_per_minute_micro_eur") * special_seconds, SECONDS_PER_MINUTE)
        )
        .otherwise(0)
    )
    # Most records are included: the charges are only computed on the rows that may have one
    # (a when chain computes every branch on every row), 0 elsewhere.
    chargeable = ~pl.col("_free") & (
        (pl.col("_beyond_cap") > 0) | (~pl.col("_included_call") & ~(is_data & home))
    )
    frame = frame.with_columns(
        _base=_on_rows(frame, chargeable, base_charge),
        _surcharge=_on_rows(frame, surcharged, surcharge),
    ).with_columns(
        origin_zone=pl.col("origin"),
        destination_zone=pl.col("dest_zone"),
        charge_micro_eur=pl.col("_base") + pl.col("_surcharge"),
        # included: nothing charged out of bundle for this record (plan, allowance, free number)
        included=(pl.col("_base") + pl.col("_surcharge")) == 0,
        throttled=pl.col("throttled_ko") > 0,
    )
    frame = frame.with_columns(
        blocked=_blocked(frame, tariff, windows, surcharged, premium),
        without_international_option=_without_international_option(frame, tariff, windows),
    )
    return (
        frame.with_columns(
            reason=_reason(frame, tariff, pl.col("_free"), pl.col("_included_call"), surcharged)
        ),
        span,
        coverage,
        last_france,
    )


def _on_rows(frame: pl.DataFrame, where: pl.Expr, amount: pl.Expr) -> pl.Series:
    """`amount` (an integer) computed on the rows where `where` holds alone, 0 elsewhere."""
    mask = frame.select(where.fill_null(False)).to_series()
    amounts = pl.repeat(0, frame.height, dtype=pl.Int64, eager=True)
    if not mask.any():
        return amounts
    found = frame.lazy().filter(mask).select(amount.cast(pl.Int64)).collect().to_series()
    return amounts.scatter(true_positions(mask), found)


_RATE_KEYS = ["rate_direction", "rate_service", "rate_origin", "rate_destination"]
RATE_DIRECTIONS = ("from_abroad", "received_abroad", "from_france")
NO_ZONE = ""  # the origin of a rate from France, the destination of data and received usage


def _rate_codes(tariff: Tariff) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Small integers for the values of the rate keys: direction, service, zone."""
    zones = [NO_ZONE, *sorted(set(tariff.zone_labels) | set(tariff.visited_zones.values()))]
    return (
        {name: code for code, name in enumerate(RATE_DIRECTIONS)},
        {name: code for code, name in enumerate(SERVICES)},
        {name: code for code, name in enumerate(zones)},
    )


def _packed_key(
    direction: pl.Expr, service: pl.Expr, origin: pl.Expr, destination: pl.Expr, zones: int
) -> pl.Expr:
    """The four codes as one integer (null when one is null: no price)."""
    return (
        ((direction.cast(pl.UInt32) * len(SERVICES) + service) * zones + origin) * zones
        + destination
    ).cast(pl.UInt32)


def _rate_key(tariff: Tariff) -> pl.Expr:
    """Each record's key in the rate table (direction, service, origin, destination) as one
    integer: built from the record's columns with integer literals, it costs a third of the
    four text keys, and the prices are then read from a table indexed by it (`_rates_by_key`)."""
    directions, services, zones = _rate_codes(tariff)
    service, direction = pl.col("service"), pl.col("direction")
    # The record's kind as computed by _kinds.
    home, is_data = pl.col("_home"), pl.col("_is_data")
    received = direction == "in"
    abroad, from_france = directions["from_abroad"], directions["from_france"]
    rate_direction = (
        pl.when(is_data)
        .then(pl.when(~home).then(abroad))
        .when(received)
        .then(pl.when(~home).then(directions["received_abroad"]))
        .when(home)
        .then(from_france)
        .otherwise(abroad)
    )
    # "Appels" received abroad: voice and video alike (rates.toml received-abroad-calls).
    rate_service = (
        pl.when(received & pl.col("_is_call"))
        .then(services["voice"])
        .otherwise(_coded(service, services))
    )
    no_zone = zones[NO_ZONE]
    rate_origin = pl.when(home).then(no_zone).otherwise(_coded(pl.col("origin"), zones))
    rate_destination = (
        pl.when(is_data | received).then(no_zone).otherwise(_coded(pl.col("dest_zone"), zones))
    )
    return _packed_key(rate_direction, rate_service, rate_origin, rate_destination, len(zones))


def _coded(column: pl.Expr, codes: dict[str, int]) -> pl.Expr:
    """The code of each value of `column`, null for any other: for the few values of a rate
    key, a chain of comparisons costs half of replace_strict's lookup."""
    chain: Then | ChainedThen | None = None
    for value, code in codes.items():
        matched = column == value
        chain = (pl.when(matched) if chain is None else chain.when(matched)).then(
            pl.lit(code, dtype=pl.UInt32)
        )
    return pl.lit(None, dtype=pl.UInt32) if chain is None else chain.otherwise(None)


def _keyed_rates(rates: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """`rates` (a frame of `_rate_frame`) keyed by `_rate_key` instead of its four text keys."""
    directions, services, zones = _rate_codes(tariff)
    codes = {"default": None, "return_dtype": pl.UInt32}
    key = _packed_key(
        pl.col("rate_direction").replace_strict(directions, **codes),
        pl.col("rate_service").replace_strict(services, **codes),
        pl.col("rate_origin").replace_strict(zones, **codes),
        pl.col("rate_destination").replace_strict(zones, **codes),
        len(zones),
    )
    return rates.select(key.alias("_rate_key"), pl.exclude(_RATE_KEYS))


def _rates_by_key(rates: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """`rates` (a frame of `_rate_frame`) with one row per possible `_rate_key`, at the key's
    index (nulls where no rate): a record's prices are then gathered by its key, an array
    lookup, where a join would hash every record's key."""
    _, _, zones = _rate_codes(tariff)
    size = len(RATE_DIRECTIONS) * len(SERVICES) * len(zones) * len(zones)
    keyed = _keyed_rates(rates, tariff)
    return (
        pl.DataFrame({"_rate_key": pl.int_range(size, dtype=pl.UInt32, eager=True)})
        .join(keyed, on="_rate_key", how="left", maintain_order="left")
        .drop("_rate_key")
    )


def _rated_at(
    frame: pl.DataFrame, tariff: Tariff, non_occasional: pl.DataFrame | None
) -> pl.DataFrame:
    """Join each record's out-of-bundle price; `_non_occasional`: the record is usage in the
    fair-use zones of a line then rated as a non-occasional traveller (CGS 6.2, Options et
    recharges §6 note (2)), priced at the non-occasional cell where the brochure prints one."""
    rates = _rates_by_key(tariff.rates, tariff)
    key = frame.get_column("_rate_key")
    frame = frame.with_columns(rates.get_column(name).gather(key) for name in rates.columns)
    zones = sorted(tariff.fair_use.zones) if tariff.fair_use else []
    flagged = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    if non_occasional is not None and non_occasional.height and zones:
        among = frame.select(pl.col("origin").is_in(zones)).to_series()
        if among.any():
            windows = (
                non_occasional.select(list(NON_OCCASIONAL_SCHEMA))
                .cast(pl.Schema(NON_OCCASIONAL_SCHEMA))
                .with_columns(pl.col("line").str.strip_chars(), until=pl.col("active_until"))
            )
            rows = frame.select("_row", "line", "started").filter(among)
            flagged = flagged.scatter(true_positions(among), in_force(rows, windows))
    frame = frame.with_columns(_non_occasional=flagged)
    special = tariff.non_occasional_rates
    if special is None or special.height == 0 or not flagged.any():
        return frame
    special = _keyed_rates(special, tariff)
    priced = list(special.drop("_rate_key").columns)
    return (
        frame.join(special, on="_rate_key", how="left", maintain_order="left", suffix="_no")
        .with_columns(
            pl.when(pl.col("_non_occasional") & pl.col(f"{name}_no").is_not_null())
            .then(pl.col(f"{name}_no"))
            .otherwise(pl.col(name))
            .alias(name)
            for name in priced
        )
        .drop(f"{name}_no" for name in priced)
    )


def _with_coverage(frame: pl.DataFrame, coverage: Coverage) -> pl.DataFrame:
    if coverage.rows.height == 0:
        return frame.with_columns(
            allowance_code=pl.lit(None, dtype=pl.String),
            allowance_used=pl.lit(0, dtype=pl.Int64),
            _allowance_text=pl.lit(None, dtype=pl.String),
        )
    return frame.join(coverage.rows, on="_row", how="left", maintain_order="left").with_columns(
        pl.col("allowance_used").fill_null(0)
    )


def _merged_span(span: Span, keys: pl.DataFrame) -> Span:
    """The span of the plan's data allowance records and of `keys` (line, started, record_id)."""
    if keys.height == 0:
        return span
    ends = pl.concat(
        [
            span.select("line", started="first_started", record_id="first_id"),
            span.select("line", started="last_started", record_id="last_id"),
            keys.select("line", "started", "record_id"),
        ]
    )
    return _span(ends.sort("line", "started", "record_id"))


def _held(
    frame: pl.DataFrame, windows: pl.DataFrame | None, codes: list[str], among: pl.Expr
) -> pl.Series:
    """Per row, whether `among` holds and the line holds one of `codes` when the record starts
    (the subscriptions are only looked up for the rows `among` selects)."""
    held = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    if windows is None or windows.height == 0 or not codes:
        return held
    mask = frame.select(among.fill_null(False)).to_series()
    if not mask.any():
        return held
    rows = frame.select("_row", "line", "started").filter(mask)
    return held.scatter(true_positions(mask), active_at(rows, windows, codes))


def _blocked(
    frame: pl.DataFrame,
    tariff: Tariff,
    windows: pl.DataFrame | None,
    surcharged: pl.Expr,
    premium: pl.Expr,
) -> pl.Series:
    """A blocking option in force should have stopped the record (options.toml `blocks`;
    Options et recharges §5): the usages it blocks, out of bundle, and the international calls
    an option includes; the communications from abroad the offer includes are kept."""
    # The record's kind as computed by _kinds.
    home, is_call = pl.col("_home"), pl.col("_is_call")
    charged = pl.col("charge_micro_eur") > 0
    usages = {
        "out_of_bundle": charged,
        "premium_rate_calls": surcharged,
        "premium_rate_messages": premium & pl.col("service").is_in(["sms", "mms"]),
        "usage_abroad": ~home & charged,
        "calls_received_abroad": is_call & (pl.col("direction") == "in") & ~home & charged,
        "international_calls_included_in_offer": is_call & home & (pl.col("allowance_used") > 0),
    }
    blocked = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    for code, product in tariff.products.items():
        conditions = [usages[usage] for usage in sorted(product.blocks) if usage in usages]
        if conditions:
            blocked = blocked | _held(frame, windows, [code], pl.any_horizontal(conditions))
    return blocked.alias("blocked")


def _without_international_option(
    frame: pl.DataFrame, tariff: Tariff, windows: pl.DataFrame | None
) -> pl.Series:
    """Usage to or from abroad that neither the plan nor (entirely) an option or top-up
    includes, on a line without the international option in force (rates.toml rule
    international-option-required). The plan's zone 1 usage stays open, surcharged or not."""
    roaming_zones = sorted(tariff.roaming_zones)
    # The record's kind as computed by _kinds.
    home, is_data = pl.col("_home"), pl.col("_is_data")
    received = pl.col("direction") == "in"
    in_plan = (
        pl.col("_free")
        | (home & (received | pl.col("dest_french").fill_null(False) | is_data))
        | (
            pl.col("_in_roaming_zone")
            & (is_data | received | pl.col("dest_zone").is_in(roaming_zones).fill_null(False))
        )
    )
    covered = (pl.col("_demand") > 0) & (pl.col("allowance_used") == pl.col("_demand"))
    outside = ~in_plan & ~covered
    access = [code for code, product in tariff.products.items() if product.international_access]
    held = _held(frame, windows, access, outside)
    return (
        frame.select(outside.fill_null(False) & ~pl.lit(held))
        .to_series()
        .alias("without_international_option")
    )


def _data_allowance(
    frame: pl.DataFrame, tariff: Tariff, counters: Counters
) -> tuple[pl.DataFrame, Span, pl.DataFrame]:
    """Split each data record of France and of the roaming zones into included, throttled and
    charged Ko, consuming the line's allowances in (started, record_id) order.

    F = France Ko used (raw, throttled part included), E = roaming Ko within the allowance.
    The roaming allowance after record k is E_k = min(cumE_k, cummin_j≤k g_j), where cumE is E at
    the batch start plus the roaming Ko so far, cap_k = min(17 Go, 100 Go − F_k) never increases,
    and g_k = max(cumE_{k−1}, cap_k): E grows with usage until it meets the cap, then stays.
    A France record is included up to 100 Go − (F + E) before it, the rest is throttled.

    Only the data records of France and of the roaming zones move the allowances (any other
    record has _fr = _eu = 0, so F, cumE, cap and E stay as they were and its shares are 0): the
    cumulative sums run on a narrow frame of those records alone, sorted, and are joined back by
    row, so the wide frame is never sorted."""
    total, roaming = tariff.data_total_ko, tariff.data_roaming_ko
    # The record's kind as computed by _kinds.
    is_data, home = pl.col("_is_data"), pl.col("_home")
    roaming_use = is_data & pl.col("_in_roaming_zone") & ~pl.col("_non_occasional")
    frame = frame.with_columns(
        _fr=pl.when(is_data & home).then(pl.col("ko")).otherwise(0),
        _eu=pl.when(roaming_use).then(pl.col("ko")).otherwise(0),
    )
    # Sorted by line, a line's rows are consecutive: `_first` and `_last` mark the first and the
    # last row of each line, `_lid` numbers the lines (dense integers), so that per-line sums are
    # running sums minus each line's running sum before its first row, and what is per line (the
    # counters at the start, the span, the last France record) is read off its first or last row,
    # never grouped.
    narrow = _by_line(
        frame.lazy()
        .with_row_index("_pos")
        .filter((is_data & home) | roaming_use)
        .select("_pos", "_row", "line", "started", "record_id", "_fr", "_eu")
        .collect()
    )
    line = pl.col("line")
    narrow = narrow.with_columns(
        _first=(line != line.shift(1)).fill_null(True),
        _last=(line != line.shift(-1)).fill_null(True),
    ).with_columns(_lid=pl.col("_first").cum_sum())
    firsts = narrow.filter(pl.col("_first"))
    lasts = narrow.filter(pl.col("_last"))
    span = pl.concat(
        [
            firsts.select("line", first_started="started", first_id="record_id"),
            lasts.select(last_started="started", last_id="record_id"),
        ],
        how="horizontal",
    )
    # The France rows keep the sorted order: a line's last one is the latest France record.
    france = narrow.lazy().filter(pl.col("_fr") > 0).select("line", "_row", "_lid")
    last_france = (
        france.filter((pl.col("_lid") != pl.col("_lid").shift(-1)).fill_null(True))
        .select("line", "_row")
        .collect()
    )
    # F and cumE are running sums over all the rows less, per line, what they held before its
    # first row and plus its counters at the start: one offset per line, joined to the counters
    # on its first row alone and given to its rows by their line number.
    narrow = narrow.with_columns(_run_fr=pl.col("_fr").cum_sum(), _run_eu=pl.col("_eu").cum_sum())
    per_line = (
        narrow.filter(pl.col("_first"))
        .select(
            "line",
            _before_fr=pl.col("_run_fr") - pl.col("_fr"),
            _before_eu=pl.col("_run_eu") - pl.col("_eu"),
        )
        .join(counters.data_frame(), on="line", how="left", maintain_order="left")
        .select(
            pl.col("start_roaming_ko").fill_null(0),
            _offset_fr=pl.col("_before_fr") - pl.col("start_france_ko").fill_null(0),
            _offset_eu=pl.col("_before_eu") - pl.col("start_roaming_ko").fill_null(0),
        )
    )
    of_line = narrow.get_column("_lid") - 1
    offset_fr, offset_eu, start_roaming = (
        per_line.get_column(name).gather(of_line)
        for name in ("_offset_fr", "_offset_eu", "start_roaming_ko")
    )
    first = pl.col("_first")
    narrow = narrow.with_columns(
        _F=pl.col("_run_fr") - offset_fr,
        _cumE=pl.col("_run_eu") - offset_eu,
        start_roaming_ko=start_roaming,
    )
    cap = pl.min_horizontal(pl.lit(roaming), pl.lit(total) - pl.col("_F"))
    bounded = narrow.with_columns(_g=pl.max_horizontal(pl.col("_cumE") - pl.col("_eu"), cap))
    allowed = (
        bounded.lazy()
        .with_columns(
            _E=pl.min_horizontal(pl.col("_cumE"), _cum_min_per_line(bounded, "_g")),
        )
        .with_columns(
            _E_before=pl.when(first)
            .then(pl.col("start_roaming_ko"))
            .otherwise(pl.col("_E").shift(1)),
        )
    )
    room = pl.lit(total) - (pl.col("_F") - pl.col("_fr")) - pl.col("_E_before")
    shares = allowed.select(
        "_pos",
        roaming_included_ko=pl.col("_E") - pl.col("_E_before"),
        france_included_ko=pl.min_horizontal(pl.col("_fr"), pl.max_horizontal(room, pl.lit(0))),
    ).collect()
    # Put back at their rows (the frame's positions), 0 on the other rows.
    positions = shares.get_column("_pos")
    included = [
        pl.repeat(0, frame.height, dtype=pl.Int64, eager=True)
        .scatter(positions, shares.get_column(name))
        .alias(name)
        for name in ("roaming_included_ko", "france_included_ko")
    ]
    return (
        (
            frame.with_columns(included).with_columns(
                # A non-occasional traveller's data in the zone is charged from the first Ko.
                roaming_charged_ko=pl.when(is_data & pl.col("_non_occasional"))
                .then(pl.col("ko"))
                .otherwise(pl.col("_eu") - pl.col("roaming_included_ko")),
                throttled_ko=pl.col("_fr") - pl.col("france_included_ko"),
            )
        ),
        span,
        last_france,
    )


def _cum_min_per_line(rows: pl.DataFrame, column: str) -> pl.Expr:
    """The running minimum of `column` within each line of `rows` (sorted by line, `_lid`
    numbering the lines 1, 2…): one running minimum over all the rows, each line's values moved
    below those of the lines before it (by _lid × their spread), then moved back; a window per
    line (`cum_min().over`) costs ten times more. The window stays where the moved values could
    overflow 64 bits."""
    low, high, lines = rows.select(
        low=pl.col(column).min(), high=pl.col(column).max(), lines=pl.col("_lid").max()
    ).row(0)
    if low is None:
        return pl.col(column)
    spread = high - low + 1
    if (lines + 1) * spread >= 2**62:
        return pl.col(column).cum_min().over("_lid")
    # Line i's values lie in [-i·spread, -(i−1)·spread): below every value of lines 1…i−1, so
    # the running minimum starts afresh at each line's first row.
    shift = pl.col("_lid").cast(pl.Int64) * spread
    moved: pl.Expr = (pl.col(column) - low - shift).cum_min() + shift + low
    return moved


def _by_line(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` sorted by line, started, record_id, each line's rows together: sorted by the
    64-bit hash of the number, which sorts faster than the text. Two numbers of one hash would
    then share a run of rows, so they are found side by side; only then is the text sorted
    (counting the distinct numbers and hashes beforehand cost a quarter of the sort)."""
    hashed = rows.sort(_line_hash(), "started", "record_id")
    line, hash_of_line = pl.col("line"), _line_hash()
    shared = (hash_of_line == hash_of_line.shift(1)) & (line != line.shift(1))
    if hashed.select(shared.any()).item():
        return rows.sort("line", "started", "record_id")
    return hashed


def _line_hash() -> pl.Expr:
    return pl.col("line").hash(seed=0)


def _span(keys: pl.DataFrame) -> Span:
    """Per line, the first and the last (started, record_id) of `keys`, sorted by line, started,
    record_id."""
    return (
        keys.group_by("line")
        .agg(
            first_started=pl.col("started").first(),
            first_id=pl.col("record_id").first(),
            last_started=pl.col("started").last(),
            last_id=pl.col("record_id").last(),
        )
        .select(list(ALLOWANCE_SPAN_SCHEMA))
    )


def _label(column: str, tariff: Tariff) -> pl.Expr:
    return pl.col(column).replace_strict(dict(tariff.zone_labels), default=pl.col(column))


def _reason(
    frame: pl.DataFrame,
    tariff: Tariff,
    free_special: pl.Expr,
    included_call: pl.Expr,
    surcharged: pl.Expr,
) -> pl.Series:
    """The reason of each rated row. A `when` chain evaluates every branch on every row, so the
    rows are first classified (the same conditions, in the same order), then each template is
    formatted on its own rows only and the texts are put back in row order."""
    service = pl.col("service")
    direction = pl.col("direction")
    # The record's kind as computed by _kinds.
    is_data, home, in_roaming_zone = pl.col("_is_data"), pl.col("_home"), pl.col("_in_roaming_zone")
    origin, destination = _label("origin", tariff), _label("dest_zone", tariff)
    quantity = (
        pl.when(pl.col("_is_call"))
        .then(pl.format(", {} s", pl.col("seconds")))
        .otherwise(pl.lit(""))
    )
    throttle = f"throttled to {tariff.throttled_kbps} kb/s, not charged"
    capped = pl.format(
        f"; {{}} s beyond {tariff.max_included_call_s} s per call (CGS 6.2): {{}}",
        pl.col("_beyond_cap"),
        pl.col("rate_text"),
    )
    ko = pl.format(", {} Ko", pl.col("ko"))
    templates: list[tuple[pl.Expr, pl.Expr]] = [
        (pl.col("_allowance_text").is_not_null(), _allowance_reason(origin, throttle)),
        (free_special, pl.format("free number: {}", pl.col("special_name"))),
        (
            pl.col("_non_occasional"),
            pl.concat_str(
                [
                    pl.lit("non-occasional traveller (fair use): "),
                    pl.col("rate_text"),
                    pl.when(is_data).then(ko).otherwise(quantity),
                ]
            ),
        ),
        (
            is_data & home & (pl.col("throttled_ko") > 0),
            pl.format(
                "data in France: {} Ko included, {} Ko beyond the allowance: " + throttle,
                pl.col("france_included_ko"),
                pl.col("throttled_ko"),
            ),
        ),
        (is_data & home, pl.format("data in France: {} Ko included", pl.col("ko"))),
        (
            is_data & in_roaming_zone & (pl.col("roaming_charged_ko") > 0),
            pl.format(
                "data in {}: {} Ko included, {} Ko beyond the roaming allowance; {}",
                origin,
                pl.col("roaming_included_ko"),
                pl.col("roaming_charged_ko"),
                pl.col("rate_text"),
            ),
        ),
        (is_data & in_roaming_zone, pl.format("data in {}: {} Ko included", origin, pl.col("ko"))),
        (is_data, pl.format("{}, {} Ko", pl.col("rate_text"), pl.col("ko"))),
        *_call_cases(
            included_call & home & (direction == "in"),
            pl.format("included: {} received in France", service),
        ),
        *_call_cases(
            included_call & home,
            pl.format("included: {} in France to a French number", service),
            capped,
        ),
        *_call_cases(
            included_call,
            pl.format("included: {} from {} to {}", service, origin, destination),
            capped,
        ),
        (pl.lit(True), pl.concat_str([pl.col("rate_text"), quantity])),
    ]
    kind = pl.coalesce(
        pl.when(condition).then(pl.lit(number, dtype=pl.UInt8))
        for number, (condition, _) in enumerate(templates)
    )
    # Only the columns the templates read: each template filters its rows out of this frame.
    used = (
        "_is_data",
        "_is_call",
        "_home",
        "_in_roaming_zone",
        "service",
        "direction",
        "origin",
        "dest_zone",
        "seconds",
        "ko",
        "throttled_ko",
        "france_included_ko",
        "roaming_included_ko",
        "roaming_charged_ko",
        "rate_text",
        "special_name",
        "special_text",
        "_allowance_text",
        "_demand",
        "allowance_used",
        "_non_occasional",
        "_beyond_cap",
    )
    classified = (
        frame.lazy()
        .select(
            *used,
            _kind=kind,
            _surcharged=surcharged.fill_null(False),
            _position=pl.int_range(pl.len(), dtype=pl.UInt32),
        )
        .collect()
    )
    surcharge_text = pl.format("; + surcharge {}", pl.col("special_text"))
    parts = []
    for number, (_, text) in enumerate(templates):
        reason = pl.when(pl.col("_surcharged")).then(pl.concat_str([text, surcharge_text]))
        # Lazy: only the columns the template reads are picked out of its rows.
        part = (
            classified.lazy()
            .filter(pl.col("_kind") == number)
            .select("_position", reason=reason.otherwise(text))
            .collect()
        )
        if part.height:
            parts.append(part)
    texts = pl.repeat(None, classified.height, dtype=pl.String, eager=True).alias("reason")
    if not parts:
        return texts
    # Scattered back to their rows: cheaper than sorting the positions and gathering the texts.
    placed = pl.concat(parts)
    return texts.scatter(placed.get_column("_position"), placed.get_column("reason"))


def _call_cases(
    condition: pl.Expr, phrase: pl.Expr, capped: pl.Expr | None = None
) -> list[tuple[pl.Expr, pl.Expr]]:
    """The templates of an included record: `phrase`, the seconds of a call, and what a call
    has `capped` beyond the plan's limit per call: one template per case, each formatting only
    what its rows show (a `when` would format its two branches on every row of the kind)."""
    seconds = pl.format(", {} s", pl.col("seconds"))
    beyond_cap = [(condition & (pl.col("_beyond_cap") > 0), [phrase, seconds, capped])]
    cases = [
        *(beyond_cap if capped is not None else []),
        (condition & pl.col("_is_call"), [phrase, seconds]),
        (condition, [phrase]),
    ]
    return [(rows, pl.concat_str(parts)) for rows, parts in cases]


def _allowance_reason(origin: pl.Expr, throttle: str) -> pl.Expr:
    """What the plan included, what each option or top-up did, what is left out of bundle:
    "option 1h d'appels …: 60 s included, 0 s left; 240 s beyond: from France to zone 1: …"."""
    is_data, home = pl.col("_is_data"), pl.col("_home")
    beyond = pl.col("_demand") - pl.col("allowance_used")
    plan = (
        pl.when(is_data & home & (pl.col("france_included_ko") > 0))
        .then(pl.format("data in France: {} Ko included; ", pl.col("france_included_ko")))
        .when(is_data & ~home & (pl.col("roaming_included_ko") > 0))
        .then(pl.format("data in {}: {} Ko included; ", origin, pl.col("roaming_included_ko")))
        .otherwise(pl.lit(""))
    )
    rest = (
        pl.when(beyond <= 0)
        .then(pl.lit(""))
        .when(is_data & home)
        .then(pl.format("; {} Ko beyond: " + throttle, beyond))
        .when(is_data)
        .then(pl.format("; {} Ko beyond: {}", beyond, pl.col("rate_text")))
        .when(pl.col("_is_call"))
        .then(pl.format("; {} s beyond: {}", beyond, pl.col("rate_text")))
        .otherwise(pl.format("; beyond: {}", pl.col("rate_text")))
    )
    return pl.concat_str([plan, pl.col("_allowance_text"), rest])


def _totals(priced: pl.DataFrame, last_france: pl.DataFrame) -> pl.DataFrame:
    """Totals per line of the rated rows (throttled: the line's last France data record of the
    batch was)."""
    # `_row` is the row's position in `priced` (rejected records keep theirs). Marked, the last
    # France records are read by the grouping: cheaper than joining them by line afterwards.
    last = pl.repeat(False, priced.height, dtype=pl.Boolean, eager=True).scatter(
        last_france.get_column("_row"), True
    )
    # Lazy: the grouping then reads only the columns it sums (eager, it takes the whole frame).
    return (
        priced.lazy()
        .with_columns(_last_throttled=pl.col("throttled") & pl.lit(last))
        .filter(pl.col("_valid"))
        .group_by("line")
        .agg(
            data_france_ko=pl.col("_fr").sum(),
            data_roaming_included_ko=pl.col("roaming_included_ko").sum(),
            data_roaming_charged_ko=pl.col("roaming_charged_ko").sum(),
            out_of_bundle_micro_eur=pl.col("charge_micro_eur").sum(),
            throttled=pl.col("_last_throttled").any(),
        )
        .collect()
    )


def _usage(priced: pl.LazyFrame) -> pl.DataFrame:
    """Quantities per line and usage key."""
    quantity = (
        pl.when(pl.col("service") == "data")
        .then(pl.col("ko"))
        .when(pl.col("service").is_in(CALLS))
        .then(pl.col("seconds"))
        .otherwise(1)
    )
    # The quantity as a column first: the grouping then sums a column (its fast path).
    return (
        priced.lazy()
        .select(
            "line",
            "service",
            "origin",
            pl.col("dest_zone").fill_null("").alias("destination"),
            quantity=quantity,
        )
        .group_by("line", "service", "origin", "destination")
        .agg(pl.col("quantity").sum())
        .collect()
    )
