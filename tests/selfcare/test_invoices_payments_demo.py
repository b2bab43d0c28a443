"""The demo's customers paid their past invoices as their payment method would have (issue 4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from guichet.billing.models import Invoice, InvoiceStatus, PaymentMethod
from guichet.billing.selectors import arrears_state
from guichet.customers.models import Customer
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import demo_data_create
from guichet.payments.models import DirectDebit, DirectDebitStatus, Mandate, MandateStatus

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(loaded_catalog):
    demo_data_create(customers=6, seed=1, now=NOW)


def test_only_karim_is_in_arrears(demo):
    in_arrears = {
        customer.user.email
        for customer in Customer.objects.select_related("user")
        if arrears_state(customer=customer, today=TODAY).in_arrears
    }
    assert in_arrears == {"karim@demo.guichet.fr"}


@pytest.mark.parametrize(
    "email", ["camille@demo.guichet.fr", "lea@demo.guichet.fr", "hugo@demo.guichet.fr"]
)
def test_direct_debit_personas_have_a_mandate_and_their_past_invoices_collected(demo, email):
    customer = customer_get_by_login_email(email=email)
    mandate = Mandate.objects.get(billing_account__customer=customer)
    assert mandate.status == MandateStatus.ACTIVE
    invoices = Invoice.objects.filter(billing_account__customer=customer, due_on__lt=TODAY)
    assert invoices.count() > 3
    for invoice in invoices:
        assert invoice.payment_method == PaymentMethod.DIRECT_DEBIT
        assert invoice.status == InvoiceStatus.PAID, invoice.number
        debit = DirectDebit.objects.get(invoice=invoice)
        assert debit.status == DirectDebitStatus.SETTLED
        assert debit.mandate == mandate
