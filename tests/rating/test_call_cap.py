"""The plan's 3 h per call (plans.toml [plan.call_limits], CGS 2.1 and 6.2): of a call the plan
includes, the part beyond 180 min is out of bundle, per second at the route's price; hand-computed
charges in micro-euros."""

from datetime import UTC, datetime

import polars as pl
import pytest

from guichet.rating import SUBSCRIPTIONS_SCHEMA, Counters, rate_usage
from tests.rating.conftest import LINE, frame, record

THREE_HOURS = 3 * 3600


def rate_one(tariff, **fields):
    result = rate_usage(frame([record(**fields)]), tariff=tariff)
    return result, result.records.row(0, named=True)


def test_the_cap_comes_from_the_plan(tariff):
    assert tariff.max_included_call_s == THREE_HOURS


@pytest.mark.parametrize(
    ("visited", "service", "seconds", "expected"),
    [
        # France to a French number: 600 s beyond at 0.228 €/min (from France to zone 1) = 2.28 €
        ("FR", "voice", THREE_HOURS + 600, 2_280_000),
        # 1 s beyond: 228,000 / 60 = 3,800 µ€ (per second, no second indivisible minute)
        ("FR", "voice", THREE_HOURS + 1, 3_800),
        # video: 1.20 €/min, 90 s beyond = 1.80 €
        ("FR", "video", THREE_HOURS + 90, 1_800_000),
        # from Spain (zone 1) to a French number: 0.0264 €/min, 600 s beyond = 0.264 €
        ("ES", "voice", THREE_HOURS + 600, 264_000),
        # 7 s beyond from Spain: 26,400 × 7 / 60 = 3,080 µ€
        ("ES", "voice", THREE_HOURS + 7, 3_080),
    ],
)
def test_beyond_three_hours_is_charged_at_the_route_price(
    tariff, visited, service, seconds, expected
):
    result, row = rate_one(tariff, visited=visited, service=service, duration=str(seconds))
    assert (row["status"], row["charge_micro_eur"], row["included"]) == ("rated", expected, False)
    assert result.counters.line(LINE).out_of_bundle_micro_eur == expected


def test_exactly_three_hours_is_included(tariff):
    _, row = rate_one(tariff, duration=str(THREE_HOURS))
    assert (row["charge_micro_eur"], row["included"]) == (0, True)
    assert row["reason"] == "included: voice in France to a French number, 10800 s"


def test_the_reason_says_what_is_beyond_the_cap(tariff):
    _, row = rate_one(tariff, duration=str(THREE_HOURS + 600))
    assert row["reason"] == (
        "included: voice in France to a French number, 11400 s; 600 s beyond 10800 s per call"
        " (CGS 6.2): from France to zone 1: 0.228 €/min, first minute indivisible"
    )
    _, row = rate_one(tariff, visited="ES", duration=str(THREE_HOURS + 600))
    assert row["reason"] == (
        "included: voice from zone 1 to zone 1, 11400 s; 600 s beyond 10800 s per call"
        " (CGS 6.2): from zone 1 to zone 1: 0.0264 €/min, first 30 s indivisible"
    )


def test_received_calls_and_free_numbers_are_not_capped(tariff):
    _, received = rate_one(tariff, direction="in", duration=str(THREE_HOURS + 600))
    _, free = rate_one(tariff, other="0800123456", duration=str(THREE_HOURS + 600))
    assert (received["charge_micro_eur"], free["charge_micro_eur"]) == (0, 0)


def test_a_call_out_of_bundle_anyway_is_charged_in_full(tariff):
    # To China from France: 1.50 €/min for all 10,860 s (the cap is about included calls)
    _, row = rate_one(tariff, other="+8613812345678", duration=str(THREE_HOURS + 60))
    assert row["charge_micro_eur"] == 1_500_000 * (THREE_HOURS + 60) // 60


def test_the_cap_is_per_call_not_per_period(tariff):
    # Two calls of 2 h each: each under the cap, both included.
    rows = [
        record("a", duration="7200"),
        record("b", duration="7200", started_at="2026-11-02T13:00:00+01:00"),
    ]
    result = rate_usage(frame(rows), tariff=tariff, counters=Counters())
    assert result.records.get_column("charge_micro_eur").to_list() == [0, 0]


def test_a_blocking_option_flags_the_part_beyond_the_cap(tariff):
    held = pl.DataFrame(
        [
            {
                "line": LINE,
                "product_code": "blocage",
                "active_from": datetime(2026, 11, 1, tzinfo=UTC),
                "active_until": None,
            }
        ],
        schema=SUBSCRIPTIONS_SCHEMA,
    )
    rows = [record("long", duration=str(THREE_HOURS + 60)), record("short", duration="600")]
    result = rate_usage(frame(rows), tariff=tariff, subscriptions=held)
    assert result.records.get_column("blocked").to_list() == [True, False]
