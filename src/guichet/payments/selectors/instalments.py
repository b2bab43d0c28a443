"""Reads of instalment plans; every read for a customer is scoped to that customer."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet, Sum

from guichet.billing.models import BillingAccount
from guichet.customers.models import Customer
from guichet.payments.models import (
    Instalment,
    InstalmentPlan,
    InstalmentPlanStatus,
    InstalmentStatus,
)


def _with_schedule(plans: QuerySet[InstalmentPlan]) -> QuerySet[InstalmentPlan]:
    return plans.select_related("equipment", "billing_account").prefetch_related(
        Prefetch("instalments", queryset=Instalment.objects.order_by("number"))
    )


def instalment_plans_for_customer(*, customer: Customer) -> list[InstalmentPlan]:
    """The customer's plans, newest first, each with its equipment and schedule (2 queries)."""
    return list(
        _with_schedule(InstalmentPlan.objects.filter(billing_account__customer=customer)).order_by(
            "-created_at", "-id"
        )
    )


def instalment_plan_get_for_customer(*, customer: Customer, plan_id: int) -> InstalmentPlan | None:
    """The plan if it is one of `customer`'s, with its schedule; never another customer's."""
    return _with_schedule(
        InstalmentPlan.objects.filter(pk=plan_id, billing_account__customer=customer)
    ).first()


def instalment_plan_outstanding_cents(*, plan: InstalmentPlan) -> int:
    """The outstanding principal (capital restant dû): the instalments not billed yet. It is
    the amount an early settlement must pay (`instalment_plan_settle`); 0 once the plan is
    completed or settled. Instalments already billed are owed through their invoices."""
    total = Instalment.objects.filter(plan=plan, status=InstalmentStatus.SCHEDULED).aggregate(
        total=Sum("amount_cents")
    )["total"]
    return int(total or 0)


def instalment_plans_open_for_billing_account(*, billing_account: BillingAccount) -> list[int]:
    """Ids of the account's plans that still have instalments to bill."""
    return list(
        InstalmentPlan.objects.filter(
            billing_account=billing_account, status=InstalmentPlanStatus.ACTIVE
        ).values_list("id", flat=True)
    )


# Bill run ---------------------------------------------------------------------------------------
#
# An instalment is billed on the invoice of its month; one that an invoice missed (the account's
# run for that month failed, say) is billed on the account's next invoice, still exactly once:
# billing links it to the invoice in the invoice's transaction and it is no longer scheduled.


def _due(*, period: date) -> QuerySet[Instalment]:
    return Instalment.objects.filter(
        status=InstalmentStatus.SCHEDULED,
        period_start__lte=period,
        plan__status=InstalmentPlanStatus.ACTIVE,
    )


def billing_account_ids_with_instalments_due(
    *, period: date, account_id: int | None = None
) -> list[int]:
    """Accounts with an instalment to bill on their invoice of the month starting `period`."""
    due = _due(period=period)
    if account_id is not None:
        due = due.filter(plan__billing_account_id=account_id)
    return sorted(set(due.values_list("plan__billing_account_id", flat=True)))


def instalments_due_by_billing_account(
    *, account_ids: Sequence[int], period: date
) -> dict[int, list[Instalment]]:
    """The instalments to bill on these accounts' invoices of `period`, each with its plan and
    the plan's equipment, by account, in plan and number order. One query."""
    due = (
        _due(period=period)
        .filter(plan__billing_account_id__in=account_ids)
        .select_related("plan__equipment")
        .order_by("plan__created_at", "plan_id", "number")
    )
    by_account: dict[int, list[Instalment]] = {}
    for instalment in due:
        by_account.setdefault(instalment.plan.billing_account_id, []).append(instalment)
    return by_account


# -- portal: invoices and payment means --


@dataclass(frozen=True)
class InstalmentPlanSummary:
    """A plan as the customer sees it (Factures > Facilité de paiement)."""

    plan: InstalmentPlan
    device: str
    billed_count: int  # instalments put on an invoice
    left_count: int  # instalments still to bill
    outstanding_cents: int  # capital restant dû: what an early settlement pays
    next_instalment: Instalment | None  # the next one to bill

    @property
    def can_settle(self) -> bool:
        return self.plan.status == InstalmentPlanStatus.ACTIVE and self.outstanding_cents > 0


def instalment_plan_summaries(*, plans: Sequence[InstalmentPlan]) -> list[InstalmentPlanSummary]:
    """Summaries of plans read with their schedule (`instalment_plans_for_customer`): no query.
    The outstanding principal is `instalment_plan_outstanding_cents`'s, from the schedule."""
    summaries = []
    for plan in plans:
        instalments = list(plan.instalments.all())
        scheduled = [i for i in instalments if i.status == InstalmentStatus.SCHEDULED]
        summaries.append(
            InstalmentPlanSummary(
                plan=plan,
                device=plan.equipment.model,
                billed_count=sum(1 for i in instalments if i.status == InstalmentStatus.BILLED),
                left_count=len(scheduled),
                outstanding_cents=sum(i.amount_cents for i in scheduled),
                next_instalment=min(scheduled, key=lambda i: i.number, default=None),
            )
        )
    return summaries
