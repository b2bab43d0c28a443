"""Money received or returned moves the invoice's status, through billing.settlement only."""

from datetime import UTC, date, datetime

import pytest

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, InvoiceStatus, PaymentMethod
from guichet.billing.services import bill_run, invoice_credit
from guichet.billing.settlement import (
    invoice_mark_unpaid,
    invoice_payment_record,
    invoice_payment_reverse,
)
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
RUN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
BEFORE_DUE = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
AFTER_DUE = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)  # card invoices are due 17 December


@pytest.fixture
def invoice(loaded_catalog: CatalogRelease) -> Invoice:
    """A 12.99 € card invoice issued 2 December 2026, due 17 December."""
    account = open_account(payment_method=PaymentMethod.CARD)
    woot_line(account, activated_at=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=RUN_AT)
    invoice = Invoice.objects.get(billing_account=account)
    assert (invoice.total_cents, invoice.due_on) == (1299, date(2026, 12, 17))
    return invoice


def _pay(invoice: Invoice, cents: int, *, now: datetime = BEFORE_DUE) -> Invoice:
    return invoice_payment_record(
        invoice=invoice, amount_cents=cents, reference="pay-1", actor=SYSTEM, now=now
    )


def test_partial_then_full_payment(invoice: Invoice) -> None:
    partly = _pay(invoice, 500)
    assert (partly.status, partly.paid_cents, partly.outstanding_cents) == (
        InvoiceStatus.PARTIALLY_PAID,
        500,
        799,
    )
    paid = _pay(invoice, 799)
    assert (paid.status, paid.outstanding_cents) == (InvoiceStatus.PAID, 0)
    assert Activity.objects.filter(act=Act.INVOICE_PAYMENT_RECORD).count() == 2


def test_more_than_owed_is_refused_and_changes_nothing(invoice: Invoice) -> None:
    _pay(invoice, 1000)
    with pytest.raises(BillingError) as refused:
        _pay(invoice, 300)
    assert refused.value.code == BillingErrorCode.PAYMENT_EXCEEDS_OUTSTANDING
    assert "2,99 €" in refused.value.message
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (1000, InvoiceStatus.PARTIALLY_PAID)


@pytest.mark.parametrize("cents", [0, -5])
def test_amount_must_be_positive(invoice: Invoice, cents: int) -> None:
    with pytest.raises(BillingError) as refused:
        _pay(invoice, cents)
    assert refused.value.code == BillingErrorCode.PAYMENT_AMOUNT_INVALID


def test_paid_and_cancelled_invoices_are_not_payable(invoice: Invoice) -> None:
    _pay(invoice, 1299)
    with pytest.raises(BillingError) as refused:
        _pay(invoice, 1)
    assert refused.value.code == BillingErrorCode.INVOICE_NOT_PAYABLE


def test_cancelled_invoice_owes_nothing(invoice: Invoice) -> None:
    invoice_credit(invoice=invoice, reason="erreur", actor=SYSTEM, now=BEFORE_DUE)
    invoice.refresh_from_db()
    assert invoice.outstanding_cents == 0
    with pytest.raises(BillingError) as refused:
        _pay(invoice, 100)
    assert refused.value.code == BillingErrorCode.INVOICE_NOT_PAYABLE


def test_unpaid_after_due_date_and_stays_unpaid_until_wholly_paid(invoice: Invoice) -> None:
    assert invoice_mark_unpaid(invoice=invoice, actor=SYSTEM, now=BEFORE_DUE).status == (
        InvoiceStatus.ISSUED
    )
    assert invoice_mark_unpaid(invoice=invoice, actor=SYSTEM, now=AFTER_DUE).status == (
        InvoiceStatus.UNPAID
    )
    # Idempotent: a second call logs nothing more.
    invoice_mark_unpaid(invoice=invoice, actor=SYSTEM, now=AFTER_DUE)
    assert Activity.objects.filter(act=Act.INVOICE_MARK_UNPAID).count() == 1
    assert _pay(invoice, 299, now=AFTER_DUE).status == InvoiceStatus.UNPAID
    assert _pay(invoice, 1000, now=AFTER_DUE).status == InvoiceStatus.PAID


def test_a_returned_debit_makes_the_invoice_unpaid(invoice: Invoice) -> None:
    _pay(invoice, 1299)
    returned = invoice_payment_reverse(
        invoice=invoice,
        amount_cents=1299,
        reference="pay-1",
        reason="AM04 provision insuffisante",
        actor=SYSTEM,
        now=BEFORE_DUE,
    )
    assert (returned.status, returned.paid_cents) == (InvoiceStatus.UNPAID, 0)
    with pytest.raises(BillingError) as refused:
        invoice_payment_reverse(
            invoice=invoice,
            amount_cents=1,
            reference="pay-1",
            reason="again",
            actor=SYSTEM,
            now=BEFORE_DUE,
        )
    assert refused.value.code == BillingErrorCode.REVERSAL_EXCEEDS_PAID
