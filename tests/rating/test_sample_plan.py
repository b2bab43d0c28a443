"""The sample plan "Woot 20 Go (exemple)" (catalog/data/plans.toml) is rated with its own
allowances: 20 Go in France, 9 Go of them usable in zone 1; every other rule is the brochure's
(64 kb/s beyond the allowance, zone 1 data at 0.00216 €/Mo beyond the roaming allowance).
Hand-computed; the same records on the Woot 100 Go stay included."""

import pytest

from guichet.catalog.schema import load_catalog
from guichet.rating import Counters, LineCounters, Tariff, rate_usage, tariff_for_plan
from tests.rating.conftest import DATA, LINE, frame, record

GO_KO = 1024 * 1024
MO = 1024 * 1024  # bytes
ZONE_1_DATA_MICRO_EUR_PER_MO = 2160  # International §2, data from zone 1: 0.00216 €/Mo


@pytest.fixture(scope="module")
def sample() -> Tariff:
    return tariff_for_plan(load_catalog(DATA), "woot-20go-exemple")


def data(record_id: str, visited: str, volume: int, day: int = 2) -> dict[str, str | None]:
    return record(
        record_id,
        service="data",
        visited=visited,
        other=None,
        duration=None,
        volume=str(volume),
        started_at=f"2026-11-{day:02d}T10:00:00+01:00",
    )


def test_the_sample_tariff_carries_its_own_allowances(sample: Tariff, tariff: Tariff):
    assert (sample.plan_code, sample.plan_name) == ("woot-20go-exemple", "Woot 20 Go (exemple)")
    assert (sample.data_total_ko, sample.data_roaming_ko) == (20 * GO_KO, 9 * GO_KO)
    assert (tariff.data_total_ko, tariff.data_roaming_ko) == (100 * GO_KO, 17 * GO_KO)
    assert sample.throttled_kbps == tariff.throttled_kbps == 64
    assert "retablissement-debit-woot-100go" not in sample.products
    assert set(sample.products) == set(tariff.products) - {"retablissement-debit-woot-100go"}


def test_beyond_20_go_in_france_is_throttled_on_the_sample_only(sample: Tariff, tariff: Tariff):
    start = Counters.of({LINE: LineCounters(data_france_ko=20 * GO_KO - 10)})
    records = frame([data("d1", "FR", 20 * 1024)])

    on_sample = rate_usage(records, tariff=sample, counters=start)
    on_brochure = rate_usage(records, tariff=tariff, counters=start)

    row = on_sample.records.row(0, named=True)
    assert (row["charge_micro_eur"], row["throttled"]) == (0, True)
    assert row["reason"] == (
        "data in France: 10 Ko included, 10 Ko beyond the allowance: "
        "throttled to 64 kb/s, not charged"
    )
    after = on_sample.counters.line(LINE)
    assert (after.throttled, after.data_remaining_ko(sample.data_total_ko)) == (True, 0)
    assert on_brochure.records.row(0, named=True)["throttled"] is False


def test_beyond_9_go_in_zone_1_pays_the_brochure_rate_per_mo(sample: Tariff, tariff: Tariff):
    start = Counters.of({LINE: LineCounters(data_roaming_included_ko=9 * GO_KO - 1024)})
    records = frame([data("d1", "DE", 2 * MO)])

    row = rate_usage(records, tariff=sample, counters=start).records.row(0, named=True)

    # 1 Mo included, 1 Mo at 0.00216 €/Mo
    assert (row["charge_micro_eur"], row["included"]) == (ZONE_1_DATA_MICRO_EUR_PER_MO, False)
    assert (
        rate_usage(records, tariff=tariff, counters=start).records.row(0, named=True)[
            "charge_micro_eur"
        ]
        == 0
    )


def test_zone_1_data_is_capped_by_what_remains_of_the_20_go(sample: Tariff):
    # 15 Go used in France, then 8 Go in Germany: 5 Go left of the 20 Go are included, 3 Go
    # are charged at 0.00216 €/Mo (the 9 Go of zone 1 are part of the 20 Go).
    rows = [data("d1", "FR", 15 * 1024 * MO, day=2), data("d2", "DE", 8 * 1024 * MO, day=3)]

    result = rate_usage(frame(rows), tariff=sample)

    assert result.records.get_column("charge_micro_eur").to_list() == [
        0,
        3 * 1024 * ZONE_1_DATA_MICRO_EUR_PER_MO,
    ]
    after = result.counters.line(LINE)
    assert (after.data_roaming_included_ko, after.data_roaming_charged_ko) == (
        5 * GO_KO,
        3 * GO_KO,
    )
