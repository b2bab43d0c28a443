"""The pure rules of offer management: CGS 8.1 termination fees, notice, withdrawal prorata,
the number pool and the move eligibility."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.lines.offer_rules import (
    add_months,
    full_months_between,
    move_eligibility,
    next_period_start,
    number_candidates,
    termination_date,
    termination_fees,
    withdrawal_prorata_cents,
)

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
prices = st.integers(min_value=0, max_value=20_000)


def _fees(**overrides):
    args = {
        "monthly_list_cents": 3099,
        "commitment_start": date(2026, 1, 15),
        "commitment_end": date(2027, 1, 14),
        "termination_date": date(2026, 6, 20),
        "subscribed_on": date(2026, 1, 5),
        "subsidised_device": False,
        "legitimate_reason": False,
    }
    return termination_fees(**{**args, **overrides})


def test_no_commitment_is_free():
    assert _fees(commitment_end=None).amount_cents == 0


def test_after_the_commitment_it_is_free():
    assert _fees(termination_date=date(2027, 1, 15)).amount_cents == 0


def test_a_legitimate_reason_is_free():
    assert _fees(legitimate_reason=True).amount_cents == 0


def test_within_the_first_year_the_full_months_left_are_due():
    # 20 June 2026 → 15 January 2027: 6 full months (20 Jun → 20 Dec), at 30.99 €.
    fees = _fees()
    assert (fees.first_year_months, fees.beyond_months) == (6, 0)
    assert fees.amount_cents == 6 * 3099


def test_before_2023_a_quarter_of_the_months_beyond_the_first_year():
    fees = _fees(
        commitment_start=date(2022, 3, 1),
        commitment_end=date(2024, 2, 29),
        subscribed_on=date(2022, 3, 1),
        termination_date=date(2022, 12, 1),
    )
    # 1 Dec 2022 → 1 Mar 2023: 3 months at 100 %, then 12 months at 25 %.
    assert (fees.first_year_months, fees.beyond_months) == (3, 12)
    assert fees.beyond_share == Fraction(1, 4)
    assert fees.amount_cents == 3 * 3099 + 3 * 3099


def test_from_2023_beyond_the_first_year_only_with_a_subsidised_device():
    base = {
        "commitment_start": date(2023, 3, 1),
        "commitment_end": date(2025, 2, 28),
        "subscribed_on": date(2023, 3, 1),
        "termination_date": date(2024, 3, 1),
        "monthly_list_cents": 1000,
    }
    assert _fees(**base).amount_cents == 0
    subsidised = _fees(**base, subsidised_device=True)
    assert subsidised.beyond_months == 12
    assert subsidised.amount_cents == 2400  # 20 % of 12 × 10 €


@given(
    price=prices,
    start=days,
    commitment=st.integers(min_value=1, max_value=24),
    offset=st.integers(min_value=0, max_value=800),
    before_2023=st.booleans(),
    subsidised=st.booleans(),
)
def test_fees_never_exceed_the_months_left_and_fall_as_time_passes(
    price, start, commitment, offset, before_2023, subsidised
):
    end = add_months(start, commitment) - timedelta(days=1)
    subscribed = date(2022, 6, 1) if before_2023 else date(2023, 6, 1)

    def fee(day):
        return termination_fees(
            monthly_list_cents=price,
            commitment_start=start,
            commitment_end=end,
            termination_date=day,
            subscribed_on=subscribed,
            subsidised_device=subsidised,
            legitimate_reason=False,
        )

    day = start + timedelta(days=offset)
    fees = fee(day)
    assert 0 <= fees.amount_cents <= price * commitment
    assert fees.first_year_months + fees.beyond_months <= commitment
    assert fee(day + timedelta(days=31)).amount_cents <= fees.amount_cents
    if day > end:
        assert fees.amount_cents == 0


@given(day=days)
def test_the_notice_is_ten_days(day):
    assert termination_date(day) - day == timedelta(days=10)


@given(start=days, months=st.integers(min_value=0, max_value=40))
def test_full_months_between_inverts_add_months(start, months):
    assert full_months_between(start, add_months(start, months)) == months or start.day > 28


@given(price=prices, start=days, used=st.integers(min_value=0, max_value=14))
def test_the_withdrawal_prorata_is_within_the_days_used(price, start, used):
    due = withdrawal_prorata_cents(
        monthly_cents=price, activated_on=start, requested_on=start + timedelta(days=used)
    )
    assert 0 <= due <= price
    if used == 0:
        assert due == 0


def test_the_withdrawal_prorata_of_a_whole_month_is_the_monthly_price():
    assert (
        withdrawal_prorata_cents(
            monthly_cents=1299, activated_on=date(2026, 2, 1), requested_on=date(2026, 3, 1)
        )
        == 1299
    )
    # 10 days of a 30-day month.
    assert (
        withdrawal_prorata_cents(
            monthly_cents=3000, activated_on=date(2026, 11, 5), requested_on=date(2026, 11, 15)
        )
        == 1000
    )


def test_the_next_period_starts_on_the_first_of_next_month():
    assert next_period_start(date(2026, 12, 31)) == date(2027, 1, 1)


@given(seed=st.text(max_size=20))
def test_the_pool_gives_three_distinct_mobile_numbers_the_same_for_a_seed(seed):
    numbers = number_candidates(seed=seed, taken=frozenset())
    assert len(set(numbers)) == 3
    assert all(n.startswith(("+336", "+337")) and len(n) == 12 for n in numbers)
    assert numbers == number_candidates(seed=seed, taken=frozenset())
    assert numbers[0] not in number_candidates(seed=seed, taken=frozenset({numbers[0]}))


@pytest.mark.parametrize(
    ("postcode", "eligible"), [("75011", True), ("69009", False), ("97400", False)]
)
def test_eligibility_depends_on_the_postcode(postcode, eligible):
    assert move_eligibility(postcode).eligible is eligible


def test_a_malformed_postcode_is_refused():
    with pytest.raises(ValueError, match="5 chiffres"):
        move_eligibility("7501")
