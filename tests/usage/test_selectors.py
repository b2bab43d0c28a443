"""Reads of stored usage: the Conso page's counters, out-of-bundle groups, record detail."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from guichet.catalog.models import CatalogRelease
from guichet.usage.selectors import (
    UsageGroupKey,
    UsageQuantity,
    line_usage,
    line_usage_records,
    out_of_bundle_usage,
    out_of_bundle_usage_for_account,
)
from guichet.usage.services import usage_import
from tests.billing.builders import open_account, paris
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
NOVEMBER = date(2026, 11, 1)
CAMILLE, HUGO = "+33611111111", "+33622222222"
# Woot 100 Go (plans.toml): 100 Go in France and zone 1, of which 17 Go in zone 1.
ALLOWANCE_KO = 100 * 1024 * 1024
ROAMING_KO = 17 * 1024 * 1024


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def at(day: int, hour: int = 10) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00+01:00"


def data(record_id: str, line: str, volume: int, visited: str = "FR", day: int = 3) -> dict:
    return record(
        record_id,
        line=line,
        service="data",
        other=None,
        duration=None,
        volume=str(volume),
        visited=visited,
        started_at=at(day),
    )


@pytest.fixture
def imported(tmp_path: Path):
    account = open_account()
    camille = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    hugo = numbered_line(account, HUGO, activated_at=paris(2026, 10, 1))
    rows = [
        record("v1", line=CAMILLE, other="+8613812345678", duration="75", started_at=at(2)),
        record("v2", line=CAMILLE, other="+33612345678", duration="300", started_at=at(2, 11)),
        record("v3", line=CAMILLE, visited="ES", other="+33612345678", duration="120"),
        record("s1", line=CAMILLE, service="sms", duration=None, started_at=at(4)),
        record("s2", line=CAMILLE, service="sms", duration=None, started_at=at(5)),
        data("d1", CAMILLE, 3 * 1024**3),  # 3 Go in France
        data("d2", CAMILLE, 1024**3, visited="ES", day=6),  # 1 Go in Spain (zone 1)
        record("h1", line=HUGO, visited="US", other="+33612345678", duration="61"),
    ]
    usage_import(path=usage_file(tmp_path / "usage.csv", rows), clock=lambda: NOW)
    return account, camille, hugo


def test_a_lines_counters_for_the_conso_page(imported, django_assert_num_queries) -> None:
    _, camille, _ = imported

    # Totals, quantities, the active plan, the current catalog release.
    with django_assert_num_queries(4):
        usage = line_usage(line=camille, period_start=NOVEMBER)

    assert (usage.data_france_ko, usage.data_roaming_ko, usage.data_roaming_charged_ko) == (
        3 * 1024 * 1024,
        1024 * 1024,
        0,
    )
    assert (usage.data_allowance_ko, usage.data_roaming_allowance_ko) == (ALLOWANCE_KO, ROAMING_KO)
    assert usage.data_remaining_ko == ALLOWANCE_KO - 4 * 1024 * 1024
    assert usage.data_roaming_remaining_ko == ROAMING_KO - 1024 * 1024
    assert usage.throttled is False
    assert usage.out_of_bundle_micro_eur == 1_875_000
    assert usage.by_zone("voice") == {("FR", "1"): 300, ("FR", "3"): 75, ("1", "1"): 120}
    assert usage.by_zone("sms") == {("FR", "1"): 2}
    assert UsageQuantity("data", "1", "", 1024 * 1024) in usage.quantities


def test_a_period_without_usage_has_every_counter_at_zero(imported) -> None:
    _, camille, _ = imported

    usage = line_usage(line=camille, period_start=date(2026, 12, 1))

    assert (usage.data_france_ko, usage.out_of_bundle_micro_eur, usage.quantities) == (0, 0, ())
    assert usage.data_remaining_ko == ALLOWANCE_KO


def test_out_of_bundle_usage_of_an_account_by_line_service_and_zone(imported) -> None:
    account, camille, hugo = imported

    groups = out_of_bundle_usage_for_account(billing_account=account, period_start=NOVEMBER)

    assert [(g.line_id, g.key.text(), g.records, g.total_micro_eur) for g in groups] == [
        (camille.pk, "voice:out:FR:3", 1, 1_875_000),
        (hugo.pk, "voice:out:2:1", 1, 1_220_000),
    ]
    assert groups[0].first_at == groups[0].last_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert out_of_bundle_usage(line_ids=[], period_start=NOVEMBER) == {}


def test_the_record_detail_of_a_line_is_paginated_in_time_order(imported) -> None:
    _, camille, _ = imported

    first = line_usage_records(line_id=camille.pk, period_start=NOVEMBER, per_page=3)
    last = line_usage_records(line_id=camille.pk, period_start=NOVEMBER, per_page=3, page=3)

    # v1 and v3 start at the same instant: by record_id.
    assert [r.record_id for r in first] == ["v1", "v3", "v2"]
    assert first.paginator.count == 7
    assert [r.record_id for r in last] == ["d2"]
    charged = line_usage_records(line_id=camille.pk, period_start=NOVEMBER, out_of_bundle_only=True)
    assert [r.record_id for r in charged] == ["v1"]
    key = UsageGroupKey("voice", "out", "FR", "1")
    assert [
        r.record_id for r in line_usage_records(line_id=camille.pk, period_start=NOVEMBER, key=key)
    ] == ["v2"]


def test_a_group_key_reads_back_from_its_text() -> None:
    key = UsageGroupKey("data", "out", "2", "")
    assert UsageGroupKey.parse(key.text()) == key
