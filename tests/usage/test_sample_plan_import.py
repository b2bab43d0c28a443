"""`usage import` rates each line with its own plan's tariff: a line on the catalog's sample plan
"Woot 20 Go (exemple)" (20 Go, 9 Go of them in zone 1) and a line on the Woot 100 Go use the
same records, hand-computed from the brochure's rules (64 kb/s beyond the allowance, zone 1 data
at 0.00216 €/Mo beyond the roaming allowance)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from guichet.catalog.models import CatalogRelease
from guichet.usage.models import LineUsageTotals
from guichet.usage.services import ImportSummary, usage_import
from tests.billing.builders import open_account, paris
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
SAMPLE_LINE, BROCHURE_LINE = "+33611111111", "+33622222222"
GO = 1024**3  # bytes
GO_KO = 1024 * 1024


def data(record_id: str, line: str, visited: str, gigabytes: int, day: int):
    return record(
        record_id,
        line=line,
        service="data",
        visited=visited,
        other=None,
        duration=None,
        volume=str(gigabytes * GO),
        started_at=f"2026-11-{day:02d}T10:00:00+01:00",
    )


def test_each_line_is_rated_with_its_own_plans_allowances(
    tmp_path: Path, loaded_catalog: CatalogRelease
) -> None:
    account = open_account()
    sample = numbered_line(
        account, SAMPLE_LINE, activated_at=paris(2026, 10, 1), plan="woot-20go-exemple"
    )
    brochure = numbered_line(account, BROCHURE_LINE, activated_at=paris(2026, 10, 1))
    rows = [
        data(f"{line}-{visited}", line, visited, gigabytes, day)
        for line in (SAMPLE_LINE, BROCHURE_LINE)
        for visited, gigabytes, day in (("DE", 10, 2), ("FR", 15, 3))
    ]
    path = usage_file(tmp_path / "usage.csv", rows)

    summary = ImportSummary.of(usage_import(path=path, clock=lambda: NOW)).text()

    # Sample: 10 Go in Germany, 9 Go included and 1 Go (1024 Mo) at 0.00216 €/Mo; then 15 Go
    # in France, 11 Go left of the 20 Go, the rest throttled, not charged.
    assert summary == "read=4 rated=4 rejected=0 duplicates=0 total_eur=2.211840"
    totals = {t.line_id: t for t in LineUsageTotals.objects.all()}
    on_sample, on_brochure = totals[sample.pk], totals[brochure.pk]
    assert (
        on_sample.data_roaming_included_ko,
        on_sample.data_roaming_charged_ko,
        on_sample.throttled,
        on_sample.out_of_bundle_micro_eur,
    ) == (9 * GO_KO, GO_KO, True, 1024 * 2160)
    # Woot 100 Go: the 10 Go are within its 17 Go of zone 1, the 25 Go within its 100 Go.
    assert (
        on_brochure.data_roaming_included_ko,
        on_brochure.data_roaming_charged_ko,
        on_brochure.throttled,
        on_brochure.out_of_bundle_micro_eur,
    ) == (10 * GO_KO, 0, False, 0)
