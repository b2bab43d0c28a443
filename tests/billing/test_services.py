from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillingAccount,
    BillingAccountStatus,
    InvoiceDelivery,
    PaymentMethod,
)
from guichet.billing.services import (
    billing_account_close,
    billing_account_open,
    billing_account_set_billing_address,
    billing_account_set_debit_day,
    billing_account_set_invoice_delivery,
    billing_account_set_payment_method,
)
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import Product
from guichet.customers.models import AddressKind, Customer
from guichet.lines.models import LineStatus
from tests.customers.builders import NOW, SYSTEM, as_customer, give_address, make_customer
from tests.lines.builders import line_in_status

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=3)


def _snapshot(account: BillingAccount) -> tuple[Any, ...]:
    account.refresh_from_db()
    return (
        account.payment_method,
        account.debit_day,
        account.billing_cycle_day,
        account.invoice_delivery,
        account.billing_address_id,
        account.status,
        account.closed_at,
        Activity.objects.count(),
    )


def test_billing_account_open_numbers_accounts_and_uses_the_billing_address(
    customer: Customer,
) -> None:
    address = give_address(customer, AddressKind.BILLING)

    first = billing_account_open(
        customer=customer,
        payment_method=PaymentMethod.DIRECT_DEBIT,
        debit_day=10,
        actor=SYSTEM,
        now=NOW,
    )
    second = billing_account_open(
        customer=customer,
        payment_method=PaymentMethod.CARD,
        debit_day=28,
        billing_cycle_day=15,
        invoice_delivery=InvoiceDelivery.PAPER,
        actor=SYSTEM,
        now=NOW,
    )

    first.refresh_from_db()
    assert (first.number, second.number) == ("CF10000001", "CF10000002")
    assert first.billing_address == address
    assert (first.payment_method, first.debit_day, first.billing_cycle_day) == (
        PaymentMethod.DIRECT_DEBIT,
        10,
        1,
    )
    assert (first.invoice_delivery, first.status, first.created_at, first.closed_at) == (
        InvoiceDelivery.ELECTRONIC,
        BillingAccountStatus.ACTIVE,
        NOW,
        None,
    )
    assert (second.billing_cycle_day, second.invoice_delivery) == (15, InvoiceDelivery.PAPER)
    activity = Activity.objects.filter(act=Act.BILLING_ACCOUNT_OPEN).order_by("id").first()
    assert activity is not None
    assert activity.summary == "Ouverture du compte de facturation CF10000001"
    assert activity.new_values == {
        "number": "CF10000001",
        "payment_method": "direct_debit",
        "debit_day": 10,
        "billing_cycle_day": 1,
        "invoice_delivery": "electronic",
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"debit_day": 0}, BillingErrorCode.DEBIT_DAY_INVALID),
        ({"debit_day": 29}, BillingErrorCode.DEBIT_DAY_INVALID),
        ({"billing_cycle_day": 31}, BillingErrorCode.BILLING_CYCLE_DAY_INVALID),
        ({"invoice_delivery": InvoiceDelivery.PAPER}, BillingErrorCode.BILLING_ADDRESS_REQUIRED),
    ],
)
def test_billing_account_open_refuses_invalid_settings(
    customer: Customer, fields: dict[str, Any], code: BillingErrorCode
) -> None:
    values: dict[str, Any] = {"payment_method": PaymentMethod.CARD, "debit_day": 5, **fields}
    before = (BillingAccount.objects.count(), Activity.objects.count())

    with pytest.raises(BillingError) as refused:
        billing_account_open(customer=customer, actor=SYSTEM, now=NOW, **values)

    assert refused.value.code == code
    assert (BillingAccount.objects.count(), Activity.objects.count()) == before


def test_billing_account_open_refuses_another_customers_address(customer: Customer) -> None:
    stranger_address = give_address(make_customer(), AddressKind.BILLING)

    with pytest.raises(BillingError) as refused:
        billing_account_open(
            customer=customer,
            payment_method=PaymentMethod.CARD,
            debit_day=5,
            billing_address=stranger_address,
            actor=SYSTEM,
            now=NOW,
        )

    assert refused.value.code == BillingErrorCode.BILLING_ADDRESS_NOT_CUSTOMERS
    assert BillingAccount.objects.count() == 0


def test_set_payment_method_from_card_to_direct_debit(account: BillingAccount) -> None:
    billing_account_set_payment_method(
        billing_account=account, payment_method=PaymentMethod.CARD, actor=SYSTEM, now=NOW
    )

    billing_account_set_payment_method(
        billing_account=account,
        payment_method=PaymentMethod.DIRECT_DEBIT,
        actor=as_customer(account.customer),
        now=LATER,
    )

    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.DIRECT_DEBIT
    changes = Activity.objects.filter(act=Act.BILLING_ACCOUNT_SET_PAYMENT_METHOD).order_by("at")
    assert [(a.old_values, a.new_values, a.summary) for a in changes] == [
        (
            {"payment_method": "direct_debit"},
            {"payment_method": "card"},
            "Mode de paiement : Carte bancaire",
        ),
        (
            {"payment_method": "card"},
            {"payment_method": "direct_debit"},
            "Mode de paiement : Prélèvement automatique",
        ),
    ]


@pytest.mark.parametrize("day", [1, 28])
def test_set_debit_day_accepts_1_to_28(account: BillingAccount, day: int) -> None:
    billing_account_set_debit_day(billing_account=account, debit_day=day, actor=SYSTEM, now=LATER)

    account.refresh_from_db()
    assert account.debit_day == day
    activity = Activity.objects.get(act=Act.BILLING_ACCOUNT_SET_DEBIT_DAY)
    assert (activity.old_values, activity.new_values) == ({"debit_day": 5}, {"debit_day": day})


@pytest.mark.parametrize("day", [-1, 0, 29, 31])
def test_set_debit_day_refuses_days_outside_1_to_28(account: BillingAccount, day: int) -> None:
    before = _snapshot(account)

    with pytest.raises(BillingError) as refused:
        billing_account_set_debit_day(
            billing_account=account, debit_day=day, actor=SYSTEM, now=LATER
        )

    assert refused.value.code == BillingErrorCode.DEBIT_DAY_INVALID
    assert refused.value.extra == {"day": day, "min": 1, "max": 28}
    assert _snapshot(account) == before


def test_setting_the_same_debit_day_logs_nothing(account: BillingAccount) -> None:
    before = _snapshot(account)

    billing_account_set_debit_day(billing_account=account, debit_day=5, actor=SYSTEM, now=LATER)

    assert _snapshot(account) == before


def test_the_database_refuses_a_debit_day_of_29(account: BillingAccount) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingAccount.objects.filter(pk=account.pk).update(debit_day=29)


def test_paper_invoices_need_a_billing_address_cgs_7(account: BillingAccount) -> None:
    before = _snapshot(account)

    with pytest.raises(BillingError) as refused:
        billing_account_set_invoice_delivery(
            billing_account=account,
            invoice_delivery=InvoiceDelivery.PAPER,
            actor=SYSTEM,
            now=LATER,
        )

    assert refused.value.code == BillingErrorCode.BILLING_ADDRESS_REQUIRED
    assert _snapshot(account) == before

    address = give_address(account.customer, AddressKind.BILLING)
    billing_account_set_billing_address(
        billing_account=account, address=address, actor=SYSTEM, now=LATER
    )
    billing_account_set_invoice_delivery(
        billing_account=account, invoice_delivery=InvoiceDelivery.PAPER, actor=SYSTEM, now=LATER
    )

    account.refresh_from_db()
    assert (account.billing_address, account.invoice_delivery) == (address, InvoiceDelivery.PAPER)


def test_set_billing_address_refuses_another_customers_address(account: BillingAccount) -> None:
    stranger_address = give_address(make_customer(), AddressKind.BILLING)
    before = _snapshot(account)

    with pytest.raises(BillingError) as refused:
        billing_account_set_billing_address(
            billing_account=account, address=stranger_address, actor=SYSTEM, now=LATER
        )

    assert refused.value.code == BillingErrorCode.BILLING_ADDRESS_NOT_CUSTOMERS
    assert _snapshot(account) == before


def test_close_refuses_an_account_with_open_lines(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.SUSPENDED)
    before = _snapshot(account)

    with pytest.raises(BillingError) as refused:
        billing_account_close(billing_account=account, actor=SYSTEM, now=LATER)

    assert refused.value.code == BillingErrorCode.OPEN_LINES
    assert refused.value.extra == {"line_ids": [line.pk]}
    assert _snapshot(account) == before


def test_close_an_account_whose_lines_are_terminated_then_refuse_changes(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line_in_status(account, catalog, LineStatus.TERMINATED)

    billing_account_close(billing_account=account, actor=SYSTEM, now=LATER)

    account.refresh_from_db()
    assert (account.status, account.closed_at) == (BillingAccountStatus.CLOSED, LATER)
    before = _snapshot(account)
    for change in (
        lambda: billing_account_set_debit_day(
            billing_account=account, debit_day=10, actor=SYSTEM, now=LATER
        ),
        lambda: billing_account_set_payment_method(
            billing_account=account, payment_method=PaymentMethod.CARD, actor=SYSTEM, now=LATER
        ),
        lambda: billing_account_close(billing_account=account, actor=SYSTEM, now=LATER),
    ):
        with pytest.raises(BillingError) as refused:
            change()
        assert refused.value.code == BillingErrorCode.ACCOUNT_CLOSED
    assert _snapshot(account) == before
