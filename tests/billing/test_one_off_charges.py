"""One-off service fees: priced from the brochure per channel, billed once by the bill run."""

from datetime import date

import pytest

from guichet.billing import rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, InvoiceLineKind, OneOffCharge, PaymentMethod
from guichet.billing.selectors import one_off_charges_for_billing_account
from guichet.billing.services import (
    bill_run,
    invoice_issue,
    one_off_charge_add,
    one_off_charge_add_amount,
)
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from tests.billing.builders import open_account, paris, terminate, woot_line
from tests.customers.builders import SYSTEM

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def charge_by_phone(account, at):  # type: ignore[no-untyped-def]
    return one_off_charge_add(
        billing_account=account,
        fee_code="modification-date-prelevement",
        channel="customer_service",
        actor=SYSTEM,
        now=at,
    )


def test_a_fee_is_priced_for_the_channel_of_the_act() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)

    by_phone = charge_by_phone(account, paris(2026, 11, 20))
    in_selfcare = one_off_charge_add(
        billing_account=account,
        fee_code="modification-date-prelevement",
        channel="selfcare",
        actor=SYSTEM,
        now=paris(2026, 11, 20),
    )

    assert in_selfcare is None
    assert by_phone is not None
    assert (by_phone.amount_cents, by_phone.product.code, by_phone.charged_on) == (
        500,
        "modification-date-prelevement",
        date(2026, 11, 20),
    )
    assert by_phone.rule == (
        "Frais 500 c TTC sur appel au Service Client (Services d'accompagnement, Modification"
        " de la date de prélèvement)"
    )
    assert one_off_charges_for_billing_account(billing_account=account) == [by_phone]
    assert Activity.objects.filter(act=Act.ONE_OFF_CHARGE_ADD).count() == 1


def test_an_act_the_brochure_does_not_offer_on_the_channel_is_refused() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)

    with pytest.raises(BillingError) as refused:
        one_off_charge_add(
            billing_account=account,
            fee_code="changement-numero",
            channel="ivr",
            actor=SYSTEM,
            now=paris(2026, 11, 20),
        )

    assert refused.value.code == BillingErrorCode.FEE_CHANNEL_NOT_OFFERED
    assert refused.value.message == (
        "« Changement de numéro d'appel » ne se fait pas depuis le serveur vocal."
    )
    assert not OneOffCharge.objects.exists()


def test_an_unknown_fee_is_refused() -> None:
    with pytest.raises(BillingError) as refused:
        one_off_charge_add(
            billing_account=open_account(),
            fee_code="frais-de-rejet",
            channel="customer_service",
            actor=SYSTEM,
            now=paris(2026, 11, 20),
        )

    assert refused.value.code == BillingErrorCode.FEE_UNKNOWN


def test_the_bill_run_puts_a_charge_on_the_invoice_of_its_period_once() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    woot_line(account, activated_at=paris(2026, 10, 15))
    november_fee = charge_by_phone(account, paris(2026, 11, 30, 23))
    december_fee = charge_by_phone(account, paris(2026, 12, 1, 9))

    bill_run(period=NOVEMBER, now=paris(2026, 12, 2))
    bill_run(period=NOVEMBER, now=paris(2026, 12, 3))
    bill_run(period=DECEMBER, now=paris(2027, 1, 2))

    november = Invoice.objects.get(billing_account=account, period_start=NOVEMBER)
    december = Invoice.objects.get(billing_account=account, period_start=DECEMBER)
    fee_lines = november.lines.filter(kind=InvoiceLineKind.ONE_OFF_FEE)
    assert [(line.amount_cents, line.product_code, line.service_start) for line in fee_lines] == [
        (500, "modification-date-prelevement", date(2026, 11, 30))
    ]
    assert (november.total_cents, december.total_cents) == (1799, 1799)
    november_fee.refresh_from_db()
    december_fee.refresh_from_db()
    assert (november_fee.invoice, december_fee.invoice) == (november, december)


def test_a_charge_on_an_account_without_lines_in_service_is_still_invoiced() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 9, 15))
    terminate(line, at=paris(2026, 10, 1))
    charge_by_phone(account, paris(2026, 11, 5))

    report = bill_run(period=NOVEMBER, now=paris(2026, 12, 2))

    assert report.summary() == "accounts=1 created=1 existing=0 total_eur=5.00"
    (invoice_line,) = Invoice.objects.get(billing_account=account).lines.all()
    assert (invoice_line.kind, invoice_line.amount_cents, invoice_line.line) == (
        InvoiceLineKind.ONE_OFF_FEE,
        500,
        None,
    )


def test_a_charge_of_no_catalog_product_is_invoiced_by_its_label() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    woot_line(account, activated_at=paris(2026, 10, 15))
    one_off_charge_add_amount(
        billing_account=account,
        product=None,
        amount_cents=39_900,
        label="Samsung Galaxy A55 5G 128 Go (neuf), payé en une fois",
        rule="Prix du mobile au catalogue des mobiles (devices.toml)",
        actor=SYSTEM,
        now=paris(2026, 11, 26),
    )

    bill_run(period=NOVEMBER, now=paris(2026, 12, 2))

    (line,) = Invoice.objects.get(billing_account=account).lines.filter(
        kind=InvoiceLineKind.ONE_OFF_FEE
    )
    assert (line.label, line.product_code, line.amount_cents, line.vat_cents) == (
        "Samsung Galaxy A55 5G 128 Go (neuf), payé en une fois",
        "",
        39_900,
        6_650,  # 39,900 × 20 / 120
    )


def test_a_charge_billed_meanwhile_is_not_billed_twice() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    charge = charge_by_phone(account, paris(2026, 11, 5))
    assert charge is not None
    stale = rules.Charge(
        kind=rules.ChargeKind.ONE_OFF_FEE,
        label=charge.label,
        line_id=None,
        product_code="modification-date-prelevement",
        quantity=1,
        unit_price_cents=500,
        amount_cents=500,
        service_start=charge.charged_on,
        service_end=charge.charged_on,
        rule=charge.rule,
        one_off_charge_id=charge.pk,
    )
    bill_run(period=NOVEMBER, now=paris(2026, 12, 2))
    first = Invoice.objects.get(billing_account=account)

    with pytest.raises(BillingError) as refused:
        invoice_issue(
            billing_account=account,
            period=DECEMBER,
            charges=[stale],
            actor=SYSTEM,
            now=paris(2027, 1, 2),
        )

    assert refused.value.code == BillingErrorCode.ONE_OFF_CHARGE_ALREADY_BILLED
    assert list(Invoice.objects.filter(billing_account=account)) == [first]
