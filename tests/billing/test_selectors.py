import pytest

from guichet.billing.models import BillingAccount
from guichet.billing.selectors import (
    billing_account_get_by_number,
    billing_account_get_for_customer,
    billing_accounts_for_customer,
)
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
