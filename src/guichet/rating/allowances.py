"""Options and top-ups: which of a line's subscriptions include (part of) a record, in columns.

A record the plan does not include may be covered by the allowance of an option or top-up the
line holds when the record starts (Options et recharges §1 to §4, options.toml, top_ups.toml):
- calls (voice and video, as the plan reads "appels") and SMS sent from a country of one of the
  product's routes to a number of a country of that route, of the route's line types (landline,
  mobile: from the number, by phonenumbers); data used in one of its `data_countries`;
- within its validity: from `active_from` to `active_until` (null: open), and for a top-up valid
  a number of days, no later than `validity_days` × 24 h after its activation;
- calls are counted in billed seconds, by the charging rule of the record's rate cell (notes (*)
  and (**): "voir les règles de décompte sur les pages International"), SMS one per message,
  data per started Ko; premium-rate numbers are never included ("hors usages surtaxés").
A product with a call cap includes at most `max_call_s` of one call (3 h); one with a recipient
cap includes the calls to its first `max_recipients` distinct numbers of the period (99), in
started_at order; the calls to any other number are out of bundle.

The speed restoration (Options et recharges §1, note (2)) is a data allowance in mainland
France of the plan's France volume: it includes the Ko the plan would have throttled.

When several products can cover a record, they are used in a fixed order per line and service:
unlimited ones first, then the one whose validity ends first, then by product code and
subscription. Each product's allowance is consumed in (started, record_id) order within the
line, with cumulative sums; the products are taken one after the other ("layers": the n-th
product of each line), each on what the previous ones left. This is exactly what consuming
record by record, each from the first product with something left, gives, so rating a period
in several batches in started_at order, carrying the counters, gives the same result as one.
"""

from dataclasses import dataclass

import phonenumbers
import polars as pl

from guichet.rating.counters import ALLOWANCES_SCHEMA, RECIPIENTS_SCHEMA, Counters
from guichet.rating.tariff import ALLOWANCE_UNIT, AMBIGUOUS, DATA_ALLOWANCE, HOME, Tariff

# Lines rated as non-occasional travellers (fair use, after the alert), and when.
NON_OCCASIONAL_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "active_from": pl.Datetime("us", "UTC"),
    "active_until": pl.Datetime("us", "UTC"),  # null: open
}
SUBSCRIPTIONS_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),  # E.164
    "product_code": pl.String(),  # an option or top-up of the catalog
    "active_from": pl.Datetime("us", "UTC"),
    "active_until": pl.Datetime("us", "UTC"),  # null: open
}
# The input columns `cover` reads, besides SUBSCRIPTIONS_SCHEMA's line.
DEMAND_COLUMNS = (
    "_row",  # the record's position in the batch
    "line",
    "started",
    "record_id",
    "_bucket",  # CALLS_ALLOWANCE, SMS_ALLOWANCE, DATA_ALLOWANCE or null
    "_demand",  # what the plan left out of bundle: billed seconds, 1 SMS, Ko
    "_country",  # where the line is (visited_network: ISO code, "FR" mainland France)
    "_party",  # the number called (stripped other_party), null for data
)
COVERAGE_SCHEMA: dict[str, pl.DataType] = {
    "_row": pl.UInt32(),
    "allowance_used": pl.Int64(),  # s, SMS or Ko included by options and top-ups
    "allowance_code": pl.String(),  # the first product that included something
    "_allowance_text": pl.String(),  # what each product did, for the reason
}
_UTC = pl.Datetime("us", "UTC")
_POOL = ("line", "product_code", "active_from", "service")


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the options and top-ups of a batch's lines included."""

    rows: pl.DataFrame  # COVERAGE_SCHEMA: one row per record a product could cover
    allowances: pl.DataFrame  # ALLOWANCES_SCHEMA: included in this batch, per subscription
    recipients: pl.DataFrame  # RECIPIENTS_SCHEMA: numbers first included in this batch
    keys: pl.DataFrame  # line, started, record_id of the records a product could cover


def empty_coverage() -> Coverage:
    return Coverage(
        rows=pl.DataFrame(schema=COVERAGE_SCHEMA),
        allowances=pl.DataFrame(schema=ALLOWANCES_SCHEMA),
        recipients=pl.DataFrame(schema=RECIPIENTS_SCHEMA),
        keys=pl.DataFrame(schema={"line": pl.String, "started": _UTC, "record_id": pl.String}),
    )


def subscription_windows(subscriptions: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """The subscriptions to products of the tariff with `until`, the end of their use: the
    earlier of `active_until` and, for a top-up valid some days, `validity_days` × 24 h after
    `active_from` (null: open)."""
    validity = pl.DataFrame(
        {
            "product_code": list(tariff.products),
            "_days": [product.validity_days for product in tariff.products.values()],
        },
        schema={"product_code": pl.String, "_days": pl.Int64},
    )
    return (
        subscriptions.select(list(SUBSCRIPTIONS_SCHEMA))
        .cast(pl.Schema(SUBSCRIPTIONS_SCHEMA))
        .with_columns(pl.col("line", "product_code").str.strip_chars())
        .join(validity, on="product_code", how="inner")
        .with_columns(
            until=pl.min_horizontal(
                "active_until", pl.col("active_from") + pl.duration(days=pl.col("_days"))
            )
        )
        .drop("_days")
    )


def active_at(rows: pl.DataFrame, windows: pl.DataFrame, codes: list[str]) -> pl.Series:
    """For each of `rows` (_row, line, started), whether the line holds one of the products
    `codes` when the record starts, in the rows' order."""
    held = windows.filter(pl.col("product_code").is_in(pl.Series(codes, dtype=pl.String).implode()))
    return in_force(rows, held)


def in_force(rows: pl.DataFrame, held: pl.DataFrame) -> pl.Series:
    """For each of `rows` (_row, line, started), whether one of the windows `held` (line,
    active_from, until) of its line contains the record's start, in the rows' order."""
    if held.height == 0 or rows.height == 0:
        return pl.repeat(False, rows.height, dtype=pl.Boolean, eager=True)
    inside = (
        rows.lazy()
        .select("_row", "line", "started")
        .join(held.lazy().select("line", "active_from", "until"), on="line", how="inner")
        .filter(_within())
        .select("_row")
        .unique()
        .collect()
        .to_series()
    )
    return rows.get_column("_row").is_in(inside.implode())


def _within() -> pl.Expr:
    return (pl.col("active_from") <= pl.col("started")) & (
        pl.col("until").is_null() | (pl.col("started") < pl.col("until"))
    )


def cover(
    demand: pl.DataFrame, *, tariff: Tariff, windows: pl.DataFrame, counters: Counters
) -> Coverage:
    """The part of each record's `_demand` that the line's options and top-ups include.
    `demand` has DEMAND_COLUMNS, one row per rated record; `windows` comes from
    `subscription_windows`."""
    pairs = _candidates(demand, tariff, windows)
    if pairs.height == 0:
        return empty_coverage()
    keys = pairs.select("line", "started", "record_id").unique()
    pairs = _ranked(pairs)
    left = pairs.select("_row", _left="_demand").unique()
    start = counters.allowances.select(*_POOL, _start=pl.col("quantity"))
    taken: list[pl.DataFrame] = []
    recipients: list[pl.DataFrame] = []
    for rank in range(1, int(pairs.select(pl.col("_rank").max()).item()) + 1):
        layer = (
            pairs.filter(pl.col("_rank") == rank)
            .drop("_demand")
            .join(left, on="_row", how="inner")
            .filter(pl.col("_left") > 0)
            .sort("line", "product_code", "active_from", "_bucket", "started", "record_id")
            .join(start, left_on=[*_POOL[:3], "_bucket"], right_on=list(_POOL), how="left")
            .with_columns(pl.col("_start").fill_null(0))
        )
        if layer.height == 0:
            continue
        layer, new_recipients = _recipients(layer, counters)
        layer = _take(layer)
        taken.append(layer)
        recipients.append(new_recipients)
        left = (
            left.join(layer.select("_row", "_take"), on="_row", how="left")
            .with_columns(_left=pl.col("_left") - pl.col("_take").fill_null(0))
            .drop("_take")
        )
    return _coverage(taken, recipients, keys, tariff)


def _candidates(demand: pl.DataFrame, tariff: Tariff, windows: pl.DataFrame) -> pl.DataFrame:
    """One row per record and subscription whose product covers it: route, validity, line
    type. A record is a candidate of each product in force that covers it."""
    routes = tariff.allowance_routes
    rules = tariff.allowance_rules
    held = windows.join(rules.select("product_code").unique(), on="product_code", how="semi")
    rows = demand.filter(
        (pl.col("_demand") > 0)
        & pl.col("_bucket").is_not_null()
        & pl.col("line").is_in(held.get_column("line").unique().implode())
    )
    if rows.height == 0:
        return rows
    rows = rows.with_columns(_to=_destination_countries(rows, tariff))
    pairs = (
        rows.lazy()
        .join(held.lazy(), on="line", how="inner")
        .filter(_within())
        .join(
            routes.lazy(),
            left_on=["product_code", "_bucket", "_country", "_to"],
            right_on=["product_code", "service", "from_country", "to_country"],
            how="inner",
        )
        .join(
            rules.lazy(),
            left_on=["product_code", "_bucket"],
            right_on=["product_code", "service"],
            how="inner",
        )
        .collect()
    )
    return _of_line_types(pairs)


def _destination_countries(rows: pl.DataFrame, tariff: Tariff) -> pl.Series:
    """The ISO region of each number called: a national number (no "+") is French, an E.164
    number's calling code gives its region, or the number itself when the code is shared; ""
    for data (the route join's key)."""
    party = pl.col("_party")
    digits = party.str.slice(1)
    by_prefix = digits.str.slice(0, 3).replace_strict(
        dict(tariff.region_prefixes), default=None, return_dtype=pl.String
    )
    coded = rows.select(
        "_party",
        _to=pl.when(pl.col("_bucket") == DATA_ALLOWANCE)
        .then(pl.lit(""))
        .when(~party.str.starts_with("+"))
        .then(pl.lit(HOME))
        .otherwise(by_prefix),
    )
    shared = coded.filter(pl.col("_to") == AMBIGUOUS).get_column("_party").unique().to_list()
    if not shared:
        return coded.get_column("_to")
    lookup = pl.DataFrame(
        {"_party": shared, "_region": [_number_region(number) for number in shared]},
        schema={"_party": pl.String, "_region": pl.String},
    )
    return (
        coded.join(lookup, on="_party", how="left", maintain_order="left")
        .select(pl.when(pl.col("_to") == AMBIGUOUS).then("_region").otherwise("_to"))
        .to_series()
    )


def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None


def _number_region(number: str) -> str | None:
    """The region of a number whose calling code several regions share; a number valid in none
    of them is the code's main country's (as zones.py rates it)."""
    parsed = _parsed(number)
    if parsed is None:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region in (None, "ZZ") and parsed.country_code is not None:
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    return None if region in (None, "ZZ") else str(region)


_LANDLINE = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _of_line_types(pairs: pl.DataFrame) -> pl.DataFrame:
    """Keep the pairs whose route takes the number's line type. Only routes limited to
    landlines or to mobiles look at the number (phonenumbers, once per distinct number); a
    number whose type phonenumbers cannot tell (invalid, VoIP, toll-free…) is neither."""
    limited = ~(pl.col("landline") & pl.col("mobile"))
    numbers = pairs.filter(limited).get_column("_party").unique().to_list()
    if not numbers:
        return pairs
    types = [_line_types(number) for number in numbers]
    lookup = pl.DataFrame(
        {
            "_party": numbers,
            "_is_landline": [landline for landline, _ in types],
            "_is_mobile": [mobile for _, mobile in types],
        },
        schema={"_party": pl.String, "_is_landline": pl.Boolean, "_is_mobile": pl.Boolean},
    )
    kept = (pl.col("landline") & pl.col("_is_landline")) | (pl.col("mobile") & pl.col("_is_mobile"))
    return (
        pairs.join(lookup, on="_party", how="left")
        .filter(~limited | kept.fill_null(False))
        .drop("_is_landline", "_is_mobile")
    )


def _line_types(number: str) -> tuple[bool, bool]:
    parsed = _parsed(number) if number.startswith("+") else _parsed_french(number)
    if parsed is None:
        return False, False
    kind = phonenumbers.number_type(parsed)
    return kind in _LANDLINE, kind in _MOBILE


def _parsed_french(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, HOME)
    except phonenumbers.NumberParseException:
        return None


def _ranked(pairs: pl.DataFrame) -> pl.DataFrame:
    """`_rank`: the order in which a line's subscriptions are used for a service (1 first):
    unlimited first, then the validity ending first, then product code and subscription."""
    instances = (
        pairs.select(
            "line",
            "_bucket",
            "product_code",
            "active_from",
            "until",
            _limited=pl.col("allowance").is_not_null(),
        )
        .unique()
        .sort(
            "line",
            "_bucket",
            "_limited",
            "until",
            "product_code",
            "active_from",
            nulls_last=True,
        )
        .with_columns(_rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("line", "_bucket"))
    )
    return pairs.join(
        instances.select("line", "_bucket", "product_code", "active_from", "_rank"),
        on=["line", "_bucket", "product_code", "active_from"],
        how="left",
    )


def _recipients(layer: pl.DataFrame, counters: Counters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_accepted`: the call's number is one of the first `max_recipients` distinct numbers of
    its subscription in the period (always true without a cap). The layer is sorted by
    subscription then (started, record_id); returns it and the numbers newly accepted."""
    capped = pl.col("max_recipients").is_not_null()
    subscription = ["line", "product_code", "active_from"]
    pool = [*subscription, "_bucket"]
    known = counters.recipients.select(*subscription, _party="recipient", _known=pl.lit(True))
    counted = counters.recipients.group_by(subscription).agg(_count=pl.len().cast(pl.Int64))
    new = pl.when(capped).then(~pl.col("_known")).otherwise(False)
    layer = (
        layer.join(known, on=[*subscription, "_party"], how="left", maintain_order="left")
        .join(counted, on=subscription, how="left", maintain_order="left")
        .with_columns(pl.col("_known").fill_null(False), pl.col("_count").fill_null(0))
        .with_columns(
            _first=new & pl.col("_party").is_first_distinct().over(pool),
        )
        .with_columns(_new_rank=pl.col("_first").cast(pl.Int64).cum_sum().over(pool))
        .with_columns(
            _accepted=~capped
            | pl.col("_known")
            | (
                pl.col("_count") + pl.col("_new_rank").first().over([*pool, "_party"])
                <= pl.col("max_recipients")
            ),
        )
    )
    accepted = layer.filter(pl.col("_first") & pl.col("_accepted")).select(
        *subscription, recipient="_party"
    )
    return layer, accepted


def _take(layer: pl.DataFrame) -> pl.DataFrame:
    """`_take`: what the layer's subscription includes of each record's `_left`, in the
    layer's order (sorted by subscription, then started, record_id); `_remaining`: what the
    subscription has left after the record (null when unlimited); `_capped`: the call cap cut
    the record."""
    pool = ["line", "product_code", "active_from", "_bucket"]
    wanted = pl.when(pl.col("_accepted")).then(
        pl.min_horizontal("_left", pl.col("max_call_s").fill_null(pl.col("_left")))
    )
    layer = layer.with_columns(_wanted=wanted.otherwise(0))
    used_after = pl.col("_start") + pl.col("_wanted").cum_sum().over(pool)
    room_before = pl.col("allowance") - (used_after - pl.col("_wanted"))
    limited = pl.col("allowance").is_not_null()
    return layer.with_columns(
        _take=pl.when(limited)
        .then(pl.min_horizontal("_wanted", pl.max_horizontal(room_before, pl.lit(0))))
        .otherwise("_wanted"),
        _remaining=pl.when(limited).then(
            pl.max_horizontal(pl.col("allowance") - used_after, pl.lit(0))
        ),
        _capped=pl.col("_accepted") & (pl.col("_wanted") < pl.col("_left")),
    )


def _coverage(
    taken: list[pl.DataFrame], recipients: list[pl.DataFrame], keys: pl.DataFrame, tariff: Tariff
) -> Coverage:
    if not taken:
        return empty_coverage()
    layers = pl.concat(taken, how="diagonal_relaxed")
    unit = pl.col("_bucket").replace_strict(dict(ALLOWANCE_UNIT))
    label = pl.col("product_code").replace_strict(
        {code: product.label for code, product in tariff.products.items()}
    )
    text = (
        pl.when(~pl.col("_accepted"))
        .then(
            pl.format("{}: recipient beyond the {} of the month", label, pl.col("max_recipients"))
        )
        .when(pl.col("allowance").is_not_null())
        .then(pl.format("{}: {} {} included, {} {} left", label, "_take", unit, "_remaining", unit))
        .when(pl.col("_capped"))
        .then(
            pl.format(
                "{}: {} {} of unlimited (at most {} s per call)", label, "_take", unit, "max_call_s"
            )
        )
        .otherwise(pl.format("{}: {} {} of unlimited", label, "_take", unit))
    )
    rows = (
        layers.with_columns(_text=text)
        .sort("_row", "_rank")
        .group_by("_row", maintain_order=True)
        .agg(
            allowance_used=pl.col("_take").sum(),
            allowance_code=pl.col("product_code").filter(pl.col("_take") > 0).first(),
            _allowance_text=pl.col("_text").str.join("; "),
        )
    )
    used = (
        layers.filter(pl.col("_take") > 0)
        .group_by("line", "product_code", "active_from", service="_bucket")
        .agg(quantity=pl.col("_take").sum())
    )
    return Coverage(
        rows=rows.select(list(COVERAGE_SCHEMA)).cast(pl.Schema(COVERAGE_SCHEMA)),
        allowances=used.select(list(ALLOWANCES_SCHEMA)).cast(pl.Schema(ALLOWANCES_SCHEMA)),
        recipients=pl.concat(recipients).select(list(RECIPIENTS_SCHEMA)),
        keys=keys,
    )


BALANCES_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "product_code": pl.String(),
    "active_from": _UTC,
    "until": _UTC,  # end of use (active_until, or the top-up's validity); null: open
    "service": pl.String(),  # CALLS_ALLOWANCE (s), SMS_ALLOWANCE, DATA_ALLOWANCE (Ko)
    "allowance": pl.Int64(),  # null: unlimited
    "used": pl.Int64(),
    "remaining": pl.Int64(),  # null: unlimited
    "recipients": pl.Int64(),  # distinct numbers included, for a product with a cap; else null
    "max_recipients": pl.Int64(),
}


def allowance_balances(
    counters: Counters, *, tariff: Tariff, subscriptions: pl.DataFrame
) -> pl.DataFrame:
    """BALANCES_SCHEMA: for each subscription (SUBSCRIPTIONS_SCHEMA) to a product with an
    allowance, and each service it includes, what it has included this period and what is left
    (the Conso page's option and top-up balances), sorted by line, product, subscription."""
    subscription = ["line", "product_code", "active_from"]
    used = counters.allowances.select(*subscription, "service", used="quantity")
    recipients = counters.recipients.group_by(subscription).agg(recipients=pl.len().cast(pl.Int64))
    return (
        subscription_windows(subscriptions, tariff)
        .join(tariff.allowance_rules, on="product_code", how="inner")
        .join(used, on=[*subscription, "service"], how="left")
        .join(recipients, on=subscription, how="left")
        .with_columns(
            pl.col("used").fill_null(0),
            recipients=pl.when(pl.col("max_recipients").is_not_null()).then(
                pl.col("recipients").fill_null(0)
            ),
        )
        .with_columns(
            remaining=pl.when(pl.col("allowance").is_not_null()).then(
                pl.max_horizontal(pl.col("allowance") - pl.col("used"), pl.lit(0))
            ),
        )
        .select(list(BALANCES_SCHEMA))
        .cast(pl.Schema(BALANCES_SCHEMA))
        .sort("line", "product_code", "active_from", "service")
    )


__all__ = [
    "BALANCES_SCHEMA",
    "COVERAGE_SCHEMA",
    "NON_OCCASIONAL_SCHEMA",
    "SUBSCRIPTIONS_SCHEMA",
    "Coverage",
    "active_at",
    "allowance_balances",
    "cover",
    "in_force",
    "subscription_windows",
]
