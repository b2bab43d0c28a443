"""Reads of billing accounts; every read for a customer is scoped to that customer."""

from guichet.billing.models import BillingAccount
from guichet.customers.models import Customer


def billing_accounts_for_customer(*, customer: Customer) -> list[BillingAccount]:
    return list(
        BillingAccount.objects.filter(customer=customer)
        .select_related("billing_address")
        .order_by("created_at", "id")
    )


def billing_account_get_for_customer(
    *, customer: Customer, billing_account_id: int
) -> BillingAccount | None:
    return (
        BillingAccount.objects.filter(customer=customer, pk=billing_account_id)
        .select_related("billing_address")
        .first()
    )


def billing_account_get_by_number(*, number: str) -> BillingAccount | None:
    return (
        BillingAccount.objects.filter(number=number.strip().upper())
        .select_related("customer", "billing_address")
        .first()
    )
