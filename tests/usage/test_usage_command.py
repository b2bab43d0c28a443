"""`guichet usage import FILE [--now ISO]`, end to end on the suite's database."""

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guichet.catalog.models import CatalogRelease
from guichet.usage.models import UsageImport, UsageRecord
from tests.billing.builders import open_account, paris
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

CAMILLE = "+33611111111"


def usage_import(*args: str) -> str:
    out = StringIO()
    call_command("usage", "import", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def usage_csv(loaded_catalog: CatalogRelease, tmp_path: Path) -> Path:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    return usage_file(
        tmp_path / "usage.csv",
        [
            record("c1", line=CAMILLE, other="+8613812345678", duration="75"),
            record("c2", line=CAMILLE, visited="US", other="+33612345678", duration="61"),
            record("c3", line="+33699999999"),
            record("c4", line=CAMILLE, started_at="2026-12-24T10:00:00+01:00"),
        ],
    )


def test_import_prints_one_summary_line_and_a_second_import_rates_nothing(
    usage_csv: Path,
) -> None:
    first = usage_import(str(usage_csv), "--now", "2026-12-02T09:00:00+01:00")
    again = usage_import(str(usage_csv), "--now", "2026-12-03T09:00:00+01:00")

    # 1.875 € + 1.22 €; c3 (unknown line) and c4 (after the import) rejected.
    assert first == "read=4 rated=2 rejected=2 duplicates=0 total_eur=3.095000\n"
    assert again == "read=4 rated=0 rejected=2 duplicates=2 total_eur=0.000000\n"
    assert UsageRecord.objects.count() == 2
    assert list(UsageImport.objects.values_list("started_at", flat=True)) == [
        datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
    ]


def test_without_now_the_import_is_dated_by_the_clock(
    usage_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 25, 7, 0, tzinfo=UTC))

    assert usage_import(str(usage_csv)).startswith("read=4 rated=3 rejected=1 ")
    assert UsageImport.objects.get().finished_at == datetime(2026, 12, 25, 7, 0, tzinfo=UTC)


def test_import_names_a_missing_file_or_missing_columns(usage_csv: Path, tmp_path: Path) -> None:
    absent = tmp_path / "absent.csv"
    with pytest.raises(CommandError, match=f"Le fichier de tickets {absent} n'existe pas"):
        usage_import(str(absent))
    short = tmp_path / "short.csv"
    short.write_text("record_id,line\nx,+33611111111\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Il manque la ou les colonnes started_at, service"):
        usage_import(str(short))
    not_csv = tmp_path / "usage.parquet"
    not_csv.write_text("not parquet", encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas un fichier de tickets lisible"):
        usage_import(str(not_csv))
    assert UsageImport.objects.count() == 0


def test_import_refuses_a_now_without_time_zone(usage_csv: Path) -> None:
    with pytest.raises(CommandError, match="n'a pas de fuseau horaire"):
        usage_import(str(usage_csv), "--now", "2026-12-02T09:00:00")
    assert UsageImport.objects.count() == 0


def test_import_needs_the_catalog(db: None, tmp_path: Path) -> None:
    path = usage_file(tmp_path / "usage.csv", [record("c1")])
    with pytest.raises(CommandError, match="guichet catalog load"):
        usage_import(str(path))
    assert UsageImport.objects.count() == 0
