from datetime import date

import pytest

from guichet.billing.models import BillingAccount
from guichet.billing.selectors import (
    billing_account_get_by_number,
    billing_account_get_for_customer,
    billing_accounts_for_customer,
    invoice_get_for_customer,
    invoices_available_for_customer,
)
from guichet.catalog.models import CatalogRelease
from tests.billing.builders import issue_invoice, open_account, paris, woot_charges, woot_line
from tests.customers.builders import make_customer
from tests.lines.builders import make_account

pytestmark = pytest.mark.django_db


def test_billing_accounts_are_read_per_customer(account: BillingAccount) -> None:
    second = make_account(account.customer)
    stranger_account = make_account(make_customer())

    assert billing_accounts_for_customer(customer=account.customer) == [account, second]
    assert (
        billing_account_get_for_customer(customer=account.customer, billing_account_id=second.pk)
        == second
    )
    assert (
        billing_account_get_for_customer(
            customer=account.customer, billing_account_id=stranger_account.pk
        )
        is None
    )


def test_billing_account_get_by_number(account: BillingAccount) -> None:
    assert billing_account_get_by_number(number=f" {account.number.lower()} ") == account
    assert billing_account_get_by_number(number="CF99999999") is None


def test_a_customer_sees_the_invoices_of_the_last_36_months(
    loaded_catalog: CatalogRelease, django_assert_num_queries
) -> None:
    account = open_account()
    second_account = open_account(account.customer)
    line = woot_line(account, activated_at=paris(2023, 9, 1))
    other_line = woot_line(second_account, activated_at=paris(2023, 9, 1))
    # Issued on the 2nd of the month after each period.
    october_2023 = issue_invoice(account, woot_charges(line), period=date(2023, 10, 1))
    november_2023 = issue_invoice(account, woot_charges(line), period=date(2023, 11, 1))
    other_account_invoice = issue_invoice(
        second_account, woot_charges(other_line), period=date(2023, 11, 1)
    )
    stranger = open_account()
    stranger_line = woot_line(stranger, activated_at=paris(2023, 9, 1))
    stranger_invoice = issue_invoice(
        stranger, woot_charges(stranger_line), period=date(2023, 11, 1)
    )
    customer = account.customer

    # October 2023 was invoiced on 2 November 2023: still there on 2 November 2026, gone the
    # day after.
    with django_assert_num_queries(1):
        available = invoices_available_for_customer(customer=customer, today=date(2026, 11, 3))
        numbers = [invoice.billing_account.number for invoice in available]

    assert available == [other_account_invoice, november_2023]
    assert numbers == [second_account.number, account.number]
    assert invoices_available_for_customer(customer=customer, today=date(2026, 11, 2)) == [
        other_account_invoice,
        november_2023,
        october_2023,
    ]
    assert (
        invoice_get_for_customer(
            customer=customer, number=october_2023.number, today=date(2026, 11, 2)
        )
        == october_2023
    )
    assert (
        invoice_get_for_customer(
            customer=customer, number=october_2023.number, today=date(2026, 11, 3)
        )
        is None
    )
    assert (
        invoice_get_for_customer(
            customer=customer, number=stranger_invoice.number, today=date(2026, 11, 2)
        )
        is None
    )
    assert (
        invoice_get_for_customer(
            customer=customer, number=f" {november_2023.number.lower()}", today=date(2026, 11, 2)
        )
        == november_2023
    )
