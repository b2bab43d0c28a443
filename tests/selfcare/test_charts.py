"""The pure rules of the portal's charts: the data gauge and the monthly bars."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.selfcare.charts import (
    GAUGE_CIRCUMFERENCE,
    KO_PER_GO,
    bar_chart,
    data_left,
    data_shown_ko,
    data_size,
    gauge,
)

KO = st.integers(min_value=0, max_value=10**12)


@given(used=KO, allowance=st.integers(min_value=1, max_value=10**12), throttled=st.booleans())
def test_the_gauge_splits_the_allowance_into_used_and_left(used, allowance, throttled):
    result = gauge(used_ko=used, allowance_ko=allowance, throttled=throttled)

    assert result.left_ko == max(allowance - used, 0)
    assert 0 <= result.used_percent <= 100
    assert result.throttled is throttled
    # Full only when nothing is left; never shown full while something is left.
    assert (result.used_percent == 100) == (result.left_ko == 0)
    assert 0 <= result.filled_length <= round(GAUGE_CIRCUMFERENCE, 2)


@given(used=KO, more=st.integers(min_value=0, max_value=10**9))
def test_the_gauge_never_empties_as_usage_grows(used, more):
    allowance = 100 * 1024 * 1024
    before = gauge(used_ko=used, allowance_ko=allowance, throttled=False)
    after = gauge(used_ko=used + more, allowance_ko=allowance, throttled=False)

    assert after.used_percent >= before.used_percent
    assert after.left_ko <= before.left_ko


def test_the_gauge_of_a_plan_without_allowance_is_empty():
    result = gauge(used_ko=5000, allowance_ko=0, throttled=False)

    assert (result.used_percent, result.left_ko, result.unlimited) == (0, 0, True)


def test_the_gauge_reads_like_the_brochure():
    half = gauge(used_ko=50 * 1024 * 1024, allowance_ko=100 * 1024 * 1024, throttled=False)

    assert half.used_percent == 50
    assert data_size(half.left_ko) == "50,00 Go"
    assert data_size(512) == "512 Ko"
    assert data_size(1536) == "1,5 Mo"


def _hundredths_of_go(text: str) -> int:
    assert text.endswith(" Go"), text
    whole, fraction = text.removesuffix(" Go").split(",")
    return int(whole) * 100 + int(fraction)


def test_used_and_left_add_up_to_the_allowance():
    allowance = 100 * KO_PER_GO
    used = 11_413_160  # 10,884… Go: "10,88 Go", and 89,115… Go left

    assert data_size(used) == "10,88 Go"
    assert data_size(allowance - used) == "89,11 Go"  # rounded down too: 99,99 Go in all
    assert data_size(data_left(used_ko=used, allowance_ko=allowance)) == "89,12 Go"


@given(
    allowance_go=st.integers(min_value=2, max_value=500),
    share=st.fractions(min_value=0, max_value=1),
)
def test_used_and_left_as_shown_add_up_to_a_whole_allowance(allowance_go, share):
    allowance = allowance_go * KO_PER_GO
    used = int(allowance * share)
    left = data_left(used_ko=used, allowance_ko=allowance)

    # The used figure is never overstated; what is left is never less than the counters' (and,
    # in Go, less than one last digit more).
    assert data_shown_ko(used) <= used
    assert allowance - used <= left
    if used >= KO_PER_GO and left >= KO_PER_GO:
        assert left - (allowance - used) < Fraction(KO_PER_GO, 100)
        assert _hundredths_of_go(data_size(used)) + _hundredths_of_go(data_size(left)) == (
            allowance_go * 100
        )


@given(used=KO, allowance=st.integers(min_value=0, max_value=10**12))
def test_nothing_is_left_once_the_allowance_is_used_up(used, allowance):
    left = data_left(used_ko=used, allowance_ko=allowance)

    assert left >= 0
    assert (left == 0) == (used >= allowance)


@given(values=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=24))
def test_bars_fit_the_plot_and_keep_the_order_of_their_values(values):
    labels = [str(index) for index in range(len(values))]
    chart = bar_chart(values=values, labels=labels, short_labels=labels, texts=labels, height=120)

    assert len(chart.bars) == len(values)
    for bar in chart.bars:
        assert 0 <= bar.height <= 120
        assert bar.y + bar.height == pytest.approx(120)
        assert (bar.height > 0) == (bar.value > 0)
    for first, second in zip(chart.bars, chart.bars[1:], strict=False):
        assert first.x < second.x
        if first.value < second.value:
            assert first.height <= second.height


def test_bars_need_one_label_per_value():
    with pytest.raises(ValueError):
        bar_chart(values=[1, 2], labels=["a"], short_labels=["a"], texts=["a"])
