"""Acts of the bill advance (avance sur facture, CGS 5.1 (i)): check a month's out-of-bundle
usage against the account's threshold (warn, then ask an advance and restrict the lines), and
record its payment (lift the restriction; the bill run then deducts it from the invoices).

The rules are `billing.advance_rules`; the values are the catalog's `bill_advance`.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from guichet.billing import advance_rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillAdvance,
    BillAdvanceStatus,
    BillAdvanceWarning,
    BillingAccount,
    BillingAccountStatus,
)
from guichet.billing.selectors import (
    bill_advance_warned_levels,
    bill_advances_of_period,
    bill_advances_unpaid,
    invoice_history_for_threshold,
    last_payment_incident_at,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record, outbox_notify_customer
from guichet.catalog.rendering import euros
from guichet.catalog.schema import BillAdvance as BillAdvanceCatalog
from guichet.catalog.schema import ratio
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import ContactTopic
from guichet.customers.rules import paris_date
from guichet.lines.models import Line, LineStatus, SuspensionReason
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.lines.services import line_suspend, line_suspension_cause_end


@dataclass(frozen=True)
class BillAdvanceCheck:
    """What a check found and did."""

    threshold: advance_rules.Threshold | None  # None: no line on a plan with a threshold
    uncovered_cents: int = 0
    warned_level: int | None = None
    advance: BillAdvance | None = None


def advance_terms(values: BillAdvanceCatalog) -> advance_rules.AdvanceTerms:
    return advance_rules.AdvanceTerms(
        new_customer_threshold_cents=values.new_customer_threshold_cents,
        new_customer_until_invoice_count=values.new_customer_until_invoice_count,
        average_of_last_invoices=values.established_average_of_last_invoices,
        multiplier=ratio(values.established_multiplier),
        after_incident_threshold_cents=values.after_payment_incident_threshold_cents,
        after_incident_months=values.after_payment_incident_months,
    )


def bill_advance_threshold(
    *, billing_account: BillingAccount, now: datetime
) -> advance_rules.Threshold:
    """The account's threshold today (brochure table, CGS 5.1 (i))."""
    terms = advance_terms(catalog_current().bill_advance)
    count, totals = invoice_history_for_threshold(
        billing_account=billing_account, last=terms.average_of_last_invoices
    )
    incident_at = last_payment_incident_at(customer=billing_account.customer)
    return advance_rules.advance_threshold(
        invoice_count=count,
        last_invoice_totals=totals,
        last_incident_on=paris_date(incident_at) if incident_at else None,
        today=paris_date(now),
        terms=terms,
    )


def _lines_with_threshold(billing_account: BillingAccount, plans: tuple[str, ...]) -> list[Line]:
    """The account's lines, not terminated, whose plan has thresholds in the brochure."""
    return [
        line
        for line in lines_with_main_offer_for_customer(customer=billing_account.customer)
        if line.billing_account_id == billing_account.pk
        and line.status != LineStatus.TERMINATED
        and any(offer.product.code in plans for offer in line.main_offers)  # type: ignore[attr-defined]
    ]


@transaction.atomic
def bill_advance_check(
    *, billing_account: BillingAccount, out_of_bundle_cents: int, actor: Actor, now: datetime
) -> BillAdvanceCheck:
    """Check the out-of-bundle and over-allowance usage of the current month (Europe/Paris),
    in cents incl. VAT, as rated so far, against the account's threshold; call it each time
    usage is rated. Approaching it (50 %, 80 %) warns the customer once per level (SMS and
    e-mail, usage-alerts topic); passing it asks an advance of the usage not yet covered by
    the month's advances, payable at once, and suspends the account's lines on the plans
    concerned (reason: bill advance pending, CGS 2.4) until it is paid."""
    if out_of_bundle_cents < 0:
        raise BillingError(
            code=BillingErrorCode.OUT_OF_BUNDLE_NEGATIVE,
            message=f"Le montant hors forfait ne peut pas être négatif ({out_of_bundle_cents}"
            " centimes).",
            extra={"out_of_bundle_cents": out_of_bundle_cents},
        )
    # Checks of one account are serialised: two usage imports never ask the same advance twice.
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("customer")
        .get(pk=billing_account.pk)
    )
    if account.status != BillingAccountStatus.ACTIVE:
        raise BillingError(
            code=BillingErrorCode.ACCOUNT_CLOSED,
            message=f"Le compte de facturation {account.number} est clôturé.",
            extra={"number": account.number},
        )
    catalog_terms = catalog_current().bill_advance
    lines = _lines_with_threshold(account, catalog_terms.plans)
    if not lines:
        return BillAdvanceCheck(threshold=None)
    threshold = bill_advance_threshold(billing_account=account, now=now)
    period = paris_date(now).replace(day=1)
    advances = bill_advances_of_period(billing_account=account, period=period)
    sequence = len(advances) + 1
    decision = advance_rules.advance_decision(
        out_of_bundle_cents=out_of_bundle_cents,
        already_requested_cents=sum(advance.amount_cents for advance in advances),
        threshold_cents=threshold.cents,
        warned_levels=bill_advance_warned_levels(
            billing_account=account, period=period, sequence=sequence
        ),
    )
    context = {
        "month": f"{period:%m/%Y}",
        "usage": euros(decision.uncovered_cents),
        "threshold": euros(threshold.cents),
    }
    if decision.new_levels:
        _warn(
            account=account,
            decision=decision,
            period=period,
            sequence=sequence,
            threshold=threshold,
            out_of_bundle_cents=out_of_bundle_cents,
            context=context,
            actor=actor,
            now=now,
        )
    advance = None
    if decision.advance_cents:
        advance = _request(
            account=account,
            lines=lines,
            decision=decision,
            period=period,
            sequence=sequence,
            threshold=threshold,
            out_of_bundle_cents=out_of_bundle_cents,
            context=context,
            actor=actor,
            now=now,
        )
    return BillAdvanceCheck(
        threshold=threshold,
        uncovered_cents=decision.uncovered_cents,
        warned_level=decision.warn_level,
        advance=advance,
    )


def _warn(
    *,
    account: BillingAccount,
    decision: advance_rules.AdvanceDecision,
    period: date,
    sequence: int,
    threshold: advance_rules.Threshold,
    out_of_bundle_cents: int,
    context: dict[str, str],
    actor: Actor,
    now: datetime,
) -> None:
    BillAdvanceWarning.objects.bulk_create(
        BillAdvanceWarning(
            billing_account=account,
            period_start=period,
            sequence=sequence,
            level_percent=level,
            threshold_cents=threshold.cents,
            out_of_bundle_cents=out_of_bundle_cents,
            at=now,
        )
        for level in decision.new_levels
    )
    level = decision.warn_level
    activity_record(
        customer=account.customer,
        actor=actor,
        act=Act.BILL_ADVANCE_WARN,
        subject=account,
        summary=f"Consommations hors forfait à {level} % du seuil d'avance sur facture"
        f" ({context['usage']} sur {context['threshold']})",
        at=now,
        new_values={
            "levels": list(decision.new_levels),
            "uncovered_cents": decision.uncovered_cents,
            "threshold_cents": threshold.cents,
            "threshold_basis": threshold.basis.value,
        },
    )
    outbox_notify_customer(
        customer=account.customer,
        topic=ContactTopic.USAGE_ALERTS,
        template="bill_advance_warning",
        context={**context, "level": level},
        now=now,
    )


def _request(
    *,
    account: BillingAccount,
    lines: list[Line],
    decision: advance_rules.AdvanceDecision,
    period: date,
    sequence: int,
    threshold: advance_rules.Threshold,
    out_of_bundle_cents: int,
    context: dict[str, str],
    actor: Actor,
    now: datetime,
) -> BillAdvance:
    due_on = paris_date(now)  # payable at once: the lines are restricted until then
    advance = BillAdvance.objects.create(
        billing_account=account,
        period_start=period,
        sequence=sequence,
        out_of_bundle_cents=out_of_bundle_cents,
        threshold_cents=threshold.cents,
        threshold_basis=threshold.basis.value,
        amount_cents=decision.advance_cents,
        requested_at=now,
        due_on=due_on,
    )
    activity_record(
        customer=account.customer,
        actor=actor,
        act=Act.BILL_ADVANCE_REQUEST,
        subject=advance,
        summary=f"Avance sur facture de {euros(advance.amount_cents)} demandée : consommations"
        f" hors forfait au-delà du seuil de {context['threshold']}",
        at=now,
        new_values={
            "amount_cents": advance.amount_cents,
            "threshold_cents": threshold.cents,
            "threshold_basis": threshold.basis.value,
            "out_of_bundle_cents": out_of_bundle_cents,
            "due_on": due_on.isoformat(),
        },
    )
    restricted = []
    for line in lines:
        if line.status == LineStatus.ACTIVE:
            line_suspend(
                line=line, reason=SuspensionReason.BILL_ADVANCE_PENDING, actor=actor, now=now
            )
            restricted.append(line.display_number)
    outbox_notify_customer(
        customer=account.customer,
        topic=ContactTopic.USAGE_ALERTS,  # "sms et emails" (CGS 5.1 (i))
        template="bill_advance_requested",
        context={
            **context,
            "amount": euros(advance.amount_cents),
            "due": f"{due_on:%d/%m/%Y}",
            "lines": ", ".join(restricted) or "vos lignes",
        },
        now=now,
    )
    return advance


@transaction.atomic
def bill_advance_payment_record(
    *, advance: BillAdvance, payment_reference: str, actor: Actor, now: datetime
) -> BillAdvance:
    """The advance was paid in full (`advance.amount_cents`, under `payment_reference`): it is
    credited to the account — the bill run deducts it from the next invoices until used up —
    and, when no other advance of the account waits to be paid, the lines suspended for it are
    put back in service. Refused for an advance already paid; a refusal changes nothing."""
    advance = (
        BillAdvance.objects.select_for_update()
        .select_related("billing_account__customer")
        .get(pk=advance.pk)
    )
    if advance.status != BillAdvanceStatus.REQUESTED:
        raise BillingError(
            code=BillingErrorCode.ADVANCE_NOT_PAYABLE,
            message=f"L'avance sur facture de {euros(advance.amount_cents)} est déjà payée.",
            extra={"advance_id": advance.pk, "status": advance.status},
        )
    reference = payment_reference.strip()
    if not reference:
        raise BillingError(
            code=BillingErrorCode.PAYMENT_REFERENCE_REQUIRED,
            message="Le paiement de l'avance sur facture demande la référence du paiement.",
            extra={"advance_id": advance.pk},
        )
    advance.status = BillAdvanceStatus.PAID
    advance.paid_at = now
    advance.payment_reference = reference[:100]
    advance.save(update_fields=["status", "paid_at", "payment_reference"])
    account = advance.billing_account
    activity_record(
        customer=account.customer,
        actor=actor,
        act=Act.BILL_ADVANCE_PAYMENT_RECORD,
        subject=advance,
        summary=f"Avance sur facture de {euros(advance.amount_cents)} payée : déduite des"
        " prochaines factures",
        at=now,
        old_values={"status": BillAdvanceStatus.REQUESTED},
        new_values={"status": BillAdvanceStatus.PAID, "reference": advance.payment_reference},
    )
    if not bill_advances_unpaid(billing_account=account):
        _lift_restriction(account, now=now)
    return advance


def _lift_restriction(account: BillingAccount, *, now: datetime) -> None:
    # The operator lifts it (the cause is gone), whoever paid: a customer may not lift an
    # operator's suspension (lines.rules.CUSTOMER_SUSPENSION_REASONS).
    for line in lines_with_main_offer_for_customer(customer=account.customer):
        if line.billing_account_id == account.pk:
            line_suspension_cause_end(
                line=line,
                reason=SuspensionReason.BILL_ADVANCE_PENDING,
                actor=Actor.system(),
                now=now,
            )
