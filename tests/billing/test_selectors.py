from datetime import UTC, date, datetime

import pytest

from guichet.billing.advances import bill_advance_check, bill_advance_payment_record
from guichet.billing.deposits import security_deposit_record
from guichet.billing.models import BillingAccount, SecurityDepositCause
from guichet.billing.selectors import (
    bill_advances_for_customer,
    billing_account_get_by_number,
    billing_account_get_for_customer,
    billing_accounts_for_customer,
    invoice_get_for_customer,
    invoices_available_for_customer,
    security_deposits_for_customer,
)
from guichet.billing.services import bill_run
from guichet.catalog.models import CatalogRelease
from tests.billing.builders import issue_invoice, open_account, paris, woot_charges, woot_line
from tests.customers.builders import SYSTEM, make_customer
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


def test_advances_and_deposits_are_read_per_customer(loaded_catalog) -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 9, 1))
    stranger = open_account()
    woot_line(stranger, activated_at=paris(2026, 9, 1))
    for owner in (account, stranger):
        security_deposit_record(
            billing_account=owner,
            cause=SecurityDepositCause.PREVENTEL_LISTED,
            payment_reference="chq:1",
            actor=SYSTEM,
            now=paris(2026, 9, 2),
        )
        advance = bill_advance_check(
            billing_account=owner, out_of_bundle_cents=4000, actor=SYSTEM, now=paris(2026, 10, 5)
        ).advance
        assert advance is not None
    bill_advance_payment_record(
        advance=advance, payment_reference="card:1", actor=SYSTEM, now=paris(2026, 10, 6)
    )
    bill_run(period=date(2026, 10, 1), now=datetime(2026, 11, 2, 8, tzinfo=UTC))

    (mine,) = bill_advances_for_customer(customer=account.customer)
    (theirs,) = bill_advances_for_customer(customer=stranger.customer)
    # Mine is not paid: nothing deducted. Theirs is: 12.99 € of its 40 € deducted.
    assert (mine.billing_account_id, mine.remaining_cents) == (account.pk, 4000)
    assert (theirs.billing_account_id, theirs.remaining_cents) == (stranger.pk, 4000 - 1299)
    assert [
        d.billing_account_id for d in security_deposits_for_customer(customer=account.customer)
    ] == [account.pk]


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
