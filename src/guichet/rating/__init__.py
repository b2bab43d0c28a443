"""The usage-rating core: pure Python + Polars, no Django import (it must run in a Spark executor).

    tariff = tariff_for_plan(load_catalog(directory), "woot-100go")
    result = rate_usage(records, tariff=tariff, counters=counters, seen_ids=seen)

`records` is a DataFrame of text columns (`USAGE_COLUMNS`; reading files is the caller's job);
`result.records` has one row per input row, `result.counters` the counters after the batch.
"""

from guichet.rating.counters import Counters, LineCounters, UsageKey
from guichet.rating.engine import (
    OUTPUT_COLUMNS,
    RATED,
    REJECTED,
    RatingInvariantError,
    RatingResult,
    rate_usage,
)
from guichet.rating.money import (
    charge_micro_eur,
    div_round_half_up,
    micro_eur_text,
    micro_eur_text_expr,
)
from guichet.rating.records import USAGE_COLUMNS, UsageSchemaError, missing_columns
from guichet.rating.tariff import Tariff, tariff_for_plan

__all__ = [
    "OUTPUT_COLUMNS",
    "RATED",
    "REJECTED",
    "USAGE_COLUMNS",
    "Counters",
    "LineCounters",
    "RatingInvariantError",
    "RatingResult",
    "Tariff",
    "UsageKey",
    "UsageSchemaError",
    "charge_micro_eur",
    "div_round_half_up",
    "micro_eur_text",
    "micro_eur_text_expr",
    "missing_columns",
    "rate_usage",
    "tariff_for_plan",
]
