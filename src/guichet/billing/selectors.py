"""Reads of billing accounts and invoices; every read for a customer is scoped to that customer."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Page
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum

from guichet.billing import advance_rules, cycle_rules, rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillAdvance,
    BillAdvanceDeduction,
    BillAdvanceStatus,
    BillAdvanceWarning,
    BillingAccount,
    BillingCycleChange,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OneOffCharge,
    PaymentMethod,
    SecurityDeposit,
    SecurityDepositStatus,
    UsageBilled,
)
from guichet.billing.rules import ARREARS_ACT_LABELS, ArrearsAct
from guichet.care.acts import Act
from guichet.care.selectors import last_activity_at
from guichet.catalog.models import Market
from guichet.catalog.rendering import euros
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.models import Line, LineStatus
from guichet.lines.selectors import (
    activated_lines_by_billing_account,
    billing_account_ids_with_lines_in_service,
    lines_for_billing_account,
)
from guichet.payments.dunning_rules import STEP_LABELS, StepCode, step_reached
from guichet.payments.models import DirectDebitStatus
from guichet.payments.selectors.dunning import dunning_steps_reached
from guichet.payments.selectors.instalments import (
    billing_account_ids_with_instalments_due,
    instalments_due_by_billing_account,
)
from guichet.usage.models import CarrierBillingPurchase, LineUsageTotals, VodPurchase
from guichet.usage.selectors import UsageGroupKey, line_usage_records, out_of_bundle_totals

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


def _pending_one_off_charges(*, before: date) -> QuerySet[OneOffCharge]:
    return OneOffCharge.objects.filter(invoice__isnull=True, charged_on__lt=before)


def _paris_day(stop: datetime) -> date:
    return stop.astimezone(PARIS).date()


def billable_account_ids(
    *, period: date, start: datetime, stop: datetime, account_id: int | None = None
) -> list[int]:
    """Ids of the accounts to invoice for the month starting `period`, in order: those with a
    line in service at some instant of [start, stop), those with a one-off charge not billed
    yet dated before `stop`, those with an instalment to bill (a device still being paid
    after its line ended), and those with late items of a line that ended before `start`."""
    with_lines = billing_account_ids_with_lines_in_service(
        start=start, stop=stop, account_id=account_id
    )
    charges = _pending_one_off_charges(before=_paris_day(stop))
    if account_id is not None:
        charges = charges.filter(billing_account_id=account_id)
    with_charges = charges.values_list("billing_account_id", flat=True).distinct()
    with_instalments = billing_account_ids_with_instalments_due(
        period=period, account_id=account_id
    )
    with_late_items = _account_ids_with_late_items(start=start, stop=stop, account_id=account_id)
    return sorted(set(with_lines).union(with_charges, with_instalments, with_late_items))


def _account_ids_with_late_items(
    *, start: datetime, stop: datetime, account_id: int | None
) -> set[int]:
    """The accounts of lines that ended before `start` (so nothing else bills them in the
    period) with a purchase on the bill made before `stop` and not billed, or with usage rated
    beyond what invoices billed of it, within the months an invoice ending before `stop` bills
    (`rules.late_usage_months`): mediation and merchant platforms report some after the last
    invoice. One query, and two more when such lines have usage of those months."""
    since, last = rules.late_usage_months(_paris_day(stop))
    usage = LineUsageTotals.objects.filter(
        line_id=OuterRef("pk"),
        period_start__gte=since,
        period_start__lte=last,
        out_of_bundle_micro_eur__gt=0,
    )
    purchases = Exists(_unbilled(CarrierBillingPurchase, stop)) | Exists(
        _unbilled(VodPurchase, stop)
    )
    ended = Line.objects.filter(terminated_at__lte=start)
    if account_id is not None:
        ended = ended.filter(billing_account_id=account_id)
    candidates = (
        ended.annotate(purchases=purchases, usage=Exists(usage))
        .filter(Q(purchases=True) | Q(usage=True))
        .values_list("pk", "billing_account_id", "purchases")
    )
    accounts = {account for _, account, purchases in candidates if purchases}
    account_of = {line: account for line, account, _ in candidates if account not in accounts}
    return accounts | {
        account_of[line] for line in _lines_with_usage_to_bill(account_of, since, last)
    }


def _unbilled(model: type[CarrierBillingPurchase] | type[VodPurchase], stop: datetime) -> QuerySet:
    return model.objects.filter(line_id=OuterRef("pk"), invoice__isnull=True, purchased_at__lt=stop)


def _lines_with_usage_to_bill(line_ids: Collection[int], since: date, last: date) -> set[int]:
    """Those of `line_ids` with a usage period from `since` to `last` rated beyond what was
    billed of it, as the bill run compares them (`billing.services._usage_to_bill`)."""
    if not line_ids:
        return set()
    totals = out_of_bundle_totals(line_ids=sorted(line_ids), since=since, until=last)
    billed = usage_billed_by_group(line_ids=sorted({line for line, _ in totals}), since=since)
    return {line for line, _ in rules.usage_periods_billed_short(totals=totals, billed=billed)}


def accounts_for_bill_run(
    *, account_ids: Sequence[int], period: date, stop: datetime
) -> list[BillingAccount]:
    """The accounts with their customer, and what their invoice of `period` is made of:
    `lines_in_service` (their activated lines, each with `billed_subscriptions`: every
    subscription that started before `stop`, ended or not, with its product),
    `pending_charges` (their one-off charges not billed yet dated before `stop`, with their
    product), `instalments_due` (payments' instalments to bill, with their plan and device) and
    `advance_credits` (what is left of their paid bill advances). Seven queries whatever the
    number of accounts."""
    lines_by_account = activated_lines_by_billing_account(account_ids=account_ids, stop=stop)
    charges_by_account: dict[int, list[OneOffCharge]] = defaultdict(list)
    for charge in (
        _pending_one_off_charges(before=_paris_day(stop))
        .filter(billing_account_id__in=account_ids)
        .select_related("product")
        .order_by("charged_on", "id")
    ):
        charges_by_account[charge.billing_account_id].append(charge)
    instalments = instalments_due_by_billing_account(account_ids=account_ids, period=period)
    credits = advance_credits_by_billing_account(account_ids=account_ids)
    accounts = list(
        BillingAccount.objects.filter(pk__in=account_ids)
        .select_related("customer", "billing_address")
        .order_by("id")
    )
    for account in accounts:
        account.lines_in_service = lines_by_account.get(account.pk, [])
        account.pending_charges = charges_by_account.get(account.pk, [])
        account.instalments_due = instalments.get(account.pk, [])
        account.advance_credits = credits.get(account.pk, [])
    return accounts


def billing_cycle_changes_for_accounts(
    *, account_ids: Sequence[int]
) -> dict[int, list[cycle_rules.CycleChange]]:
    """The cycle changes of these accounts, oldest first, by account id. One query."""
    changes: dict[int, list[cycle_rules.CycleChange]] = {}
    for account_id, *values in (
        BillingCycleChange.objects.filter(billing_account_id__in=account_ids)
        .order_by("transition_start", "id")
        .values_list(
            "billing_account_id", "old_day", "new_day", "transition_start", "new_cycle_from"
        )
    ):
        changes.setdefault(account_id, []).append(cycle_rules.CycleChange(*values))
    return changes


def billing_periods_starting(
    *, account_ids: Sequence[int], start: date
) -> dict[int, cycle_rules.BillingPeriod]:
    """The period of each of these accounts that starts on `start`, by account id; accounts
    with no period starting that day are left out. Two queries."""
    changes = billing_cycle_changes_for_accounts(account_ids=account_ids)
    periods = {}
    for account_id, cycle_day in BillingAccount.objects.filter(pk__in=account_ids).values_list(
        "pk", "billing_cycle_day"
    ):
        period = cycle_rules.period_starting(
            start, cycle_day=cycle_day, changes=changes.get(account_id, ())
        )
        if period is not None:
            periods[account_id] = period
    return periods


@dataclass(frozen=True)
class BillingCycleState:
    """Where an account's billing cycle stands (Factures > Préférences)."""

    previous: cycle_rules.BillingPeriod
    current: cycle_rules.BillingPeriod
    next: cycle_rules.BillingPeriod
    # The change whose transition has not ended yet, if any.
    in_progress: cycle_rules.CycleChange | None
    # The account's open mobile lines (their numbers): the cycle stays on calendar months
    # while it holds one (billing.cycle_rules).
    mobile_lines: tuple[str, ...]


def billing_cycle_state(*, billing_account: BillingAccount, today: date) -> BillingCycleState:
    """The period running on `today`, the one before and the next one, the change in
    progress and the open mobile lines. Two queries."""
    changes = billing_cycle_changes_for_accounts(account_ids=[billing_account.pk]).get(
        billing_account.pk, []
    )
    cycle_day = billing_account.billing_cycle_day
    current = cycle_rules.period_containing(today, cycle_day=cycle_day, changes=changes)
    return BillingCycleState(
        previous=cycle_rules.period_containing(
            current.start - timedelta(days=1), cycle_day=cycle_day, changes=changes
        ),
        current=current,
        next=cycle_rules.next_period(today, cycle_day=cycle_day, changes=changes),
        in_progress=changes[-1] if changes and today < changes[-1].new_cycle_from else None,
        mobile_lines=open_mobile_line_numbers(billing_account=billing_account),
    )


def billed_by_calendar_month(*, billing_account: BillingAccount, today: date) -> bool:
    """Whether the account's periods are calendar months from `today` on: cycle day 1 and no
    transition still to come (what a mobile line needs, billing.cycle_rules). One query."""
    if billing_account.billing_cycle_day != 1:
        return False
    return not BillingCycleChange.objects.filter(
        billing_account=billing_account, new_cycle_from__gt=today
    ).exists()


def open_mobile_line_numbers(*, billing_account: BillingAccount) -> tuple[str, ...]:
    """The numbers of the account's mobile lines not terminated, in order. One query."""
    return tuple(
        line.display_number
        for line in lines_for_billing_account(billing_account=billing_account)
        if line.market == Market.MOBILE and line.status != LineStatus.TERMINATED
    )


def usage_billed_by_group(
    *, line_ids: Sequence[int], since: date
) -> dict[tuple[int, date, str], tuple[int, int]]:
    """What invoices billed of these lines' usage groups of the usage periods from `since`:
    (rated total when last billed, cents billed in all) by (line id, period, usage key). One
    query (none without lines)."""
    if not line_ids:
        return {}
    return {
        (line, period, key): (micro, cents)
        for line, period, key, micro, cents in UsageBilled.objects.filter(
            line_id__in=line_ids, usage_period_start__gte=since
        )
        .values("line_id", "usage_period_start", "usage_key")
        .annotate(micro=Max("micro_eur"), cents=Sum("amount_cents"))
        .values_list("line_id", "usage_period_start", "usage_key", "micro", "cents")
        .order_by()
    }


def invoiced_account_ids(*, account_ids: Sequence[int], period_start: date) -> set[int]:
    return set(
        Invoice.objects.filter(
            billing_account_id__in=account_ids, period_start=period_start
        ).values_list("billing_account_id", flat=True)
    )


def invoice_ids_by_account(*, account_ids: Sequence[int], period_start: date) -> dict[int, int]:
    """The id of each of these accounts' invoice of the period, by account id. One query."""
    return dict(
        Invoice.objects.filter(
            billing_account_id__in=account_ids, period_start=period_start
        ).values_list("billing_account_id", "id")
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


# Bill advance ---------------------------------------------------------------------------------


def advance_credits_by_billing_account(
    *, account_ids: Sequence[int]
) -> dict[int, list[advance_rules.AdvanceCredit]]:
    """What is left of each paid advance of these accounts (amount less its deductions), for
    those with something left, oldest first. One query."""
    advances = (
        BillAdvance.objects.filter(
            billing_account_id__in=account_ids, status=BillAdvanceStatus.PAID
        )
        .annotate(deducted=Sum("deductions__amount_cents"))
        .order_by("paid_at", "id")
    )
    by_account: dict[int, list[advance_rules.AdvanceCredit]] = {}
    for advance in advances:
        remaining = advance.amount_cents - (advance.deducted or 0)
        if remaining > 0:
            assert advance.paid_at is not None  # paid
            by_account.setdefault(advance.billing_account_id, []).append(
                advance_rules.AdvanceCredit(
                    advance_id=advance.pk,
                    paid_on=paris_date(advance.paid_at),
                    remaining_cents=remaining,
                )
            )
    return by_account


def advance_remaining_cents(*, advance_ids: Sequence[int]) -> dict[int, int]:
    """What is left to deduct of each of these advances (paid or not)."""
    deducted = dict(
        BillAdvanceDeduction.objects.filter(advance_id__in=advance_ids)
        .values("advance_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("advance_id", "total")
    )
    return {
        pk: amount - (deducted.get(pk) or 0)
        for pk, amount in BillAdvance.objects.filter(pk__in=advance_ids).values_list(
            "id", "amount_cents"
        )
    }


def invoice_history_for_threshold(
    *, billing_account: BillingAccount, last: int
) -> tuple[int, list[int]]:
    """(number of the account's invoices not cancelled, totals of the `last` latest of them,
    oldest first): what the bill-advance threshold is computed from."""
    invoices = Invoice.objects.filter(billing_account=billing_account).exclude(
        status=InvoiceStatus.CANCELLED
    )
    latest = list(
        invoices.order_by("-period_start", "-id").values_list("total_cents", flat=True)[:last]
    )
    return invoices.count(), latest[::-1]


# Acts of `guichet.billing.settlement` that are payment incidents (CGS 5.1 (i)): an invoice
# still owed at its due date, a payment that did not stay (a rejected direct debit).
PAYMENT_INCIDENT_ACTS = (Act.INVOICE_MARK_UNPAID, Act.INVOICE_PAYMENT_REVERSE)


def last_payment_incident_at(*, customer: Customer) -> datetime | None:
    """When the customer's latest payment incident happened, from the activity log."""
    return last_activity_at(customer=customer, acts=PAYMENT_INCIDENT_ACTS)


def bill_advances_of_period(*, billing_account: BillingAccount, period: date) -> list[BillAdvance]:
    return list(
        BillAdvance.objects.filter(billing_account=billing_account, period_start=period).order_by(
            "sequence"
        )
    )


def bill_advance_warned_levels(
    *, billing_account: BillingAccount, period: date, sequence: int
) -> set[int]:
    return set(
        BillAdvanceWarning.objects.filter(
            billing_account=billing_account, period_start=period, sequence=sequence
        ).values_list("level_percent", flat=True)
    )


def bill_advances_for_customer(*, customer: Customer) -> list[BillAdvance]:
    """The customer's advances, newest first, each with `remaining_cents` (left to deduct)."""
    advances = list(
        BillAdvance.objects.filter(billing_account__customer=customer)
        .select_related("billing_account")
        .annotate(deducted=Sum("deductions__amount_cents"))
        .order_by("-requested_at", "-id")
    )
    for advance in advances:
        advance.remaining_cents = advance.amount_cents - (advance.deducted or 0)
    return advances


def bill_advances_unpaid(*, billing_account: BillingAccount) -> list[BillAdvance]:
    return list(
        BillAdvance.objects.filter(
            billing_account=billing_account, status=BillAdvanceStatus.REQUESTED
        ).order_by("requested_at", "id")
    )


# Security deposit -----------------------------------------------------------------------------

_OPEN_DEPOSIT = ~Q(status=SecurityDepositStatus.REFUNDED)


def security_deposits_held_cents(*, account_ids: Sequence[int]) -> dict[int, int]:
    """What each account has with us in security deposits (held or to refund), by account."""
    return dict(
        SecurityDeposit.objects.filter(_OPEN_DEPOSIT, billing_account_id__in=account_ids)
        .values("billing_account_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("billing_account_id", "total")
    )


def security_deposits_for_customer(*, customer: Customer) -> list[SecurityDeposit]:
    return list(
        SecurityDeposit.objects.filter(billing_account__customer=customer)
        .select_related("billing_account")
        .order_by("-received_at", "-id")
    )


def security_deposits_held() -> list[SecurityDeposit]:
    return list(
        SecurityDeposit.objects.filter(status=SecurityDepositStatus.HELD)
        .select_related("billing_account__customer")
        .order_by("received_at", "id")
    )


def security_deposits_to_refund() -> list[SecurityDeposit]:
    """Deposits to refund, the earliest deadline first."""
    return list(
        SecurityDeposit.objects.filter(status=SecurityDepositStatus.REFUND_DUE)
        .select_related("billing_account__customer")
        .order_by("refund_due_on", "id")
    )


def billing_account_debt_cents(*, billing_account: BillingAccount) -> int:
    """What the account still owes on its invoices (issued, partly paid or unpaid)."""
    owed = Invoice.objects.filter(
        billing_account=billing_account,
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.UNPAID],
    ).values_list("total_cents", "paid_cents")
    return sum(total - paid for total, paid in owed)


def _debit_in_flight() -> Q:
    # A direct debit presented to the bank and neither settled nor returned yet: the money is
    # being collected (settlement comes a business day after the due date), so the invoice is
    # not overdue until the bank says otherwise (a return marks it unpaid).
    return Q(direct_debits__status=DirectDebitStatus.SUBMITTED)


def _overdue(today: date) -> Q:
    return Q(status=InvoiceStatus.UNPAID) | (
        Q(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID], due_on__lt=today)
        & ~_debit_in_flight()
    )


def invoices_to_mark_unpaid(*, today: date, billing_account_id: int | None = None) -> list[Invoice]:
    """Invoices still issued or partly paid after their due date, oldest due first; not those
    whose direct debit is in flight (presented, not yet settled or returned)."""
    invoices = Invoice.objects.filter(
        Q(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID], due_on__lt=today)
        & ~_debit_in_flight()
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


# Payments -----------------------------------------------------------------------------------

PAYABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.UNPAID)


def invoices_in_arrears_for_customer(*, customer: Customer, today: date) -> list[Invoice]:
    """The customer's invoices still owed after their due date (`today` in Europe/Paris), the
    oldest first: marked unpaid, or not marked yet (dunning has not run since the due date);
    the same invoices as `arrears_state`."""
    return list(
        Invoice.objects.filter(_overdue(today), billing_account__customer=customer)
        .select_related("billing_account")
        .order_by("due_on", "period_start", "id")
    )


# Self-care ------------------------------------------------------------------------------------
#
# A customer sees the invoices issued in the last 36 months (rules.invoices_available_since);
# older ones stay in the database (accounting keeps them) but are neither listed nor served.


def invoices_available_for_customer(*, customer: Customer, today: date) -> list[Invoice]:
    """The customer's invoices (every billing account) still available on `today`, newest
    first, with their billing account; one query."""
    return list(
        Invoice.objects.filter(
            billing_account__customer=customer,
            issued_on__gte=rules.invoices_available_since(today),
        )
        .select_related("billing_account")
        .order_by("-issued_on", "-id")
    )


def invoice_get_for_customer(*, customer: Customer, number: str, today: date) -> Invoice | None:
    """The invoice numbered `number` if it is the customer's and still available on `today`,
    with its billing account, customer and lines (two queries); None otherwise, never another
    customer's invoice."""
    return (
        Invoice.objects.filter(
            billing_account__customer=customer,
            number=number.strip().upper(),
            issued_on__gte=rules.invoices_available_since(today),
        )
        .select_related("billing_account__customer")
        .prefetch_related("lines")
        .first()
    )


def invoice_line_usage_records(*, invoice_line: InvoiceLine, page: int = 1) -> Page | None:
    """The rated records an out-of-bundle usage line totals, a page at a time, in time order;
    None for an invoice line of another kind."""
    if not invoice_line.usage_key or invoice_line.line_id is None:
        return None
    # The usage period the line billed (another month than the invoice's for late usage or an
    # account on another billing cycle), as recorded when it was issued.
    billed = UsageBilled.objects.filter(
        invoice_id=invoice_line.invoice_id,
        line_id=invoice_line.line_id,
        usage_key=invoice_line.usage_key,
    ).values_list("usage_period_start", flat=True)
    return line_usage_records(
        line_id=invoice_line.line_id,
        period_start=next(iter(billed), invoice_line.invoice.period_start),
        key=UsageGroupKey.parse(invoice_line.usage_key),
        out_of_bundle_only=True,
        page=page,
    )
