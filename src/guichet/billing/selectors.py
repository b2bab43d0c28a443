"""Reads of billing accounts and invoices; every read for a customer is scoped to that customer."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum

from guichet.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceStatus,
    OneOffCharge,
    PaymentMethod,
)
from guichet.customers.models import Customer
from guichet.lines.selectors import (
    activated_lines_by_billing_account,
    billing_account_ids_with_lines_in_service,
)

PARIS = ZoneInfo("Europe/Paris")


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


def _pending_one_off_charges(*, before: date) -> QuerySet[OneOffCharge]:
    return OneOffCharge.objects.filter(invoice__isnull=True, charged_on__lt=before)


def _paris_day(stop: datetime) -> date:
    return stop.astimezone(PARIS).date()


def billable_account_ids(
    *, start: datetime, stop: datetime, account_id: int | None = None
) -> list[int]:
    """Ids of the accounts with a line in service at some instant of [start, stop), or with a
    one-off charge not billed yet dated before `stop`, in order."""
    with_lines = billing_account_ids_with_lines_in_service(
        start=start, stop=stop, account_id=account_id
    )
    charges = _pending_one_off_charges(before=_paris_day(stop))
    if account_id is not None:
        charges = charges.filter(billing_account_id=account_id)
    with_charges = charges.values_list("billing_account_id", flat=True).distinct()
    return sorted(set(with_lines).union(with_charges))


def accounts_for_bill_run(*, account_ids: Sequence[int], stop: datetime) -> list[BillingAccount]:
    """The accounts with their customer, `lines_in_service`: their activated lines, each with
    `billed_subscriptions` (every subscription that started before `stop`, ended or not, with
    its product), and `pending_charges`: their one-off charges not billed yet dated before
    `stop`, with their product. Four queries whatever the number of accounts."""
    lines_by_account = activated_lines_by_billing_account(account_ids=account_ids, stop=stop)
    charges_by_account: dict[int, list[OneOffCharge]] = defaultdict(list)
    for charge in (
        _pending_one_off_charges(before=_paris_day(stop))
        .filter(billing_account_id__in=account_ids)
        .select_related("product")
        .order_by("charged_on", "id")
    ):
        charges_by_account[charge.billing_account_id].append(charge)
    accounts = list(
        BillingAccount.objects.filter(pk__in=account_ids).select_related("customer").order_by("id")
    )
    for account in accounts:
        account.lines_in_service = lines_by_account.get(account.pk, [])
        account.pending_charges = charges_by_account.get(account.pk, [])
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


def one_off_charges_for_billing_account(*, billing_account: BillingAccount) -> list[OneOffCharge]:
    """The account's one-off charges, newest first, with the invoice that carries each."""
    return list(
        OneOffCharge.objects.filter(billing_account=billing_account)
        .select_related("product", "invoice")
        .order_by("-charged_on", "-id")
    )


def invoices_owed_by_direct_debit(*, due_from: date) -> QuerySet[Invoice]:
    """Invoices issued for payment by direct debit, due on `due_from` or later, with something
    still owed (issued or partly paid), with their account and customer, by due date."""
    return (
        Invoice.objects.filter(
            payment_method=PaymentMethod.DIRECT_DEBIT,
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID],
            due_on__gte=due_from,
        )
        .select_related("billing_account__customer")
        .order_by("due_on", "id")
    )
