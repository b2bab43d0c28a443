from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.rating.money import (
    charge_micro_eur,
    div_round_half_up,
    div_round_half_up_expr,
    micro_eur_text,
    micro_eur_text_expr,
    price_text,
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 60, 0), (29, 60, 0), (30, 60, 1), (31, 60, 1), (89, 60, 1), (90, 60, 2), (120, 60, 2)],
)
def test_rounding_is_to_the_nearest_micro_euro_halves_up(numerator, denominator, expected):
    assert div_round_half_up(numerator, denominator) == expected


def test_rounding_refuses_negative_amounts():
    with pytest.raises(ValueError):
        div_round_half_up(-1, 60)


@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_rounding_is_within_half_a_unit_and_halves_go_up(numerator, denominator):
    exact = Fraction(numerator, denominator)
    result = div_round_half_up(numerator, denominator)
    assert abs(exact - result) <= Fraction(1, 2)
    if exact - int(exact) == Fraction(1, 2):
        assert result == int(exact) + 1


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=50), st.sampled_from([60, 1024]))
def test_column_rounding_equals_scalar_rounding(numerators, denominator):
    column = pl.DataFrame({"n": numerators}).select(
        div_round_half_up_expr(pl.col("n"), denominator)
    )
    assert column.to_series().to_list() == [div_round_half_up(n, denominator) for n in numerators]


def test_issue_examples_china_75_s_and_per_mo():
    assert charge_micro_eur(1_500_000, 75, 60) == 1_875_000
    assert charge_micro_eur(15_400_000, 1, 1024) == 15_039  # 15,039.0625 µ€


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0.000000"), (1_875_000, "1.875000"), (7, "0.000007"), (-5, "-0.000005")],
)
def test_micro_eur_text(amount, text):
    assert micro_eur_text(amount) == text


@given(st.lists(st.integers(0, 10**15), max_size=30))
def test_micro_eur_text_column_equals_scalar(amounts):
    texts = pl.DataFrame({"a": amounts}, schema={"a": pl.Int64}).select(
        micro_eur_text_expr(pl.col("a"))
    )
    assert texts.to_series().to_list() == [micro_eur_text(a) for a in amounts]


@pytest.mark.parametrize(
    ("price", "text"), [(1_500_000, "1.50"), (2160, "0.00216"), (15_400_000, "15.40"), (0, "0")]
)
def test_price_text(price, text):
    assert price_text(price) == text


@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=30))
def test_micro_eur_text_column_equals_scalar_on_any_int64_and_keeps_nulls(amounts):
    texts = pl.DataFrame({"a": amounts}, schema={"a": pl.Int64}).select(
        micro_eur_text_expr(pl.col("a"))
    )
    expected = [None if a is None else micro_eur_text(a) for a in amounts]
    assert texts.to_series().to_list() == expected
