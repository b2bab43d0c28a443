"""Options and top-ups in rating, hand-computed from the brochure (Options et recharges §1 to §5,
International §2)."""

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.rating import (
    NON_OCCASIONAL_SCHEMA,
    SUBSCRIPTIONS_SCHEMA,
    Counters,
    LineCounters,
    allowance_balances,
    rate_usage,
)
from tests.rating.conftest import LINE, frame, record

GO_KO = 1024 * 1024
MO = 1024 * 1024  # bytes
FROM = datetime(2026, 11, 1, tzinfo=UTC)  # subscriptions in force from the start of the period
BERLIN_LANDLINE = "+4930123456"
GERMAN_MOBILE = "+4915112345678"
SWISS_MOBILE = "+41791234567"
FRENCH_MOBILE = "+33612345678"
NEW_YORK = "+12125550123"
FIXES_85 = "appels-fixes-85-destinations"
UE_SUISSE = "appels-ue-suisse-1h"
TRAVEL_7 = "voyage-usa-canada-suisse-7j"


def subscriptions(*products: str | tuple[str, datetime, datetime | None]) -> pl.DataFrame:
    rows = []
    for product in products:
        code, since, until = (product, FROM, None) if isinstance(product, str) else product
        rows.append(
            {"line": LINE, "product_code": code, "active_from": since, "active_until": until}
        )
    return pl.DataFrame(rows, schema=SUBSCRIPTIONS_SCHEMA)


def at(day: int, hour: int = 10, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+01:00"


def call(record_id: str, other: str, seconds: int, *, visited: str = "FR", day: int = 2, **kw):
    return record(
        record_id,
        other=other,
        duration=str(seconds),
        visited=visited,
        started_at=at(day, **kw),
    )


def sms(record_id: str, other: str, *, visited: str = "FR", day: int = 2, **kw):
    return record(
        record_id,
        service="sms",
        other=other,
        duration=None,
        visited=visited,
        started_at=at(day, **kw),
    )


def data(record_id: str, visited: str, volume: int, *, day: int = 2, **kw):
    return record(
        record_id,
        service="data",
        other=None,
        duration=None,
        volume=str(volume),
        visited=visited,
        started_at=at(day, **kw),
    )


def rated(rows, tariff, subs, counters=None):
    return rate_usage(frame(rows), tariff=tariff, subscriptions=subs, counters=counters)


def column(result, name):
    return result.records.get_column(name).to_list()


# -- international call options (Options et recharges §2) ---------------------------------------


def test_a_200_minute_call_is_included_for_3_hours_then_out_of_bundle(tariff):
    result = rated([call("long", BERLIN_LANDLINE, 200 * 60)], tariff, subscriptions(FIXES_85))
    row = result.records.row(0, named=True)
    # 20 min at 0.228 €/min (from France to zone 1), per second after the 3 h included
    assert row["charge_micro_eur"] == 228_000 * 20 == 4_560_000
    assert (row["allowance_code"], row["allowance_used"]) == (FIXES_85, 180 * 60)
    assert row["reason"] == (
        "option Appels illimités vers les fixes de 85 destinations: 10800 s of unlimited "
        "(at most 10800 s per call); 1200 s beyond: from France to zone 1: 0.228 €/min, "
        "first minute indivisible"
    )
    assert result.counters.line(LINE).allowance_used(FIXES_85, "voice") == 10800


def test_the_100th_distinct_recipient_of_the_month_is_out_of_bundle(tariff):
    numbers = [f"+4930123456{n:02d}" for n in range(100)]
    rows = [
        call(f"c{n}", number, 60, minute=n % 60, hour=10 + n // 60)
        for n, number in enumerate(numbers)
    ]
    rows.append(call("again", numbers[0], 60, hour=13))
    result = rated(rows, tariff, subscriptions(FIXES_85))
    charges = column(result, "charge_micro_eur")
    assert charges[:99] == [0] * 99
    assert charges[99:] == [228_000, 0]  # the 100th number pays; the 1st is still included
    assert column(result, "reason")[99] == (
        "option Appels illimités vers les fixes de 85 destinations: recipient beyond the 99 of "
        "the month; 60 s beyond: from France to zone 1: 0.228 €/min, first minute indivisible"
    )
    assert result.counters.line(LINE).recipient_count(FIXES_85) == 99


def test_recipients_counted_in_an_earlier_batch_count_towards_the_99(tariff):
    known = frozenset(f"+4930123456{n:02d}" for n in range(98))
    start = Counters.of({LINE: LineCounters(recipients={(FIXES_85, FROM): known})})
    rows = [
        call("known", "+493012345600", 60, hour=10),
        call("99th", "+493012345698", 60, hour=11),
        call("100th", "+493012345699", 60, hour=12),
    ]
    result = rated(rows, tariff, subscriptions(FIXES_85), counters=start)
    assert column(result, "charge_micro_eur") == [0, 0, 228_000]
    assert result.counters.line(LINE).recipient_count(FIXES_85) == 99


def test_the_landline_option_does_not_include_mobiles(tariff):
    result = rated([call("m", GERMAN_MOBILE, 75)], tariff, subscriptions(FIXES_85))
    # 75 s at 0.228 €/min, first minute indivisible
    assert column(result, "charge_micro_eur") == [285_000]
    assert column(result, "allowance_code") == [None]


def test_one_hour_option_then_out_of_bundle_with_the_first_minute_counted_whole(tariff):
    rows = [
        call("a", GERMAN_MOBILE, 3500, hour=10),
        call("b", BERLIN_LANDLINE, 10, hour=11),  # billed 60 s: 60 s of the hour
        call("c", GERMAN_MOBILE, 300, hour=12),  # 40 s left, 260 s beyond
    ]
    result = rated(rows, tariff, subscriptions(UE_SUISSE))
    assert column(result, "allowance_used") == [3500, 60, 40]
    assert column(result, "charge_micro_eur") == [0, 0, 228_000 * 260 // 60]
    assert column(result, "reason")[2] == (
        "option 1h d'appels vers les mobiles/fixes de UE et Suisse: 40 s included, 0 s left; "
        "260 s beyond: from France to zone 1: 0.228 €/min, first minute indivisible"
    )


def test_an_unlimited_option_is_used_before_a_limited_one(tariff):
    rows = [call("a", BERLIN_LANDLINE, 600)]
    result = rated(rows, tariff, subscriptions(UE_SUISSE, FIXES_85))
    assert column(result, "allowance_code") == [FIXES_85]
    assert result.counters.line(LINE).allowance_used(UE_SUISSE, "voice") == 0


def test_an_option_only_counts_from_its_subscription(tariff):
    since = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # 11:00 in Paris
    rows = [call("before", GERMAN_MOBILE, 60, hour=10), call("after", GERMAN_MOBILE, 60, hour=12)]
    result = rated(rows, tariff, subscriptions((UE_SUISSE, since, None)))
    assert column(result, "charge_micro_eur") == [228_000, 0]


# -- Switzerland options (Options et recharges §4) ----------------------------------------------


def test_switzerland_option_minutes_and_sms_both_ways(tariff):
    rows = [
        call("fr-ch", SWISS_MOBILE, 10, hour=10),  # from France: first minute, 60 s
        call("ch-fr", FRENCH_MOBILE, 10, visited="CH", hour=11),  # 1 bis → 1: first 30 s
        sms("ch-ch", SWISS_MOBILE, visited="CH", hour=12),
        call("ch-de", GERMAN_MOBILE, 60, visited="CH", hour=13),  # not a route of the option
    ]
    subs = subscriptions("suisse-30min-50sms")
    result = rated(rows, tariff, subs)
    assert column(result, "allowance_used") == [60, 30, 1, 0]
    assert column(result, "charge_micro_eur") == [0, 0, 0, 420_000]
    balances = allowance_balances(result.counters, tariff=tariff, subscriptions=subs)
    assert balances.select("service", "allowance", "used", "remaining").rows() == [
        ("sms", 50, 1, 49),
        ("voice", 1800, 90, 1710),
    ]


def test_switzerland_3h_option_data_in_switzerland(tariff):
    rows = [data("d1", "CH", 200 * MO, hour=10), data("d2", "CH", 150 * MO, hour=11)]
    result = rated(rows, tariff, subscriptions("suisse-3h-300sms-300mo"))
    # 300 Mo included, then 50 Mo at 0.70 €/Mo (zone 1 bis)
    assert column(result, "charge_micro_eur") == [0, 50 * 700_000]
    assert column(result, "reason")[1] == (
        "option Option Suisse 3h d'appels + 300 SMS + 300 Mo: 102400 Ko included, 0 Ko left; "
        "51200 Ko beyond: data in zone 1 bis: 0.70 €/Mo"
    )


# -- travel top-ups (Options et recharges §3) ---------------------------------------------------


ACTIVATED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_travel_top_up_30_min_30_sms_500_mo_then_out_of_bundle(tariff):
    rows = [
        call("c1", FRENCH_MOBILE, 1700, visited="US", hour=10),
        call("c2", NEW_YORK, 300, visited="US", hour=11),  # 100 s left, 200 s beyond
        *(sms(f"s{n}", NEW_YORK, visited="US", hour=12, minute=n) for n in range(31)),
        data("d1", "US", 400 * MO, hour=13),
        data("d2", "CA", 200 * MO, hour=14),  # 100 Mo left, 100 Mo beyond
    ]
    result = rated(rows, tariff, subscriptions((TRAVEL_7, ACTIVATED, None)))
    charges = column(result, "charge_micro_eur")
    # from zone 2 to zone 1 or 2: 1.20 €/min; SMS from zone 2: 0.30 €; data in zone 2: 15.4 €/Mo
    assert charges[:2] == [0, 1_200_000 * 200 // 60]
    assert charges[2:33] == [0] * 30 + [300_000]
    assert charges[33:] == [0, 100 * 15_400_000]
    after = result.counters.line(LINE)
    assert (
        after.allowance_used(TRAVEL_7, "voice"),
        after.allowance_used(TRAVEL_7, "sms"),
        after.allowance_used(TRAVEL_7, "data"),
    ) == (1800, 30, 500 * 1024)


def test_travel_top_up_is_valid_7_days_from_activation(tariff):
    rows = [
        call("last", FRENCH_MOBILE, 60, visited="US", day=9, hour=8, minute=59),  # 07:59 UTC
        call("over", FRENCH_MOBILE, 60, visited="US", day=9, hour=9, minute=0),  # 08:00 UTC
        call("next-day", FRENCH_MOBILE, 60, visited="US", day=10),
    ]
    result = rated(rows, tariff, subscriptions((TRAVEL_7, ACTIVATED, None)))
    assert column(result, "charge_micro_eur") == [0, 1_200_000, 1_200_000]


def test_a_top_up_ended_early_stops_including(tariff):
    ended = ACTIVATED + timedelta(days=1)
    rows = [call("c", FRENCH_MOBILE, 60, visited="US", day=4)]
    result = rated(rows, tariff, subscriptions((TRAVEL_7, ACTIVATED, ended)))
    assert column(result, "charge_micro_eur") == [1_200_000]


def test_the_top_up_that_ends_first_is_used_first(tariff):
    rows = [data("d", "CH", 10 * MO)]
    subs = subscriptions("suisse-3h-300sms-300mo", (TRAVEL_7, ACTIVATED, None))
    result = rated(rows, tariff, subs)
    assert column(result, "allowance_code") == [TRAVEL_7]


def test_data_top_up(tariff):
    rows = [data("d1", "CA", 3 * 1024 * MO, hour=10), data("d2", "US", MO + 1, hour=11)]
    result = rated(rows, tariff, subscriptions(("data-usa-canada-3go", ACTIVATED, None)))
    # 3 Go used up, then 1025 Ko at 15.4 €/Mo: 15.4 € × 1025 / 1024
    assert column(result, "charge_micro_eur") == [0, 15_415_039]
    assert column(result, "allowance_used") == [3 * GO_KO, 0]


def test_multi_destinations_sms_top_up(tariff):
    rows = [sms("s", "+818012345678", visited="JP")]
    result = rated(rows, tariff, subscriptions(("multi-destinations-appels-sms", FROM, None)))
    assert column(result, "charge_micro_eur") == [0]


# -- speed restoration (Options et recharges §1) -----------------------------------------------


RESTORATION = "retablissement-debit-woot-100go"


def test_speed_restoration_lifts_throttling_for_the_rest_of_the_period(tariff):
    start = Counters.of({LINE: LineCounters(data_france_ko=100 * GO_KO - 10)})
    bought = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    rows = [data("before", "FR", 20 * 1024, hour=10), data("after", "FR", 20 * 1024, hour=14)]
    result = rated(rows, tariff, subscriptions((RESTORATION, bought, None)), counters=start)
    assert column(result, "throttled") == [True, False]
    assert column(result, "charge_micro_eur") == [0, 0]
    assert column(result, "reason")[1] == (
        "top-up Rétablissement du débit Web — Forfait Woot 100 Go: 20 Ko included, "
        "104857580 Ko left"
    )
    after = result.counters.line(LINE)
    assert (after.throttled, after.allowance_used(RESTORATION, "data")) == (False, 20)


def test_speed_restoration_used_up_throttles_again(tariff):
    start = Counters.of(
        {
            LINE: LineCounters(
                data_france_ko=100 * GO_KO,
                throttled=True,
                allowances={(RESTORATION, FROM, "data"): 100 * GO_KO - 5},
            )
        }
    )
    result = rated([data("d", "FR", 15 * 1024)], tariff, subscriptions(RESTORATION), start)
    assert column(result, "throttled") == [True]
    assert column(result, "reason") == [
        "top-up Rétablissement du débit Web — Forfait Woot 100 Go: 5 Ko included, 0 Ko left; "
        "10 Ko beyond: throttled to 64 kb/s, not charged"
    ]
    assert result.counters.line(LINE).throttled


# -- blocking options (Options et recharges §5) -------------------------------------------------


def test_blocking_option_flags_out_of_bundle_usage(tariff):
    rows = [
        call("france", FRENCH_MOBILE, 60, hour=10),
        call("china", "+8613812345678", 60, hour=11),
        call("roaming", FRENCH_MOBILE, 60, visited="DE", hour=12),
        call("received-us", FRENCH_MOBILE, 60, visited="US", hour=13) | {"direction": "in"},
    ]
    result = rated(rows, tariff, subscriptions("blocage", "option-internationale"))
    assert column(result, "blocked") == [False, True, False, True]


def test_blocking_option_disables_international_calls_of_options_not_those_from_abroad(tariff):
    rows = [
        call("fr-de", GERMAN_MOBILE, 60, hour=10),
        call("ch-fr", FRENCH_MOBILE, 60, visited="CH", hour=11),
    ]
    result = rated(rows, tariff, subscriptions("blocage", UE_SUISSE, "suisse-30min-50sms"))
    assert column(result, "charge_micro_eur") == [0, 0]
    assert column(result, "blocked") == [True, False]


def test_premium_number_blocking(tariff):
    rows = [call("premium", "766", 60, hour=10), call("china", "+8613812345678", 60, hour=11)]
    result = rated(rows, tariff, subscriptions("blocage-numeros-surtaxes"))
    assert column(result, "blocked") == [True, False]


def test_no_blocking_option_no_flag(tariff):
    result = rated([call("china", "+8613812345678", 60)], tariff, subscriptions())
    assert column(result, "blocked") == [False]


# -- international option (rates.toml rule international-option-required) ----------------------


@pytest.mark.parametrize(
    ("row", "without", "with_option"),
    [
        (call("china", "+8613812345678", 60), True, False),
        (call("france", FRENCH_MOBILE, 60), False, False),
        (call("zone-1", FRENCH_MOBILE, 60, visited="ES"), False, False),
        (data("zone-1-data", "ES", MO), False, False),
        (
            record("sms-in-us", service="sms", direction="in", visited="US", duration=None),
            True,
            False,
        ),
        (call("emergency", "112", 60, visited="US"), False, False),
    ],
)
def test_international_usage_without_the_international_option_is_flagged(
    tariff, row, without, with_option
):
    flags = [
        column(rated([row], tariff, subs), "without_international_option")
        for subs in (subscriptions(), subscriptions("option-internationale"))
    ]
    assert flags == [[without], [with_option]]


def test_international_usage_an_option_includes_needs_no_international_option(tariff):
    rows = [
        call("included", GERMAN_MOBILE, 60, hour=10),
        call("beyond", GERMAN_MOBILE, 3600, hour=11),
    ]
    result = rated(rows, tariff, subscriptions(UE_SUISSE))
    assert column(result, "without_international_option") == [False, True]
    assert column(result, "charge_micro_eur") == [0, 228_000]


def test_without_subscriptions_lines_have_no_option(tariff):
    result = rate_usage(frame([call("china", "+8613812345678", 60)]), tariff=tariff)
    assert column(result, "without_international_option") == [True]
    assert column(result, "blocked") == [False]
    assert column(result, "allowance_used") == [0]


def test_rejected_records_have_no_flags(tariff):
    result = rated([call("bad", FRENCH_MOBILE, -1)], tariff, subscriptions("blocage"))
    row = result.records.row(0, named=True)
    assert (row["allowance_used"], row["blocked"], row["without_international_option"]) == (
        None,
        None,
        None,
    )


def test_subscriptions_of_other_lines_and_unknown_products_are_ignored(tariff):
    other = pl.DataFrame(
        [
            {
                "line": "+33622222222",
                "product_code": UE_SUISSE,
                "active_from": FROM,
                "active_until": None,
            },
            {"line": LINE, "product_code": "woot-100go", "active_from": FROM, "active_until": None},
        ],
        schema=SUBSCRIPTIONS_SCHEMA,
    )
    result = rated([call("a", GERMAN_MOBILE, 60)], tariff, other)
    assert column(result, "charge_micro_eur") == [228_000]


# -- properties ---------------------------------------------------------------------------------

LINES = ["+33611111111", "+33622222222", "+33633333333"]
PRODUCTS = [
    FIXES_85,
    UE_SUISSE,
    "suisse-30min-50sms",
    "suisse-3h-300sms-300mo",
    TRAVEL_7,
    "voyage-usa-canada-suisse-14j",
    "data-usa-canada-500mo",
    RESTORATION,
    "blocage",
    "option-internationale",
]
PLACES = ["FR", "FR", "FR", "DE", "CH", "CH", "US", "CA", "CN"]
NUMBERS = [
    *(f"+4930123456{n:02d}" for n in range(6)),
    GERMAN_MOBILE,
    SWISS_MOBILE,
    "+41441234567",
    FRENCH_MOBILE,
    NEW_YORK,
    "+14165550123",
    "+8613812345678",
    "766",
    "112",
]


def random_usage(rng, count: int) -> list[dict[str, str | None]]:
    rows = []
    for index in range(count):
        line = rng.choice(LINES)
        kwargs = {
            "visited": rng.choice(PLACES),
            "day": rng.randrange(1, 29),
            "hour": rng.randrange(24),
            "minute": rng.randrange(60),
        }
        kind = rng.choice(["call", "call", "sms", "data", "data", "bad"])
        if kind == "call":
            row = call(
                f"r{index}", rng.choice(NUMBERS), rng.choice([0, 10, 700, 4000, 12500]), **kwargs
            )
        elif kind == "sms":
            row = sms(f"r{index}", rng.choice([n for n in NUMBERS if n != "766"]), **kwargs)
        elif kind == "data":
            row = data(
                f"r{index}", kwargs.pop("visited"), rng.choice([1, 10**6, 3 * 10**8]), **kwargs
            )
        else:
            row = call(f"r{index}", FRENCH_MOBILE, 60, **kwargs) | {"duration_s": "x"}
        rows.append(row | {"line": line})
    return rows


def random_subscriptions(rng) -> pl.DataFrame:
    rows = []
    for line in LINES:
        for code in rng.sample(PRODUCTS, rng.randrange(len(PRODUCTS))):
            # From the start of the period, the 85-destination option meets random_start's 97
            # recipients.
            since = FROM if code == FIXES_85 else FROM + timedelta(hours=rng.randrange(28 * 24))
            until = rng.choice([None, since + timedelta(days=rng.randrange(1, 20))])
            rows.append(
                {"line": line, "product_code": code, "active_from": since, "active_until": until}
            )
    return pl.DataFrame(rows, schema=SUBSCRIPTIONS_SCHEMA)


def random_start(rng) -> Counters:
    return Counters.of(
        {
            LINES[0]: LineCounters(
                data_france_ko=100 * GO_KO - rng.randrange(0, 10**6),
                recipients={(FIXES_85, FROM): frozenset(f"+3314000{n:04d}" for n in range(97))},
            )
        }
    )


def test_properties_see_the_options_of_the_random_lines(tariff):
    # The split property below is only worth something if options do include usage.
    rng = random.Random(7)
    subs = pl.DataFrame(
        [
            {"line": line, "product_code": code, "active_from": FROM, "active_until": None}
            for line in LINES
            for code in PRODUCTS
        ],
        schema=SUBSCRIPTIONS_SCHEMA,
    )
    result = rate_usage(
        frame(random_usage(rng, 300)), tariff=tariff, subscriptions=subs, counters=random_start(rng)
    )
    used = set(result.records.filter(pl.col("allowance_used") > 0).get_column("allowance_code"))
    assert {FIXES_85, UE_SUISSE, TRAVEL_7, RESTORATION} <= used
    assert result.records.get_column("blocked").any()
    assert result.records.get_column("reason").str.contains("recipient beyond the 99").any()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80), st.data())
def test_split_batches_with_options_rate_like_one_batch(tariff, seed, count, draw):
    rng = random.Random(seed)
    rows = sorted(random_usage(rng, count), key=lambda r: (r["started_at"], r["record_id"]))
    subs, start = random_subscriptions(rng), random_start(rng)
    travellers = pl.DataFrame(
        [
            {
                "line": LINES[1],
                "active_from": FROM + timedelta(days=rng.randrange(28)),
                "active_until": None,
            }
        ],
        schema=NON_OCCASIONAL_SCHEMA,
    )
    given = {"tariff": tariff, "subscriptions": subs, "non_occasional": travellers}
    cut = draw.draw(st.integers(0, count))
    whole = rate_usage(frame(rows), counters=start, **given)
    first = rate_usage(frame(rows[:cut]), counters=start, **given)
    second = rate_usage(
        frame(rows[cut:]), counters=first.counters, seen_ids=first.rated_ids(), **given
    )
    assert pl.concat([first.records, second.records]).equals(whole.records)
    assert second.counters.as_dict() == whole.counters.as_dict()
    assert first.total_micro_eur + second.total_micro_eur == whole.total_micro_eur
    out = whole.records
    assert out.height == count == whole.read == whole.rated + whole.rejected
