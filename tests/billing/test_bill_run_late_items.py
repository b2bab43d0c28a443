"""Purchases and out-of-bundle usage recorded after their period was invoiced go on the next
invoice, labelled with their own day or month, and are billed once.

Prices (brochure, International §2, rates.toml): a call from France to zone 3 (China) costs
1.50 €/min, the first minute indivisible then per second: 75 s → 1.875 €, 20 s → 1.50 €.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from guichet.billing import rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, UsageBilled
from guichet.billing.selectors import invoice_line_usage_records
from guichet.billing.services import bill_run, invoice_issue
from guichet.catalog.models import CatalogRelease
from guichet.lines.services import line_activate, subscription_add
from guichet.usage.models import CarrierBillingPurchase, VodPurchase
from guichet.usage.services import (
    carrier_billing_purchase_record,
    usage_import,
    vod_purchase_record,
)
from tests.billing.builders import open_account, paris, product, terminate
from tests.customers.builders import SYSTEM
from tests.lines.builders import make_fixed_line
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
JANUARY = date(2027, 1, 1)
NOVEMBER_RUN = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
DECEMBER_RUN = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
JANUARY_RUN = datetime(2027, 2, 2, 8, 0, tzinfo=UTC)
CAMILLE = "+33611111111"
CHINA = "+8613812345678"


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def rows_of(account_id: int, period: date, kind: str) -> list[tuple[str, int]]:
    invoice = Invoice.objects.get(billing_account_id=account_id, period_start=period)
    return [
        (line.label, line.amount_cents)
        for line in invoice.lines.filter(kind=kind).order_by("position")
    ]


def test_a_vod_rental_reported_after_its_month_was_invoiced_is_on_the_next_invoice_once() -> None:
    account = open_account()
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 10, 1)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 10, 1))
    vod_purchase_record(
        line=box, title="À l'heure", kind="rental", amount_cents=299, now=paris(2026, 11, 5)
    )
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    # The TV platform reports a rental of 20 November after November was invoiced.
    late = vod_purchase_record(
        line=box, title="En retard", kind="rental", amount_cents=399, now=paris(2026, 11, 20)
    )
    vod_purchase_record(
        line=box, title="Décembre", kind="purchase", amount_cents=1299, now=paris(2026, 12, 3)
    )

    bill_run(period=DECEMBER, now=DECEMBER_RUN)
    again = bill_run(period=DECEMBER, now=DECEMBER_RUN)
    bill_run(period=JANUARY, now=JANUARY_RUN)

    label = box.display_number
    assert rows_of(account.pk, NOVEMBER, "vod") == [
        (f"Vidéo à la demande : À l'heure (location) du 05/11/2026 — ligne {label}", 299)
    ]
    assert rows_of(account.pk, DECEMBER, "vod") == [
        (
            "Vidéo à la demande : En retard (location) du 20/11/2026 (enregistré après la facture"
            f" de sa période) — ligne {label}",
            399,
        ),
        (f"Vidéo à la demande : Décembre (achat) du 03/12/2026 — ligne {label}", 1299),
    ]
    assert rows_of(account.pk, JANUARY, "vod") == []
    assert again.created == 0
    late.refresh_from_db()
    december = Invoice.objects.get(billing_account=account, period_start=DECEMBER)
    assert late.invoice_id == december.pk
    assert not VodPurchase.objects.filter(invoice__isnull=True).exists()


def test_an_internet_plus_purchase_recorded_late_is_billed_on_the_next_invoice() -> None:
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    carrier_billing_purchase_record(
        line=line, merchant="Le Monde", service="Article", amount_cents=150, now=paris(2026, 11, 28)
    )

    bill_run(period=DECEMBER, now=DECEMBER_RUN)

    assert rows_of(account.pk, NOVEMBER, "carrier_billing") == []
    assert rows_of(account.pk, DECEMBER, "carrier_billing") == [
        (
            "Achat Internet+ : Article (Le Monde) du 28/11/2026 (enregistré après la facture de sa"
            " période) — ligne 06 11 11 11 11",
            150,
        )
    ]
    assert CarrierBillingPurchase.objects.get().invoice.period_start == DECEMBER


def test_usage_rated_after_its_month_was_invoiced_bills_the_difference_next(
    tmp_path: Path,
) -> None:
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    usage_import(
        path=usage_file(
            tmp_path / "first.csv",
            [
                record(
                    "c1",
                    line=CAMILLE,
                    other=CHINA,
                    duration="75",
                    started_at="2026-11-02T10:00:00+01:00",
                )
            ],
        ),
        clock=lambda: NOVEMBER_RUN,
    )
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    # Mediation delivers a call of 20 November after November was invoiced, and December's.
    usage_import(
        path=usage_file(
            tmp_path / "late.csv",
            [
                record(
                    "c2",
                    line=CAMILLE,
                    other=CHINA,
                    duration="20",
                    started_at="2026-11-20T18:00:00+01:00",
                ),
                record(
                    "c3",
                    line=CAMILLE,
                    other=CHINA,
                    duration="60",
                    started_at="2026-12-05T18:00:00+01:00",
                ),
            ],
        ),
        clock=lambda: datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
    )

    bill_run(period=DECEMBER, now=DECEMBER_RUN)
    bill_run(period=JANUARY, now=JANUARY_RUN)

    number = "ligne 06 11 11 11 11"
    china = "Appels hors forfait depuis la France vers la zone 3"
    # 1.875 € → 1.88 €.
    assert rows_of(account.pk, NOVEMBER, "usage") == [(f"{china} — {number}", 188)]
    # November's group now totals 3.375 € → 3.38 €, of which 1.88 € billed: 1.50 € more; and
    # December's own minute, 1.50 €.
    assert rows_of(account.pk, DECEMBER, "usage") == [
        (f"{china} de 11/2026 (complément) — {number}", 150),
        (f"{china} — {number}", 150),
    ]
    december = Invoice.objects.get(billing_account=account, period_start=DECEMBER)
    complement = december.lines.filter(kind="usage").order_by("position").first()
    assert complement.rule.endswith(
        "soit 338 c dont 188 c déjà facturés : reste 150 c (consommations enregistrées après la"
        " facture de leur période)"
    )
    # The complement leads to November's records.
    page = invoice_line_usage_records(invoice_line=complement)
    assert [r.record_id for r in page] == ["c1", "c2"]
    assert Invoice.objects.filter(billing_account=account, period_start=JANUARY).count() == 1
    assert rows_of(account.pk, JANUARY, "usage") == []
    assert sorted(
        UsageBilled.objects.filter(line=line).values_list(
            "usage_period_start", "micro_eur", "amount_cents"
        )
    ) == [(NOVEMBER, 1_875_000, 188), (NOVEMBER, 3_375_000, 150), (DECEMBER, 1_500_000, 150)]


def test_usage_billed_by_another_run_meanwhile_is_not_billed_twice(tmp_path: Path) -> None:
    """Two runs for two periods at once, both seeing November's call unbilled: the one that
    issues second is refused, nothing of it written, and running it again bills nothing more."""
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    usage_import(
        path=usage_file(
            tmp_path / "calls.csv",
            [
                record(
                    "c1",
                    line=CAMILLE,
                    other=CHINA,
                    duration="75",
                    started_at="2026-11-02T10:00:00+01:00",
                )
            ],
        ),
        clock=lambda: NOVEMBER_RUN,
    )
    # What December's run made of the call before November's run issued its invoice.
    stale = rules.Charge(
        kind=rules.ChargeKind.USAGE,
        label="Appels hors forfait depuis la France vers la zone 3 de 11/2026",
        line_id=line.pk,
        product_code="",
        quantity=1,
        unit_price_cents=188,
        amount_cents=188,
        service_start=date(2026, 11, 2),
        service_end=date(2026, 11, 2),
        rule="1 consommation(s) hors forfait",
        usage_key="voice:out:FR:3",
        usage_period_start=NOVEMBER,
        usage_micro_eur=1_875_000,
        usage_billed_cents=0,
    )
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    [(key, cents)] = UsageBilled.objects.filter(line=line).values_list("usage_key", "amount_cents")
    assert (key, cents) == (stale.usage_key, 188)

    with pytest.raises(BillingError) as refused:
        invoice_issue(
            billing_account=account,
            period=DECEMBER,
            charges=[stale],
            actor=SYSTEM,
            now=DECEMBER_RUN,
        )

    assert refused.value.code == BillingErrorCode.USAGE_ALREADY_BILLED
    assert refused.value.extra == {"usage": [f"{line.pk}:2026-11-01:voice:out:FR:3"]}
    assert not Invoice.objects.filter(billing_account=account, period_start=DECEMBER).exists()
    assert UsageBilled.objects.filter(line=line).count() == 1
    bill_run(period=DECEMBER, now=DECEMBER_RUN)
    assert rows_of(account.pk, DECEMBER, "usage") == []


def test_late_usage_of_a_line_ended_before_the_period_is_billed_on_an_invoice_of_its_own(
    tmp_path: Path,
) -> None:
    """Camille left on 25 November: nothing else bills her account for December, yet the call
    mediation delivered after November's invoice is billed once, on a December invoice."""
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    call = {"line": CAMILLE, "other": CHINA}
    usage_import(
        path=usage_file(
            tmp_path / "first.csv",
            [record("c1", **call, duration="75", started_at="2026-11-02T10:00:00+01:00")],
        ),
        clock=lambda: paris(2026, 11, 20),
    )
    terminate(line, at=paris(2026, 11, 25))
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    usage_import(
        path=usage_file(
            tmp_path / "late.csv",
            [record("c2", **call, duration="20", started_at="2026-11-20T18:00:00+01:00")],
        ),
        clock=lambda: datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
    )

    december = bill_run(period=DECEMBER, now=DECEMBER_RUN)
    january = bill_run(period=JANUARY, now=JANUARY_RUN)

    china = "Appels hors forfait depuis la France vers la zone 3"
    assert rows_of(account.pk, NOVEMBER, "usage") == [(f"{china} — ligne 06 11 11 11 11", 188)]
    invoice = Invoice.objects.get(billing_account=account, period_start=DECEMBER)
    # 3.375 € → 3.38 €, of which 1.88 € billed in November: 1.50 € more, and nothing else.
    assert [(row.kind, row.amount_cents) for row in invoice.lines.order_by("position")] == [
        ("usage", 150)
    ]
    assert (december.created, january.created) == (1, 0)
    assert not Invoice.objects.filter(billing_account=account, period_start=JANUARY).exists()


def test_a_purchase_reported_after_the_line_ended_is_billed_once() -> None:
    account = open_account()
    line = numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    bill_run(period=NOVEMBER, now=NOVEMBER_RUN)
    carrier_billing_purchase_record(
        line=line, merchant="Le Monde", service="Article", amount_cents=150, now=paris(2026, 11, 28)
    )
    terminate(line, at=paris(2026, 11, 29))

    bill_run(period=DECEMBER, now=DECEMBER_RUN)
    again = bill_run(period=DECEMBER, now=DECEMBER_RUN)
    bill_run(period=JANUARY, now=JANUARY_RUN)

    invoice = Invoice.objects.get(billing_account=account, period_start=DECEMBER)
    assert [(row.kind, row.amount_cents) for row in invoice.lines.order_by("position")] == [
        ("carrier_billing", 150)
    ]
    assert CarrierBillingPurchase.objects.get().invoice == invoice
    assert again.created == 0
    assert not Invoice.objects.filter(billing_account=account, period_start=JANUARY).exists()
