"""Reads of billing accounts and invoices; every read for a customer is scoped to that customer."""

from collections.abc import Sequence
from datetime import date, datetime

from django.core.paginator import Page
from django.db.models import Sum

from guichet.billing.models import BillingAccount, Invoice, InvoiceLine
from guichet.customers.models import Customer
from guichet.lines.selectors import (
    activated_lines_by_billing_account,
    billing_account_ids_with_lines_in_service,
)
from guichet.usage.selectors import UsageGroupKey, line_usage_records


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


# Bill run -----------------------------------------------------------------------------------
#
# Lines and subscriptions are read in bulk through the lines context's selectors, for a chunk of
# accounts at once.


def billable_account_ids(
    *, start: datetime, stop: datetime, account_id: int | None = None
) -> list[int]:
    """Ids of the accounts with a line in service at some instant of [start, stop), in order."""
    return billing_account_ids_with_lines_in_service(start=start, stop=stop, account_id=account_id)


def accounts_for_bill_run(*, account_ids: Sequence[int], stop: datetime) -> list[BillingAccount]:
    """The accounts with their customer, and `lines_in_service`: their activated lines, each
    with `billed_subscriptions` (every subscription that started before `stop`, ended or not,
    with its product). Three queries whatever the number of accounts."""
    lines_by_account = activated_lines_by_billing_account(account_ids=account_ids, stop=stop)
    accounts = list(
        BillingAccount.objects.filter(pk__in=account_ids).select_related("customer").order_by("id")
    )
    for account in accounts:
        account.lines_in_service = lines_by_account.get(account.pk, [])
    return accounts


def invoiced_account_ids(*, account_ids: Sequence[int], period_start: date) -> set[int]:
    return set(
        Invoice.objects.filter(
            billing_account_id__in=account_ids, period_start=period_start
        ).values_list("billing_account_id", flat=True)
    )


def invoices_total_cents(*, period_start: date, account_id: int | None = None) -> int:
    """Sum of the period's invoices (cancelled ones included: their credit note is apart)."""
    invoices = Invoice.objects.filter(period_start=period_start)
    if account_id is not None:
        invoices = invoices.filter(billing_account_id=account_id)
    return invoices.aggregate(total=Sum("total_cents"))["total"] or 0


def invoices_for_billing_account(*, billing_account: BillingAccount) -> list[Invoice]:
    return list(
        Invoice.objects.filter(billing_account=billing_account)
        .prefetch_related("lines")
        .order_by("-period_start", "-id")
    )


def invoice_line_usage_records(*, invoice_line: InvoiceLine, page: int = 1) -> Page | None:
    """The rated records an out-of-bundle usage line totals, a page at a time, in time order;
    None for an invoice line of another kind."""
    if not invoice_line.usage_key or invoice_line.line_id is None:
        return None
    return line_usage_records(
        line_id=invoice_line.line_id,
        period_start=invoice_line.invoice.period_start,
        key=UsageGroupKey.parse(invoice_line.usage_key),
        out_of_bundle_only=True,
        page=page,
    )
