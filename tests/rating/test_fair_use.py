"""Fair use of roaming (plans.toml fair_use: more than 60 of 120 consecutive days only in roaming
in zone 1 and more than half of the usage there)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.rating import (
    DAYS_SCHEMA,
    NON_OCCASIONAL_SCHEMA,
    DayUsage,
    fair_use_flags,
    rate_usage,
)
from tests.rating.conftest import LINE, frame, record

AS_OF = date(2027, 2, 28)


def days(rows: list[tuple[int, DayUsage]], line: str = LINE) -> pl.DataFrame:
    """One DAYS_SCHEMA row per (days before AS_OF, usage)."""
    return pl.DataFrame(
        [
            {"line": line, "day": AS_OF - timedelta(days=back)}
            | {name: getattr(usage, name) for name in DAYS_SCHEMA if name not in ("line", "day")}
            for back, usage in rows
        ],
        schema=DAYS_SCHEMA,
    )


ROAMING_DAY = DayUsage(roaming_records=3, roaming_seconds=600, roaming_messages=2, roaming_ko=5000)
HOME_DAY = DayUsage(home_records=3, home_seconds=100, home_messages=1, home_ko=1000)


def test_61_roaming_only_days_with_most_usage_roaming_is_flagged(tariff):
    history = [(back, ROAMING_DAY) for back in range(61)] + [
        (back, HOME_DAY) for back in range(61, 120)
    ]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.rows() == [(LINE, 61, Decimal("0.6740"), True)]


def test_60_roaming_only_days_is_not_flagged(tariff):
    history = [(back, ROAMING_DAY) for back in range(60)] + [
        (back, HOME_DAY) for back in range(60, 120)
    ]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.select("roaming_only_days", "flagged").rows() == [(60, False)]


def test_days_outside_the_120_day_window_do_not_count(tariff):
    history = [(back, ROAMING_DAY) for back in range(60)] + [(120, ROAMING_DAY)]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.select("roaming_only_days", "flagged").rows() == [(60, False)]


def test_a_day_with_usage_in_france_is_not_roaming_only(tariff):
    both = DayUsage(home_records=1, roaming_records=5, home_ko=1, roaming_ko=100)
    history = [(back, ROAMING_DAY) for back in range(60)] + [(60, both)]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.select("roaming_only_days", "flagged").rows() == [(60, False)]


def test_half_of_the_usage_in_roaming_is_not_more_than_half(tariff):
    roaming = DayUsage(roaming_records=1, roaming_ko=100)
    home = DayUsage(home_records=1, home_ko=61 * 100)
    history = [(back, roaming) for back in range(61)] + [(61, home)]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.rows() == [(LINE, 61, Decimal("0.5000"), False)]


def test_every_service_used_must_be_mostly_roaming(tariff):
    roaming = DayUsage(roaming_records=1, roaming_ko=100, roaming_seconds=10)
    home = DayUsage(home_records=1, home_seconds=61 * 10 + 1)
    history = [(back, roaming) for back in range(61)] + [(61, home)]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    assert flags.select("flagged").item() is False


def test_a_day_given_by_two_periods_is_summed(tariff):
    history = days([(0, DayUsage(home_records=1))]).vstack(days([(0, ROAMING_DAY)]))
    flags = fair_use_flags(history, as_of=AS_OF, rule=tariff.fair_use)
    assert flags.select("roaming_only_days").item() == 0


def test_rating_counts_usage_per_paris_day_in_france_and_zone_1(tariff):
    rows = [
        record("late", started_at="2026-11-02T23:30:00+00:00", visited="DE", duration="90"),
        record(
            "data",
            service="data",
            other=None,
            duration=None,
            volume="2048",
            visited="FR",
            started_at="2026-11-03T09:00:00+01:00",
        ),
        record("us", started_at="2026-11-03T10:00:00+01:00", visited="US"),
        record("sms", service="sms", duration=None, started_at="2026-11-03T11:00:00+01:00"),
    ]
    after = rate_usage(frame(rows), tariff=tariff).counters.line(LINE)
    # 23:30 UTC on 2 November is 00:30 on 3 November in Paris; zone 2 usage is not counted
    assert after.days == {
        date(2026, 11, 3): DayUsage(
            home_records=2, roaming_records=1, roaming_seconds=90, home_messages=1, home_ko=2
        )
    }


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["roaming", "home", "both", "none"]), min_size=120, max_size=120))
def test_flagged_exactly_when_more_than_60_roaming_only_days_and_mostly_roaming(tariff, kinds):
    usage = {
        "roaming": ROAMING_DAY,
        "home": HOME_DAY,
        "both": DayUsage(home_records=1, roaming_records=1, home_ko=1, roaming_ko=1),
    }
    used = [usage[kind] for kind in kinds if kind != "none"]
    history = [(back, usage[kind]) for back, kind in enumerate(kinds) if kind != "none"]
    flags = fair_use_flags(days(history), as_of=AS_OF, rule=tariff.fair_use)
    if not used:
        assert flags.height == 0
        return

    def total(side: str, name: str) -> int:
        return sum(getattr(day, f"{side}_{name}") for day in used)

    mostly_roaming = all(
        2 * total("roaming", name) > total("roaming", name) + total("home", name)
        for name in ("seconds", "messages", "ko")
        if total("roaming", name) + total("home", name) > 0
    )
    roaming_only = kinds.count("roaming")
    assert flags.select("roaming_only_days", "flagged").row(0) == (
        roaming_only,
        roaming_only > 60 and mostly_roaming,
    )


# -- rating a non-occasional traveller (International §2 note (2); CGS 6.2) ----------------------

SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def non_occasional(line: str = LINE, since: datetime = SINCE) -> pl.DataFrame:
    return pl.DataFrame(
        [{"line": line, "active_from": since, "active_until": None}], schema=NON_OCCASIONAL_SCHEMA
    )


def test_a_non_occasional_traveller_pays_zone_1_usage(tariff):
    rows = [
        record("call", visited="DE", duration="90", started_at="2026-11-02T10:00:00+01:00"),
        record(
            "in",
            direction="in",
            visited="ES",
            duration="90",
            started_at="2026-11-02T11:00:00+01:00",
        ),
        record("sms", service="sms", visited="IT", duration=None),
        record(
            "data",
            service="data",
            other=None,
            duration=None,
            volume=str(1024 * 1024),
            visited="PT",
            started_at="2026-11-02T12:00:00+01:00",
        ),
        record("home", started_at="2026-11-02T13:00:00+01:00"),
    ]
    result = rate_usage(frame(rows), tariff=tariff, non_occasional=non_occasional())
    # zone 1 → zone 1: 0.0264 €/min, first 30 s; received in zone 1: 0.0048 €/min per second
    # (the note (2) cell); SMS zone 1 → zone 1: 0.0048 €; data in zone 1: 0.00216 €/Mo
    assert result.records.get_column("charge_micro_eur").to_list() == [
        39_600,
        7_200,
        4_800,
        2_160,
        0,
    ]
    assert result.records.get_column("reason").to_list()[:2] == [
        "non-occasional traveller (fair use): from zone 1 to zone 1: 0.0264 €/min, "
        "first 30 s indivisible, 90 s",
        "non-occasional traveller (fair use): received in zone 1: 0.0048 €/min, per second, 90 s",
    ]
    after = result.counters.line(LINE)
    assert (after.data_roaming_included_ko, after.data_roaming_charged_ko) == (0, 1024)


def test_only_from_when_billing_says_so(tariff):
    rows = [
        record("before", visited="DE", started_at="2026-11-02T10:00:00+01:00"),
        record("after", visited="DE", started_at="2026-11-20T10:00:00+01:00"),
    ]
    since = datetime(2026, 11, 15, tzinfo=UTC)
    result = rate_usage(frame(rows), tariff=tariff, non_occasional=non_occasional(since=since))
    assert result.records.get_column("charge_micro_eur").to_list() == [0, 26_400]
