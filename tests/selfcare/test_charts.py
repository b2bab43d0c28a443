"""The pure rules of the portal's charts: the data gauge and the monthly bars."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.selfcare.charts import GAUGE_CIRCUMFERENCE, bar_chart, data_size, gauge

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
