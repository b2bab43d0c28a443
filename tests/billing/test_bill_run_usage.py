"""Out-of-bundle usage on invoices: usage imported by `usage_import`, then the bill run.

Prices from the brochure (International §2, rates.toml), hand-computed:
- from France to zone 3 (China): 1.50 €/min, first minute indivisible then per second;
- from zone 2 (United States) to zone 1 (France): 1.20 €/min, first minute indivisible;
- received in zone 2: 0.60 €/min, first minute indivisible;
- data in zone 2: 15.40 €/Mo, per started Ko (1 Mo = 1,024 Ko).
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from guichet.billing.models import Invoice, InvoiceLine
from guichet.billing.selectors import invoice_line_usage_records
from guichet.billing.services import bill_run
from guichet.catalog.models import CatalogRelease
from guichet.usage.services import usage_import
from tests.billing.builders import open_account, paris
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

NOVEMBER = date(2026, 11, 1)
RUN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CAMILLE = "+33611111111"


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def import_rows(tmp_path: Path, rows: list[dict[str, str | None]]) -> None:
    usage_import(path=usage_file(tmp_path / "usage.csv", rows), clock=lambda: RUN_AT)


def usage_lines(invoice: Invoice) -> list[tuple[str, int, str]]:
    return [
        (line.label, line.amount_cents, line.usage_key)
        for line in invoice.lines.filter(kind="usage").order_by("position")
    ]


def test_two_calls_to_china_make_one_line_of_3_38(tmp_path: Path) -> None:
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    import_rows(
        tmp_path,
        [
            record("c1", line=CAMILLE, other="+8613812345678", duration="75"),
            record(
                "c2",
                line=CAMILLE,
                other="+8613812345678",
                duration="20",
                started_at="2026-11-20T18:00:00+01:00",
            ),
            # Included: a call to a French number from France.
            record("c3", line=CAMILLE, other="+33612345678", duration="600"),
        ],
    )

    bill_run(period=NOVEMBER, now=RUN_AT)

    invoice = Invoice.objects.get(billing_account=account, period_start=NOVEMBER)
    # 1.875 € + 1.50 € = 3.375 €, rounded once: 3.38 € (half away from zero).
    assert usage_lines(invoice) == [
        (
            "Appels hors forfait depuis la France vers la zone 3 — ligne 06 11 11 11 11",
            338,
            "voice:out:FR:3",
        )
    ]
    usage = invoice.lines.get(kind="usage")
    assert usage.rule == (
        "2 consommation(s) hors forfait du 02/11/2026 au 20/11/2026, tarifées au tarif de la"
        " brochure (International §2, numéros spéciaux) : 3,375000 €, arrondi une fois au"
        " centime (demi-centime arrondi au centime supérieur)"
    )
    assert (usage.line_id, usage.quantity, usage.unit_price_cents) == (line.pk, 1, 338)
    assert (usage.service_start, usage.service_end) == (date(2026, 11, 2), date(2026, 11, 20))
    assert usage.vat_cents == 56  # 338 × 20 / 120 = 56.33
    assert [line.kind for line in invoice.lines.order_by("position")] == [
        "plan_fee",
        "plan_discount",
        "usage",
    ]
    assert (invoice.total_cents, invoice.vat_cents) == (1299 + 338, 217 + 56)


def test_usage_is_grouped_by_service_and_zone(tmp_path: Path) -> None:
    account = open_account()
    numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    abroad = {"line": CAMILLE, "visited": "US"}
    import_rows(
        tmp_path,
        [
            record("r1", other="+33612345678", duration="61", **abroad),
            record("r2", direction="in", other="+12125551234", duration="90", **abroad),
            record("r3", direction="in", other="+33612345678", duration="30", **abroad),
            record(
                "r4", service="data", other=None, duration=None, volume=str(100 * 1024), **abroad
            ),
            # October's usage is on October's invoice, not November's.
            record("r5", started_at="2026-10-15T10:00:00+02:00", duration="75", **abroad),
        ],
    )

    bill_run(period=date(2026, 10, 1), now=RUN_AT)
    bill_run(period=NOVEMBER, now=RUN_AT)

    october = Invoice.objects.get(billing_account=account, period_start=date(2026, 10, 1))
    invoice = Invoice.objects.get(billing_account=account, period_start=NOVEMBER)
    number = "ligne 06 11 11 11 11"
    # 75 s from zone 2 to zone 1: 1.20 € + 15 s × 1.20 €/min = 1.50 €.
    assert usage_lines(october) == [
        (f"Appels hors forfait depuis la zone 2 vers la zone 1 — {number}", 150, "voice:out:2:1")
    ]
    assert usage_lines(invoice) == [
        # 100 Ko × 15.40 €/Mo / 1,024 = 1.503906 € → 1.50 €.
        (f"Internet mobile hors forfait en zone 2 — {number}", 150, "data:out:2:"),
        # Received: 90 s → 0.90 €, and 30 s billed 60 s → 0.60 €, whoever called.
        (f"Appels reçus hors forfait en zone 2 — {number}", 150, "voice:in:2:"),
        # 61 s × 1.20 €/min = 1.22 €.
        (f"Appels hors forfait depuis la zone 2 vers la zone 1 — {number}", 122, "voice:out:2:1"),
    ]
    assert invoice.total_cents == 1299 + 150 + 150 + 122


def test_an_invoice_usage_line_leads_to_its_records(tmp_path: Path) -> None:
    account = open_account()
    numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    import_rows(
        tmp_path,
        [
            record("c1", line=CAMILLE, other="+8613812345678", duration="75"),
            record("c2", line=CAMILLE, other="+4930123456", duration="60"),
            record(
                "c3",
                line=CAMILLE,
                other="+8613812345678",
                duration="20",
                started_at="2026-11-20T18:00:00+01:00",
            ),
        ],
    )
    bill_run(period=NOVEMBER, now=RUN_AT)
    china = InvoiceLine.objects.get(usage_key="voice:out:FR:3")

    page = invoice_line_usage_records(invoice_line=china)

    assert page is not None
    assert [(r.record_id, r.charge_micro_eur) for r in page] == [
        ("c1", 1_875_000),
        ("c3", 1_500_000),
    ]
    plan_fee = InvoiceLine.objects.get(kind="plan_fee")
    assert invoice_line_usage_records(invoice_line=plan_fee) is None


def test_a_second_bill_run_adds_no_usage_line(tmp_path: Path) -> None:
    account = open_account()
    numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    import_rows(tmp_path, [record("c1", line=CAMILLE, other="+8613812345678", duration="75")])

    first = bill_run(period=NOVEMBER, now=RUN_AT)
    second = bill_run(period=NOVEMBER, now=RUN_AT)

    assert first.summary() == "accounts=1 created=1 existing=0 total_eur=14.87"
    assert second.summary() == "accounts=1 created=0 existing=1 total_eur=14.87"
    assert InvoiceLine.objects.filter(kind="usage").count() == 1
