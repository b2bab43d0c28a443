"""A phone's insurance premium is billed like an option: per day of cover, line in service."""

from datetime import UTC, date, datetime

import pytest

from guichet.billing.documents import invoice_document
from guichet.billing.models import Invoice
from guichet.billing.services import bill_run
from guichet.catalog.models import CatalogRelease
from guichet.devices.partners import LocalInsurer
from guichet.devices.rules import unit_imei
from guichet.devices.services import insurance_subscribe
from guichet.lines.models import EquipmentKind, Line, Ownership
from guichet.lines.services import equipment_register
from tests.billing.builders import open_account, paris, terminate, woot_line
from tests.customers.builders import SYSTEM

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)  # 30 days
DECEMBER = date(2026, 12, 1)  # 31 days
RUN_AT = datetime(2027, 1, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def _insured_line() -> Line:
    """A Woot 100 Go line since October whose 799 € phone is insured from 11 November: the band
    "jusqua-1000", 13.99 € a month."""
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    phone = equipment_register(
        customer=account.customer,
        kind=EquipmentKind.PHONE,
        model="Samsung Galaxy S24 128 Go",
        ownership=Ownership.OWNED,
        acquired_at=paris(2026, 10, 1),
        actor=SYSTEM,
        now=paris(2026, 10, 1),
        line=line,
        imei=unit_imei("35325611", 7),
    )
    insurance_subscribe(
        customer=account.customer,
        line=line,
        equipment=phone,
        insured_value_cents=79_900,
        insurer=LocalInsurer(),
        actor=SYSTEM,
        now=paris(2026, 11, 11),
    )
    return line


def insurance_lines(line: Line, period: date) -> list[tuple[str, int, int, int]]:
    invoice = Invoice.objects.get(billing_account_id=line.billing_account_id, period_start=period)
    return [
        (line.label, line.amount_cents, line.vat_rate_bp, line.vat_cents)
        for line in invoice.lines.filter(kind="insurance").order_by("position")
    ]


def test_the_premium_is_prorated_from_the_day_of_subscription_then_whole() -> None:
    line = _insured_line()

    november = bill_run(period=NOVEMBER, now=RUN_AT)
    december = bill_run(period=DECEMBER, now=RUN_AT)

    number = line.display_number
    # 1399 × 20 / 30 = 932.67 → 933; no VAT: insurance is exempt (CGI art. 261 C, 2°).
    assert insurance_lines(line, NOVEMBER) == [
        (
            "Assurance du Samsung Galaxy S24 128 Go du 11/11/2026 au 30/11/2026 (20/30 j)"
            f" — ligne {number}",
            933,
            0,
            0,
        )
    ]
    assert insurance_lines(line, DECEMBER) == [
        (f"Assurance du Samsung Galaxy S24 128 Go — ligne {number}", 1399, 0, 0)
    ]
    assert (november.total_cents, december.total_cents) == (1299 + 933, 1299 + 1399)
    # The plan's VAT alone: 1299 × 20 / 120 = 216.5 → 217.
    vats = Invoice.objects.filter(billing_account_id=line.billing_account_id).values_list(
        "vat_cents", flat=True
    )
    assert sorted(vats) == [217, 217]


def test_the_invoice_shows_the_premium_exempt_from_vat() -> None:
    line = _insured_line()
    bill_run(period=DECEMBER, now=RUN_AT)
    invoice = Invoice.objects.get(billing_account_id=line.billing_account_id, period_start=DECEMBER)

    document = invoice_document(invoice=invoice)

    assert [(row.rate, row.vat) for row in document.vat_rows] == [
        ("20\xa0%", "2,17\xa0€"),
        ("exonérée", "0,00\xa0€"),
    ]
    mention = "Primes d'assurance exonérées de TVA (article 261 C, 2° du CGI)"
    assert any(text.startswith(mention) for text in document.legal_mentions)


def test_no_premium_is_billed_once_the_line_is_terminated() -> None:
    line = _insured_line()
    terminate(line, at=paris(2026, 12, 16))

    bill_run(period=DECEMBER, now=RUN_AT)

    # Billed up to the 15th, the day before termination: 1399 × 15 / 31 = 676.94 → 677.
    assert [amount for _, amount, _, _ in insurance_lines(line, DECEMBER)] == [677]
