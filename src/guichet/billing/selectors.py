"""Reads of billing accounts and invoices; every read for a customer is scoped to that customer."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, Q, Sum

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import BillingAccount, Invoice, InvoiceStatus, OneOffFee
from guichet.billing.rules import ARREARS_ACT_LABELS, ArrearsAct
from guichet.catalog.rendering import euros
from guichet.customers.models import Customer
from guichet.lines.selectors import (
    activated_lines_by_billing_account,
    billing_account_ids_with_lines_in_service,
)
from guichet.payments.dunning_rules import STEP_LABELS, StepCode, step_reached
from guichet.payments.selectors.dunning import dunning_steps_reached


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


def billing_accounts_by_id(*, ids: Sequence[int]) -> dict[int, BillingAccount]:
    """The accounts with their customer, by id. One query."""
    return {
        account.pk: account
        for account in BillingAccount.objects.filter(pk__in=ids).select_related("customer")
    }


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
    """The accounts with their customer, `pending_fees` (their one-off fees not yet invoiced),
    and `lines_in_service`: their activated lines, each with `billed_subscriptions` (every
    subscription that started before `stop`, ended or not, with its product). Four queries
    whatever the number of accounts."""
    lines_by_account = activated_lines_by_billing_account(account_ids=account_ids, stop=stop)
    pending = OneOffFee.objects.filter(invoice__isnull=True).order_by("incurred_on", "id")
    accounts = list(
        BillingAccount.objects.filter(pk__in=account_ids)
        .select_related("customer")
        .prefetch_related(Prefetch("one_off_fees", queryset=pending, to_attr="pending_fees"))
        .order_by("id")
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


def one_off_fees_for_billing_account(*, billing_account: BillingAccount) -> list[OneOffFee]:
    return list(
        OneOffFee.objects.filter(billing_account=billing_account)
        .select_related("invoice")
        .order_by("incurred_on", "id")
    )


# Arrears ------------------------------------------------------------------------------------
#
# An invoice is overdue (impayé) when its status is unpaid (billing.settlement set it), or when
# it is still issued or partly paid the day after its due date: the nightly dunning run marks
# those unpaid, and the arrears state does not wait for it.


def _overdue(today: date) -> Q:
    return Q(status=InvoiceStatus.UNPAID) | Q(
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID], due_on__lt=today
    )


def invoices_to_mark_unpaid(*, today: date, billing_account_id: int | None = None) -> list[Invoice]:
    """Invoices still issued or partly paid after their due date, oldest due first."""
    invoices = Invoice.objects.filter(
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID], due_on__lt=today
    )
    if billing_account_id is not None:
        invoices = invoices.filter(billing_account_id=billing_account_id)
    return list(invoices.order_by("due_on", "id"))


def billing_account_ids_in_arrears(
    *, today: date, billing_account_id: int | None = None
) -> list[int]:
    invoices = Invoice.objects.filter(_overdue(today))
    if billing_account_id is not None:
        invoices = invoices.filter(billing_account_id=billing_account_id)
    return sorted(set(invoices.values_list("billing_account_id", flat=True)))


@dataclass(frozen=True)
class RefusedAct:
    code: ArrearsAct
    label: str
    # Shown to the customer when the act is refused (GUICHET_UNPAID_REFUSED_ACTS).
    reason: str


@dataclass(frozen=True)
class ArrearsState:
    """What self-care needs for the unpaid banner and for refusing acts (seed 000, « En cas
    d'impayé »). Empty when nothing is overdue."""

    invoices: tuple[Invoice, ...]  # overdue, oldest due first
    owed_cents: int  # what is still owed on them
    oldest_due_on: date | None
    # The furthest dunning step done in the open case (payments), None before the first one.
    dunning_step: StepCode | None
    refused_acts: tuple[RefusedAct, ...]  # the acts unavailable while in arrears

    @property
    def in_arrears(self) -> bool:
        return bool(self.invoices)

    @property
    def dunning_step_label(self) -> str:
        return STEP_LABELS[self.dunning_step] if self.dunning_step else ""


def unpaid_refused_acts() -> dict[ArrearsAct, str]:
    """The configured acts refused while unpaid, with their reasons (settings)."""
    configured: dict[str, str] = settings.GUICHET_UNPAID_REFUSED_ACTS
    unknown = sorted(set(configured) - set(ArrearsAct))
    if unknown:
        raise ImproperlyConfigured(
            f"GUICHET_UNPAID_REFUSED_ACTS: unknown act(s) {', '.join(unknown)}; known acts:"
            f" {', '.join(ArrearsAct)}"
        )
    return {ArrearsAct(code): reason for code, reason in configured.items()}


def arrears_state(
    *,
    today: date,
    customer: Customer | None = None,
    billing_account: BillingAccount | None = None,
) -> ArrearsState:
    """The arrears of a customer (all their accounts) or of one billing account, on `today`
    (a French date). One query when nothing is overdue, two otherwise."""
    if (customer is None) == (billing_account is None):
        raise ValueError("pass a customer or a billing account")
    invoices = Invoice.objects.filter(_overdue(today))
    if customer is not None:
        invoices = invoices.filter(billing_account__customer=customer)
    else:
        invoices = invoices.filter(billing_account=billing_account)
    overdue = tuple(invoices.order_by("due_on", "id"))
    if not overdue:
        return ArrearsState((), 0, None, None, ())
    steps = dunning_steps_reached(
        billing_account_ids=sorted({invoice.billing_account_id for invoice in overdue})
    )
    return ArrearsState(
        invoices=overdue,
        owed_cents=sum(invoice.outstanding_cents for invoice in overdue),
        oldest_due_on=overdue[0].due_on,
        dunning_step=step_reached(list(steps.values())),
        refused_acts=tuple(
            RefusedAct(code=code, label=ARREARS_ACT_LABELS[code], reason=reason)
            for code, reason in unpaid_refused_acts().items()
        ),
    )


def unpaid_check(*, customer: Customer, act: ArrearsAct, today: date) -> None:
    """Refuse `act` while the customer has an overdue invoice, when the operator lists it
    (GUICHET_UNPAID_REFUSED_ACTS): a service calls this at its last step, after its own checks
    and before changing anything. Raises BillingError ACT_REFUSED_WHILE_UNPAID whose message is
    the configured reason."""
    reason = unpaid_refused_acts().get(ArrearsAct(act))
    if reason is None:
        return
    state = arrears_state(customer=customer, today=today)
    if state.in_arrears:
        raise BillingError(
            code=BillingErrorCode.ACT_REFUSED_WHILE_UNPAID,
            message=reason,
            extra={
                "act": str(act),
                "owed_cents": state.owed_cents,
                "owed": euros(state.owed_cents),
                "oldest_due_on": state.oldest_due_on.isoformat() if state.oldest_due_on else None,
            },
        )
