"""The instalment schedule: equal instalments, the remainder cents on the first (pure rules)."""

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.payments.instalment_rules import (
    MAX_INSTALMENTS,
    MIN_INSTALMENTS,
    ScheduledInstalment,
    month_after,
    outstanding_cents,
    schedule,
    schedule_problem,
)

MAY = date(2026, 5, 1)


def test_500_euros_in_24_is_a_first_of_20_91_then_23_of_20_83() -> None:
    # 50000 / 24 = 2083 rest 8: 2083 × 24 = 49992, the 8 cents go on the first.
    items = schedule(principal_cents=50_000, count=24, first_period=MAY)

    assert [item.amount_cents for item in items] == [2091] + [2083] * 23
    assert items[0] == ScheduledInstalment(number=1, period_start=MAY, amount_cents=2091)
    assert items[-1] == ScheduledInstalment(
        number=24, period_start=date(2028, 4, 1), amount_cents=2083
    )


def test_799_euros_in_24_is_a_first_of_33_33_then_33_29() -> None:
    # 79900 / 24 = 3329 rest 4.
    amounts = [
        item.amount_cents for item in schedule(principal_cents=79_900, count=24, first_period=MAY)
    ]
    assert amounts == [3333] + [3329] * 23


def test_an_even_split_has_no_remainder() -> None:
    amounts = [
        item.amount_cents for item in schedule(principal_cents=60_000, count=12, first_period=MAY)
    ]
    assert amounts == [5000] * 12


def test_months_run_over_the_year_end() -> None:
    items = schedule(principal_cents=300, count=3, first_period=date(2026, 11, 1))
    assert [item.period_start for item in items] == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    assert month_after(date(2026, 12, 1), 13) == date(2028, 1, 1)


@pytest.mark.parametrize(
    ("principal", "count", "first", "problem"),
    [
        (10_000, 1, MAY, "de 2 à 36 mensualités (demandé : 1)"),
        (10_000, 37, MAY, "de 2 à 36 mensualités (demandé : 37)"),
        (11, 12, MAY, "au moins un centime par mensualité (12)"),
        (10_000, 12, date(2026, 5, 2), "commence le 1er"),
    ],
)
def test_terms_without_a_schedule_are_refused(
    principal: int, count: int, first: date, problem: str
) -> None:
    found = schedule_problem(principal_cents=principal, count=count, first_period=first)
    assert found is not None and problem in found
    with pytest.raises(ValueError, match=r"mensualit|1er"):
        schedule(principal_cents=principal, count=count, first_period=first)


@given(
    principal=st.integers(min_value=MAX_INSTALMENTS, max_value=10**9),
    count=st.integers(min_value=MIN_INSTALMENTS, max_value=MAX_INSTALMENTS),
    year=st.integers(min_value=2000, max_value=2100),
    month=st.integers(min_value=1, max_value=12),
)
def test_schedule_properties(principal: int, count: int, year: int, month: int) -> None:
    first = date(year, month, 1)
    items = schedule(principal_cents=principal, count=count, first_period=first)

    assert sum(item.amount_cents for item in items) == principal
    assert [item.number for item in items] == list(range(1, count + 1))
    # Every instalment but the first is the same; the first carries fewer than `count` cents more.
    assert len({item.amount_cents for item in items[1:]}) == 1
    assert 0 <= items[0].amount_cents - items[1].amount_cents < count
    # One instalment per calendar month, consecutive, each on the 1st.
    for previous, following in pairwise(items):
        assert following.period_start == month_after(previous.period_start, 1)
    assert all(item.period_start.day == 1 for item in items)
    # What is left after k billed instalments is what the others add up to.
    assert outstanding_cents(item.amount_cents for item in items[1:]) == (
        principal - items[0].amount_cents
    )
