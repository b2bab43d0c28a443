"""Acts on instalment plans (facilité de paiement): create a plan for a device, bill its
instalments (the bill run, in the invoice's transaction), settle it early.

The schedule is `payments.instalment_rules`; amounts are integer cents incl. VAT.
"""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, Value, When

from guichet.billing.models import BillingAccount, BillingAccountStatus
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import ActivityEntry, activity_record, activity_record_many
from guichet.catalog.rendering import euros
from guichet.customers.rules import paris_date
from guichet.lines.models import Equipment, Ownership
from guichet.payments import instalment_rules
from guichet.payments.errors import InstalmentError, InstalmentErrorCode
from guichet.payments.models import (
    Instalment,
    InstalmentPlan,
    InstalmentPlanStatus,
    InstalmentStatus,
)
from guichet.payments.selectors.instalments import instalment_plan_outstanding_cents


def _check_plan_terms(
    *,
    billing_account: BillingAccount,
    equipment: Equipment,
    principal_cents: int,
    instalment_count: int,
    first_period: date,
    now: datetime,
) -> None:
    if billing_account.status != BillingAccountStatus.ACTIVE:
        raise InstalmentError(
            code=InstalmentErrorCode.ACCOUNT_CLOSED,
            message=f"Le compte de facturation {billing_account.number} est clôturé.",
            extra={"number": billing_account.number},
        )
    if equipment.customer_id != billing_account.customer_id:
        raise InstalmentError(
            code=InstalmentErrorCode.EQUIPMENT_NOT_CUSTOMERS,
            message=f"L'équipement « {equipment.model} » n'est pas un équipement du titulaire du"
            f" compte {billing_account.number}.",
            extra={"equipment_id": equipment.pk},
        )
    if equipment.ownership != Ownership.OWNED:
        raise InstalmentError(
            code=InstalmentErrorCode.EQUIPMENT_RENTED,
            message=f"L'équipement « {equipment.model} » est loué : seul un équipement acheté se"
            " paie en plusieurs fois.",
            extra={"equipment_id": equipment.pk},
        )
    if InstalmentPlan.objects.filter(
        equipment=equipment, status=InstalmentPlanStatus.ACTIVE
    ).exists():
        raise InstalmentError(
            code=InstalmentErrorCode.EQUIPMENT_ALREADY_IN_PLAN,
            message=f"L'équipement « {equipment.model} » est déjà payé par une facilité de"
            " paiement en cours.",
            extra={"equipment_id": equipment.pk},
        )
    problem = instalment_rules.schedule_problem(
        principal_cents=principal_cents, count=instalment_count, first_period=first_period
    )
    if problem is not None:
        raise InstalmentError(
            code=InstalmentErrorCode.TERMS_INVALID,
            message=problem,
            extra={
                "principal_cents": principal_cents,
                "instalment_count": instalment_count,
                "first_period": first_period.isoformat(),
            },
        )
    today = paris_date(now)
    if first_period < today.replace(day=1):
        # A past month's invoice may already be issued: its instalment would come late.
        raise InstalmentError(
            code=InstalmentErrorCode.FIRST_PERIOD_PAST,
            message=f"La première mensualité ne peut pas porter sur un mois passé"
            f" ({first_period:%m/%Y}).",
            extra={"first_period": first_period.isoformat()},
        )


@transaction.atomic
def instalment_plan_create(
    *,
    billing_account: BillingAccount,
    equipment: Equipment,
    principal_cents: int,
    instalment_count: int,
    first_period: date,
    actor: Actor,
    now: datetime,
) -> InstalmentPlan:
    """A plan paying `principal_cents` for `equipment` in `instalment_count` monthly
    instalments, the first on the invoice of the month starting `first_period` (this month or
    a later one). The schedule is written now; the bill run bills it month by month."""
    _check_plan_terms(
        billing_account=billing_account,
        equipment=equipment,
        principal_cents=principal_cents,
        instalment_count=instalment_count,
        first_period=first_period,
        now=now,
    )
    plan = InstalmentPlan.objects.create(
        billing_account=billing_account,
        equipment=equipment,
        label=equipment.model[:120],
        principal_cents=principal_cents,
        instalment_count=instalment_count,
        first_period=first_period,
        created_at=now,
    )
    schedule = instalment_rules.schedule(
        principal_cents=principal_cents, count=instalment_count, first_period=first_period
    )
    Instalment.objects.bulk_create(
        Instalment(
            plan=plan,
            number=item.number,
            period_start=item.period_start,
            amount_cents=item.amount_cents,
        )
        for item in schedule
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.INSTALMENT_PLAN_CREATE,
        subject=plan,
        summary=f"Facilité de paiement {plan.label} : {euros(principal_cents)} en"
        f" {instalment_count} mensualités à partir de {first_period:%m/%Y}",
        at=now,
        new_values={
            "billing_account": billing_account.number,
            "equipment_id": equipment.pk,
            "principal_cents": principal_cents,
            "instalment_count": instalment_count,
            "first_period": first_period.isoformat(),
            "first_instalment_cents": schedule[0].amount_cents,
            "instalment_cents": schedule[-1].amount_cents,
        },
    )
    return plan


def instalments_bill(*, invoice_of: Mapping[int, int], now: datetime) -> None:
    """Link each instalment (key of `invoice_of`) to the invoice that bills it (its value), just
    issued: called by billing in that invoice's transaction. Refuses (and so rolls the
    invoices back) when one of them is no longer to bill — billed meanwhile by another run, or
    its plan settled — so none is billed twice. A plan whose every instalment is now billed is
    completed. One update whatever the number of instalments."""
    if not invoice_of:
        return
    ids = sorted(invoice_of)
    scheduled = list(
        Instalment.objects.select_for_update()
        .filter(pk__in=ids, status=InstalmentStatus.SCHEDULED)
        .order_by("pk")
        .values_list("pk", "plan_id")
    )
    if len(scheduled) != len(ids):
        missing = sorted(set(ids) - {pk for pk, _ in scheduled})
        raise InstalmentError(
            code=InstalmentErrorCode.ALREADY_BILLED,
            message=f"{len(missing)} mensualité(s) ne sont plus à facturer (déjà facturées ou"
            " soldées) : la facturation est à relancer.",
            extra={"instalment_ids": missing},
        )
    # The invoice ids come with the instalments: no lookup of each one's invoice in the update.
    Instalment.objects.filter(pk__in=ids).update(
        status=InstalmentStatus.BILLED,
        invoice_id=Case(*(When(pk=pk, then=Value(invoice_of[pk])) for pk in ids)),
    )
    _complete_plans(plan_ids={plan_id for _, plan_id in scheduled}, now=now)


def _complete_plans(*, plan_ids: set[int], now: datetime) -> None:
    completed = list(
        InstalmentPlan.objects.filter(pk__in=plan_ids, status=InstalmentPlanStatus.ACTIVE)
        .exclude(instalments__status=InstalmentStatus.SCHEDULED)
        .select_related("billing_account__customer")
    )
    if not completed:
        return
    InstalmentPlan.objects.filter(pk__in=[plan.pk for plan in completed]).update(
        status=InstalmentPlanStatus.COMPLETED
    )
    activity_record_many(
        actor=Actor.system(),
        act=Act.INSTALMENT_PLAN_COMPLETE,
        entries=[
            ActivityEntry(
                customer=plan.billing_account.customer,
                subject=plan,
                summary=f"Facilité de paiement {plan.label} : dernière mensualité facturée",
                new_values={"status": InstalmentPlanStatus.COMPLETED},
            )
            for plan in completed
        ],
        at=now,
    )


@transaction.atomic
def instalment_plan_settle(
    *,
    plan: InstalmentPlan,
    amount_cents: int,
    payment_reference: str,
    actor: Actor,
    now: datetime,
) -> InstalmentPlan:
    """Settle the plan early (solder la facilité de paiement) with a payment of
    `amount_cents`, which must be the outstanding principal
    (`instalment_plan_outstanding_cents`): the instalments not billed yet are no longer
    billed. Those already billed stay owed through their invoices. Refused for a plan that is
    completed or settled, and for an amount that is not the outstanding principal (an
    instalment billed since the amount was quoted); a refusal changes nothing."""
    plan = (
        InstalmentPlan.objects.select_for_update()
        .select_related("billing_account__customer")
        .get(pk=plan.pk)
    )
    if plan.status != InstalmentPlanStatus.ACTIVE:
        raise InstalmentError(
            code=InstalmentErrorCode.PLAN_NOT_ACTIVE,
            message=f"La facilité de paiement {plan.label} est"
            f" {InstalmentPlanStatus(plan.status).label.lower()} : il n'y a plus rien à solder.",
            extra={"plan_id": plan.pk, "status": plan.status},
        )
    reference = payment_reference.strip()
    if not reference:
        raise InstalmentError(
            code=InstalmentErrorCode.PAYMENT_REFERENCE_REQUIRED,
            message="Le solde de la facilité de paiement demande la référence du paiement.",
            extra={"plan_id": plan.pk},
        )
    outstanding = instalment_plan_outstanding_cents(plan=plan)
    if amount_cents != outstanding:
        raise InstalmentError(
            code=InstalmentErrorCode.SETTLEMENT_AMOUNT_MISMATCH,
            message=f"Le paiement de {euros(amount_cents)} ne correspond pas au capital restant"
            f" dû de la facilité de paiement {plan.label} ({euros(outstanding)}).",
            extra={"plan_id": plan.pk, "outstanding_cents": outstanding},
        )
    settled = Instalment.objects.filter(plan=plan, status=InstalmentStatus.SCHEDULED).update(
        status=InstalmentStatus.SETTLED
    )
    plan.status = InstalmentPlanStatus.SETTLED
    plan.settled_at = now
    plan.settled_cents = outstanding
    plan.settlement_reference = reference[:100]
    plan.save(update_fields=["status", "settled_at", "settled_cents", "settlement_reference"])
    activity_record(
        customer=plan.billing_account.customer,
        actor=actor,
        act=Act.INSTALMENT_PLAN_SETTLE,
        subject=plan,
        summary=f"Facilité de paiement {plan.label} soldée : {euros(outstanding)}"
        f" ({settled} mensualité(s) non facturées)",
        at=now,
        old_values={"status": InstalmentPlanStatus.ACTIVE, "outstanding_cents": outstanding},
        new_values={
            "status": InstalmentPlanStatus.SETTLED,
            "settled_cents": outstanding,
            "reference": plan.settlement_reference,
        },
    )
    return plan
