"""Billing cycles (billing.cycle_rules): pure, no database."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.billing.cycle_rules import (
    BillingPeriod,
    CycleChange,
    cycle_change_plan,
    next_period,
    period_containing,
    period_starting,
    regular_period,
)
from guichet.billing.preference_rules import next_invoice_issued_on
from guichet.billing.rules import (
    LineFacts,
    Price,
    PriceKind,
    Span,
    SubscriptionFacts,
    line_charges,
    period_days,
)

cycle_days = st.integers(min_value=1, max_value=28)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def test_a_regular_period_runs_from_the_cycle_day_to_the_day_before_a_month_later() -> None:
    assert regular_period(date(2026, 4, 20), 15) == BillingPeriod(
        start=date(2026, 4, 15), stop=date(2026, 5, 15)
    )
    assert regular_period(date(2026, 4, 14), 15) == BillingPeriod(
        start=date(2026, 3, 15), stop=date(2026, 4, 15)
    )
    # Cycle day 1: the calendar month; February 2028 has 29 days.
    february = regular_period(date(2028, 2, 29), 1)
    assert (february.start, february.end, february.days) == (
        date(2028, 2, 1),
        date(2028, 2, 29),
        29,
    )


def test_a_shorter_cycle_day_gives_a_short_transition_period() -> None:
    # Chosen on 10 March, day 1 → 15: March stays whole; 1–14 April is the transition.
    change = cycle_change_plan(today=date(2026, 3, 10), old_day=1, new_day=15)
    assert change == CycleChange(
        old_day=1,
        new_day=15,
        transition_start=date(2026, 4, 1),
        new_cycle_from=date(2026, 4, 15),
    )
    transition = period_containing(date(2026, 4, 3), cycle_day=15, changes=[change])
    assert (transition.start, transition.end, transition.transition) == (
        date(2026, 4, 1),
        date(2026, 4, 14),
        True,
    )
    # Its monthly fees are prorated over April's 30 days: 14/30.
    assert (transition.days, transition.reference_days) == (14, 30)
    assert period_containing(date(2026, 3, 31), cycle_day=15, changes=[change]) == (
        BillingPeriod(start=date(2026, 3, 1), stop=date(2026, 4, 1))
    )
    assert period_containing(date(2026, 4, 15), cycle_day=15, changes=[change]) == (
        BillingPeriod(start=date(2026, 4, 15), stop=date(2026, 5, 15))
    )


def test_an_earlier_cycle_day_gives_a_long_transition_period() -> None:
    # Day 15 → 14, chosen on 20 April: 15 April – 14 May stays; 15 May – 13 June transition.
    change = cycle_change_plan(today=date(2026, 4, 20), old_day=15, new_day=14)
    transition = period_starting(date(2026, 5, 15), cycle_day=14, changes=[change])
    assert transition == BillingPeriod(
        start=date(2026, 5, 15), stop=date(2026, 6, 14), transition=True
    )
    assert (transition.days, transition.reference_days) == (30, 31)


def test_a_change_on_the_cycle_day_waits_for_the_end_of_the_period_that_just_started() -> None:
    change = cycle_change_plan(today=date(2026, 4, 1), old_day=1, new_day=10)
    assert (change.transition_start, change.new_cycle_from) == (date(2026, 5, 1), date(2026, 5, 10))


@pytest.mark.parametrize(("old", "new"), [(1, 1), (0, 5), (1, 29), (31, 1)])
def test_no_plan_for_a_day_out_of_range_or_unchanged(old: int, new: int) -> None:
    with pytest.raises(ValueError):
        cycle_change_plan(today=date(2026, 4, 1), old_day=old, new_day=new)


@given(today=days, old=cycle_days, new=cycle_days, later=cycle_days, first=days)
def test_periods_tile_the_days_without_gap_or_overlap_across_changes(
    today: date, old: int, new: int, later: int, first: date
) -> None:
    if new == old:
        new = old % 28 + 1
    changes = [cycle_change_plan(today=today, old_day=old, new_day=new)]
    if later != new:
        # The next change may be chosen once the first one's transition is over.
        changes.append(
            cycle_change_plan(today=changes[0].new_cycle_from, old_day=new, new_day=later)
        )
    day = min(first, today)
    period = period_containing(day, cycle_day=changes[-1].new_day, changes=changes)
    assert period.start <= day < period.stop
    for _ in range(5):
        following = next_period(period.start, cycle_day=changes[-1].new_day, changes=changes)
        assert following.start == period.stop  # no gap, no overlap
        assert 1 <= following.days <= following.reference_days  # never longer than a month
        assert following.transition == (following.days < following.reference_days)
        assert period_starting(following.start, cycle_day=changes[-1].new_day, changes=changes)
        period = following


@given(start=days, cycle_day=cycle_days)
def test_a_regular_period_bills_exactly_the_monthly_fee(start: date, cycle_day: int) -> None:
    period = regular_period(start, cycle_day)
    assert period_days(period.start) == (period.stop, period.days)


def test_the_next_invoice_of_an_account_on_day_15_comes_on_the_16th() -> None:
    assert next_invoice_issued_on(
        date(2026, 4, 20), period_starts=(date(2026, 3, 15), date(2026, 4, 15))
    ) == date(2026, 5, 16)
    assert next_invoice_issued_on(
        date(2026, 4, 15), period_starts=(date(2026, 3, 15), date(2026, 4, 15))
    ) == date(2026, 4, 16)
    # Calendar months, as before: the 2nd.
    assert next_invoice_issued_on(date(2026, 4, 1)) == date(2026, 4, 2)
    assert next_invoice_issued_on(date(2026, 4, 2)) == date(2026, 5, 2)


def test_line_charges_prorate_a_transition_over_the_month_from_its_start() -> None:
    box = Price(
        code="box",
        name="Box",
        kind=PriceKind.MAIN_OFFER,
        price_cents=3099,
        list_price_cents=3099,
    )
    line = LineFacts(
        line_id=1,
        label="FTTH-1",
        in_service=Span(date(2026, 1, 1)),
        subscriptions=(SubscriptionFacts(code="box", span=Span(date(2026, 1, 1))),),
    )
    [charge] = line_charges(
        line=line,
        period_start=date(2026, 12, 1),
        period_stop=date(2026, 12, 15),
        prices={"box": box},
    )
    # 3099 × 14 / 31 = 1399.55 → 1400.
    assert (charge.amount_cents, charge.service_start, charge.service_end) == (
        1400,
        date(2026, 12, 1),
        date(2026, 12, 14),
    )
    assert charge.label == "Abonnement Box du 01/12/2026 au 14/12/2026 (14/31 j) — ligne FTTH-1"
