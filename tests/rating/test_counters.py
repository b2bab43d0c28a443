from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.rating import (
    ALLOWANCES_SCHEMA,
    DAYS_SCHEMA,
    RECIPIENTS_SCHEMA,
    Counters,
    DayUsage,
    LineCounters,
)
from guichet.rating.counters import DAY_QUANTITIES
from tests.rating.conftest import LINE

FROM = datetime(2026, 11, 1, tzinfo=UTC)
OTHER = "+33622222222"


def test_counters_round_trip_through_their_frames():
    lines = {
        LINE: LineCounters(
            data_france_ko=5,
            throttled=True,
            usage={("voice", "FR", "3"): 75},
            allowances={("appels-ue-suisse-1h", FROM, "voice"): 120},
            recipients={("appels-fixes-85-destinations", FROM): frozenset({"+4930123456"})},
            days={date(2026, 11, 2): DayUsage(home_records=1, home_seconds=75)},
        ),
        OTHER: LineCounters(days={date(2026, 11, 3): DayUsage(roaming_records=2)}),
    }
    counters = Counters.of(lines)
    assert counters.as_dict() == lines
    assert counters.allowances.schema == pl.Schema(ALLOWANCES_SCHEMA)
    assert counters.recipients.schema == pl.Schema(RECIPIENTS_SCHEMA)
    assert counters.days.schema == pl.Schema(DAYS_SCHEMA)


def test_plus_adds_quantities_and_keeps_recipients_once():
    start = Counters.of(
        {
            LINE: LineCounters(
                allowances={("suisse-30min-50sms", FROM, "sms"): 3},
                recipients={("appels-fixes-85-destinations", FROM): frozenset({"+4930123456"})},
                days={date(2026, 11, 2): DayUsage(home_records=1)},
            )
        }
    )
    batch = Counters.of(
        {
            LINE: LineCounters(
                allowances={("suisse-30min-50sms", FROM, "sms"): 2},
                recipients={
                    ("appels-fixes-85-destinations", FROM): frozenset(
                        {"+4930123456", "+4930654321"}
                    )
                },
                days={date(2026, 11, 2): DayUsage(home_records=2, roaming_records=1)},
            )
        }
    )
    after = start.plus(
        batch.totals, batch.usage, batch.allowances, batch.recipients, batch.days
    ).line(LINE)
    assert after.allowance_used("suisse-30min-50sms", "sms") == 5
    assert after.recipient_count("appels-fixes-85-destinations") == 2
    assert after.days == {date(2026, 11, 2): DayUsage(home_records=3, roaming_records=1)}


def test_throttled_follows_the_last_batch_that_used_data_in_france():
    start = Counters.of({LINE: LineCounters(data_france_ko=10, throttled=True)})
    voice_only = Counters.of({LINE: LineCounters(usage={("voice", "FR", "1"): 60})})
    restored = Counters.of({LINE: LineCounters(data_france_ko=4, throttled=False)})
    assert start.plus(voice_only.totals, voice_only.usage).line(LINE).throttled
    assert not start.plus(restored.totals, restored.usage).line(LINE).throttled


def test_a_new_period_keeps_only_the_balances_of_top_ups_valid_some_days(tariff):
    counters = Counters.of(
        {
            LINE: LineCounters(
                data_france_ko=10,
                allowances={
                    ("voyage-usa-canada-suisse-7j", FROM, "voice"): 600,
                    ("appels-ue-suisse-1h", FROM, "voice"): 120,
                    ("retablissement-debit-woot-100go", FROM, "data"): 1000,
                },
                days={date(2026, 11, 2): DayUsage(home_records=1)},
            )
        }
    )
    carried = counters.carried_into_next_period(tariff.top_ups_with_validity)
    assert carried.as_dict() == {
        LINE: LineCounters(allowances={("voyage-usa-canada-suisse-7j", FROM, "voice"): 600})
    }


LINES = ("+33600000001", "+33600000002", "+33600000003")
DAYS = (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3))
quantity = st.integers(0, 10**6)
day_usage = st.builds(DayUsage, **dict.fromkeys(DAY_QUANTITIES, quantity))
line_counters = st.builds(
    LineCounters,
    data_france_ko=quantity,
    data_roaming_included_ko=quantity,
    throttled=st.booleans(),
    out_of_bundle_micro_eur=quantity,
    usage=st.dictionaries(
        st.tuples(st.sampled_from(["voice", "data"]), st.sampled_from(["FR", "1"]), st.just("")),
        quantity,
    ),
    allowances=st.dictionaries(
        st.tuples(st.sampled_from(["appels-ue-suisse-1h"]), st.just(FROM), st.just("voice")),
        quantity,
    ),
    days=st.dictionaries(st.sampled_from(DAYS), day_usage),
)
period = st.dictionaries(st.sampled_from(LINES), line_counters)


def _added(before: LineCounters, batch: LineCounters) -> LineCounters:
    def summed(a, b):
        return {key: a.get(key, 0) + b.get(key, 0) for key in a.keys() | b.keys()}

    days = {
        day: DayUsage(
            **{
                name: getattr(before.days.get(day, DayUsage()), name)
                + getattr(batch.days.get(day, DayUsage()), name)
                for name in DAY_QUANTITIES
            }
        )
        for day in before.days.keys() | batch.days.keys()
    }
    return LineCounters(
        data_france_ko=before.data_france_ko + batch.data_france_ko,
        data_roaming_included_ko=before.data_roaming_included_ko + batch.data_roaming_included_ko,
        data_roaming_charged_ko=before.data_roaming_charged_ko + batch.data_roaming_charged_ko,
        throttled=batch.throttled if batch.data_france_ko > 0 else before.throttled,
        out_of_bundle_micro_eur=before.out_of_bundle_micro_eur + batch.out_of_bundle_micro_eur,
        usage=summed(before.usage, batch.usage),
        allowances=summed(before.allowances, batch.allowances),
        recipients={},
        days=days,
    )


@settings(max_examples=60, deadline=None)
@given(period, period, period)
def test_plus_adds_each_key_of_each_line(first, second, third):
    """Batches adding to some keys of the period and bringing new ones, one after the other."""
    counters = Counters()
    expected: dict[str, LineCounters] = {}
    for batch in (first, second, third):
        frames = Counters.of(batch)
        counters = counters.plus(
            frames.totals, frames.usage, frames.allowances, frames.recipients, frames.days
        )
        for line, added in batch.items():
            expected[line] = _added(expected.get(line, LineCounters()), added)
    assert counters.as_dict() == expected
