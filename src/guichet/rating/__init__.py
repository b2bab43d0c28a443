"""The usage-rating core: pure Python + Polars, no Django import (it must run in a Spark executor).

    tariff = tariff_for_plan(load_catalog(directory), "woot-100go")
    result = rate_usage(
        records, tariff=tariff, counters=counters, seen_ids=seen, subscriptions=subscriptions
    )
    balances = allowance_balances(result.counters, tariff=tariff, subscriptions=subscriptions)
    flags = fair_use_flags(days_of_the_last_120_days, as_of=today, rule=tariff.fair_use)

`records` is a DataFrame of text columns (`USAGE_COLUMNS`; reading files is the caller's job);
`subscriptions` the lines' options and top-ups (`SUBSCRIPTIONS_SCHEMA`);
`result.records` has one row per input row, `result.counters` the counters after the batch.
"""

from guichet.rating.allowances import (
    BALANCES_SCHEMA,
    NON_OCCASIONAL_SCHEMA,
    SUBSCRIPTIONS_SCHEMA,
    allowance_balances,
)
from guichet.rating.counters import (
    ALLOWANCES_SCHEMA,
    DAYS_SCHEMA,
    RECIPIENTS_SCHEMA,
    TOTALS_SCHEMA,
    USAGE_SCHEMA,
    AllowanceKey,
    Counters,
    DayUsage,
    LineCounters,
    RecipientsKey,
    UsageKey,
)
from guichet.rating.engine import (
    OUTPUT_COLUMNS,
    RATED,
    REJECTED,
    PreparedUsage,
    RatingInvariantError,
    RatingResult,
    prepare_usage,
    rate_prepared,
    rate_usage,
)
from guichet.rating.fair_use import FAIR_USE_SCHEMA, fair_use_flags
from guichet.rating.money import (
    charge_micro_eur,
    div_round_half_up,
    micro_eur_text,
    micro_eur_text_expr,
)
from guichet.rating.records import USAGE_COLUMNS, UsageSchemaError, missing_columns
from guichet.rating.tariff import FairUseRule, ProductRule, RouteRule, Tariff, tariff_for_plan

__all__ = [
    "ALLOWANCES_SCHEMA",
    "BALANCES_SCHEMA",
    "DAYS_SCHEMA",
    "FAIR_USE_SCHEMA",
    "NON_OCCASIONAL_SCHEMA",
    "OUTPUT_COLUMNS",
    "RATED",
    "RECIPIENTS_SCHEMA",
    "REJECTED",
    "SUBSCRIPTIONS_SCHEMA",
    "TOTALS_SCHEMA",
    "USAGE_COLUMNS",
    "USAGE_SCHEMA",
    "AllowanceKey",
    "Counters",
    "DayUsage",
    "FairUseRule",
    "LineCounters",
    "PreparedUsage",
    "ProductRule",
    "RatingInvariantError",
    "RatingResult",
    "RecipientsKey",
    "RouteRule",
    "Tariff",
    "UsageKey",
    "UsageSchemaError",
    "allowance_balances",
    "charge_micro_eur",
    "div_round_half_up",
    "fair_use_flags",
    "micro_eur_text",
    "micro_eur_text_expr",
    "missing_columns",
    "prepare_usage",
    "rate_prepared",
    "rate_usage",
    "tariff_for_plan",
]
