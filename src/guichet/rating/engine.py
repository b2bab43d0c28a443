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

Allowances are consumed in started_at order (then record_id) within each line, with cumulative
sums: rating a period in several files, in started_at order, with the counters and seen record
ids carried from one to the next gives the same charges and counters as one file.
"""

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from guichet.rating.counters import Counters
from guichet.rating.money import BYTES_PER_KO, KO_PER_MO, SECONDS_PER_MINUTE
from guichet.rating.money import div_round_half_up_expr as rounded
from guichet.rating.records import CALLS, first_reason, parse_columns
from guichet.rating.tariff import HOME, Tariff
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
        return self.records.filter(pl.col("status") == RATED).get_column("record_id")


def rate_usage(
    records: pl.DataFrame,
    *,
    tariff: Tariff,
    counters: Counters | None = None,
    seen_ids: Collection[str] | pl.Series = (),
    known_lines: Collection[str] | None = None,
    earlier_ids: Collection[str] | pl.Series = (),
) -> RatingResult:
    """Rate one batch of usage records of one billing period for lines on `tariff`'s plan, with
    no option, starting from `counters` (default: a fresh period). A record_id in `seen_ids`
    or seen earlier in the batch is rejected as duplicate; with `known_lines`, a record of
    another line is rejected as unknown. `earlier_ids` are ids rated in earlier chunks of the same
    input (a chunked read of one file): their duplicates are "earlier in this input"."""
    counters = counters or Counters()
    read = records.height
    frame = parse_columns(records.with_row_index("_row"), tariff)
    frame = resolve_destinations(frame, tariff)
    frame = _special_reasons(frame, tariff)
    if known_lines is not None:
        known = pl.Series(list(known_lines), dtype=pl.String)
        unknown = pl.format("unknown line '{}'", pl.col("line"))
        unknown_reason = first_reason(
            frame, [(~pl.col("line").str.strip_chars().is_in(known.implode()), unknown)]
        )
        frame = frame.with_columns(reason=pl.coalesce("reason", unknown_reason))
    frame = _duplicates(frame, seen_ids, earlier_ids)
    valid = frame.filter(pl.col("reason").is_null())
    rejected = frame.filter(pl.col("reason").is_not_null()).select(
        *_kept(),
        status=pl.lit(REJECTED),
        origin_zone=pl.lit(None, dtype=pl.String),
        destination_zone=pl.lit(None, dtype=pl.String),
        charge_micro_eur=pl.lit(None, dtype=pl.Int64),
        included=pl.lit(None, dtype=pl.Boolean),
        throttled=pl.lit(None, dtype=pl.Boolean),
        reason=pl.col("reason"),
    )
    priced, span = _price(valid, tariff, counters)
    # Both parts are in input order (_row ascending): merge them, no sort.
    out = priced.select(rejected.columns).merge_sorted(rejected, key="_row")
    rated_count = priced.height
    if read != rated_count + rejected.height or out.height != read:
        raise RatingInvariantError(
            f"read={read} but rated={rated_count} rejected={rejected.height}"
        )
    total = int(priced.get_column("charge_micro_eur").sum())
    new_counters = counters.plus(*_counter_frames(priced))
    return RatingResult(
        records=out.drop("_row"),
        counters=new_counters,
        read=read,
        rated=rated_count,
        rejected=rejected.height,
        total_micro_eur=total,
        allowance_span=span,
    )


def _kept() -> list[pl.Expr]:
    return [
        pl.col("_row"),
        *(pl.col(name) for name in ("record_id", "line", "started_at", "service", "direction")),
    ]


def _special_reasons(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    frame = frame.join(tariff.specials_frame, on="special", how="left", maintain_order="left")
    premium_message = (pl.col("special_pricing") == "surcharged") & pl.col(
        "service"
    ).str.strip_chars().is_in(["sms", "mms"])
    premium = first_reason(
        frame,
        [
            (
                premium_message,
                pl.format(
                    "no {} price for the premium voice service {} (Services multimédia)",
                    pl.col("service"),
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
    record_id = pl.col("record_id").str.strip_chars()
    valid = pl.col("reason").is_null()
    first = pl.when(valid).then(record_id).is_first_distinct() | ~valid
    # is_first_distinct over the valid rows only: invalid rows map to null, which is one value,
    # so exclude them from the comparison by ORing ~valid.
    with_first = frame.with_columns(_first=first)
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


Span = pl.DataFrame
ALLOWANCE_SPAN_SCHEMA = {
    "line": pl.String,
    "first_started": pl.Datetime("us", "UTC"),
    "first_id": pl.String,
    "last_started": pl.Datetime("us", "UTC"),
    "last_id": pl.String,
}


def _price(valid: pl.DataFrame, tariff: Tariff, counters: Counters) -> tuple[pl.DataFrame, Span]:
    service = pl.col("service").str.strip_chars()
    direction = pl.col("direction").str.strip_chars()
    home = pl.col("origin") == HOME
    is_data = service == "data"
    is_call = service.is_in(CALLS)
    roaming_zones = sorted(tariff.roaming_zones)
    frame = valid.with_columns(
        service=service,
        direction=direction,
        line=pl.col("line").str.strip_chars(),
        record_id=pl.col("record_id").str.strip_chars(),
        rate_direction=pl.when(is_data)
        .then(pl.when(~home).then(pl.lit("from_abroad")))
        .when(direction == "in")
        .then(pl.when(~home).then(pl.lit("received_abroad")))
        .when(home)
        .then(pl.lit("from_france"))
        .otherwise(pl.lit("from_abroad")),
        # "Appels" received abroad: voice and video alike (rates.toml received-abroad-calls).
        rate_service=pl.when((direction == "in") & is_call)
        .then(pl.lit("voice"))
        .otherwise(service),
        rate_origin=pl.when(home).then(pl.lit("")).otherwise(pl.col("origin")),
        rate_destination=pl.when(is_data | (direction == "in"))
        .then(pl.lit(""))
        .otherwise(pl.col("dest_zone")),
        ko=pl.when(is_data)
        .then((pl.col("volume") + BYTES_PER_KO - 1) // BYTES_PER_KO)
        .otherwise(0),
        seconds=pl.when(is_call).then(pl.col("duration")).otherwise(0),
    )
    frame = frame.join(
        tariff.rates,
        on=["rate_direction", "rate_service", "rate_origin", "rate_destination"],
        how="left",
        maintain_order="left",
    )
    frame, span = _data_allowance(frame, tariff, counters)
    in_roaming_zone = pl.col("origin").is_in(roaming_zones)
    free_special = (pl.col("special_pricing") == "free").fill_null(False)
    included_call = (
        ~is_data
        & (
            (home & (direction == "in"))
            | (home & pl.col("dest_french"))
            | (in_roaming_zone & (direction == "out") & pl.col("dest_zone").is_in(roaming_zones))
        )
    ).fill_null(False)
    billed_seconds = (
        pl.when(pl.col("seconds") > 0)
        .then(pl.max_horizontal("seconds", "rate_minimum_s"))
        .otherwise(0)
    )
    base_charge = (
        pl.when(free_special | included_call)
        .then(0)
        .when(is_call)
        .then(rounded(pl.col("price_micro_eur") * billed_seconds, SECONDS_PER_MINUTE))
        .when(is_data & home)
        .then(0)
        .when(is_data & in_roaming_zone)
        .then(rounded(pl.col("price_micro_eur") * pl.col("roaming_charged_ko"), KO_PER_MO))
        .when(is_data)
        .then(rounded(pl.col("price_micro_eur") * pl.col("ko"), KO_PER_MO))
        .otherwise(pl.col("price_micro_eur"))
    )
    surcharged = (pl.col("special_pricing") == "surcharged") & is_call & (direction == "out")
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
    frame = frame.with_columns(
        _base=base_charge.cast(pl.Int64), _surcharge=surcharge.cast(pl.Int64)
    ).with_columns(
        status=pl.lit(RATED),
        origin_zone=pl.col("origin"),
        destination_zone=pl.col("dest_zone"),
        charge_micro_eur=pl.col("_base") + pl.col("_surcharge"),
        # included: nothing charged out of bundle for this record (plan, allowance, free number)
        included=(pl.col("_base") + pl.col("_surcharge")) == 0,
        throttled=pl.col("throttled_ko") > 0,
    )
    return frame.with_columns(
        reason=_reason(frame, tariff, free_special, included_call, surcharged)
    ), span


def _data_allowance(
    frame: pl.DataFrame, tariff: Tariff, counters: Counters
) -> tuple[pl.DataFrame, Span]:
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
    is_data = pl.col("service") == "data"
    home = pl.col("origin") == HOME
    roaming_use = is_data & pl.col("origin").is_in(sorted(tariff.roaming_zones))
    frame = frame.with_columns(
        _fr=pl.when(is_data & home).then(pl.col("ko")).otherwise(0),
        _eu=pl.when(roaming_use).then(pl.col("ko")).otherwise(0),
    )
    by_line = "line"
    narrow = (
        frame.lazy()
        .filter((is_data & home) | roaming_use)
        .select("_row", "line", "started", "record_id", "_fr", "_eu")
        .sort("line", "started", "record_id")
        .cache()
    )
    span = _span(narrow.select("line", "started", "record_id").collect())
    narrow = (
        narrow.join(counters.data_frame().lazy(), on="line", how="left", maintain_order="left")
        .with_columns(pl.col("start_france_ko", "start_roaming_ko").fill_null(0))
        .with_columns(
            _F=pl.col("start_france_ko") + pl.col("_fr").cum_sum().over(by_line),
            _cumE=pl.col("start_roaming_ko") + pl.col("_eu").cum_sum().over(by_line),
        )
    )
    cap = pl.min_horizontal(pl.lit(roaming), pl.lit(total) - pl.col("_F"))
    narrow = (
        narrow.with_columns(
            _g=pl.max_horizontal(pl.col("_cumE") - pl.col("_eu"), cap),
        )
        .with_columns(
            _E=pl.min_horizontal(pl.col("_cumE"), pl.col("_g").cum_min().over(by_line)),
        )
        .with_columns(
            _E_before=pl.col("_E").shift(1).over(by_line).fill_null(pl.col("start_roaming_ko")),
        )
    )
    room = pl.lit(total) - (pl.col("_F") - pl.col("_fr")) - pl.col("_E_before")
    shares = (
        narrow.with_columns(
            roaming_included_ko=pl.col("_E") - pl.col("_E_before"),
            france_included_ko=pl.min_horizontal(pl.col("_fr"), pl.max_horizontal(room, pl.lit(0))),
        )
        .select("_row", "roaming_included_ko", "france_included_ko")
        .collect()
    )
    return (
        frame.join(shares, on="_row", how="left", maintain_order="left")
        .with_columns(pl.col("roaming_included_ko", "france_included_ko").fill_null(0))
        .with_columns(
            roaming_charged_ko=pl.col("_eu") - pl.col("roaming_included_ko"),
            throttled_ko=pl.col("_fr") - pl.col("france_included_ko"),
        )
    ), span


def _span(keys: pl.DataFrame) -> Span:
    """Per line, the first and the last (started, record_id) of `keys`, sorted by line, started,
    record_id."""
    return keys.group_by("line").agg(
        first_started=pl.col("started").first(),
        first_id=pl.col("record_id").first(),
        last_started=pl.col("started").last(),
        last_id=pl.col("record_id").last(),
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
    is_data = service == "data"
    home = pl.col("origin") == HOME
    in_roaming_zone = pl.col("origin").is_in(sorted(tariff.roaming_zones))
    origin, destination = _label("origin", tariff), _label("dest_zone", tariff)
    quantity = (
        pl.when(service.is_in(CALLS))
        .then(pl.format(", {} s", pl.col("seconds")))
        .otherwise(pl.lit(""))
    )
    throttle = f"throttled to {tariff.throttled_kbps} kb/s, not charged"
    templates: list[tuple[pl.Expr, pl.Expr]] = [
        (free_special, pl.format("free number: {}", pl.col("special_name"))),
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
        (
            included_call & home & (direction == "in"),
            pl.concat_str([pl.format("included: {} received in France", service), quantity]),
        ),
        (
            included_call & home,
            pl.concat_str(
                [pl.format("included: {} in France to a French number", service), quantity]
            ),
        ),
        (
            included_call,
            pl.concat_str(
                [pl.format("included: {} from {} to {}", service, origin, destination), quantity]
            ),
        ),
        (pl.lit(True), pl.concat_str([pl.col("rate_text"), quantity])),
    ]
    kind = pl.coalesce(
        pl.when(condition).then(pl.lit(number, dtype=pl.UInt8))
        for number, (condition, _) in enumerate(templates)
    )
    # Only the columns the templates read: each template filters its rows out of this frame.
    used = (
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
        rows = classified.filter(pl.col("_kind") == number)
        if rows.height == 0:
            continue
        reason = pl.when(pl.col("_surcharged")).then(pl.concat_str([text, surcharge_text]))
        parts.append(rows.lazy().select("_position", reason=reason.otherwise(text)).collect())
    if not parts:
        return pl.Series("reason", [], dtype=pl.String)
    texts = pl.concat(parts)
    return texts.get_column("reason").gather(texts.get_column("_position").arg_sort())


def _counter_frames(priced: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    totals = priced.group_by("line").agg(
        data_france_ko=pl.col("_fr").sum(),
        data_roaming_included_ko=pl.col("roaming_included_ko").sum(),
        data_roaming_charged_ko=pl.col("roaming_charged_ko").sum(),
        throttled=pl.col("throttled").any(),
        out_of_bundle_micro_eur=pl.col("charge_micro_eur").sum(),
    )
    quantity = (
        pl.when(pl.col("service") == "data")
        .then(pl.col("ko"))
        .when(pl.col("service").is_in(CALLS))
        .then(pl.col("seconds"))
        .otherwise(1)
    )
    usage = priced.group_by(
        "line",
        "service",
        pl.col("origin"),
        pl.col("dest_zone").fill_null("").alias("destination"),
    ).agg(quantity=quantity.sum())
    return totals, usage
