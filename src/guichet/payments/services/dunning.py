"""Dunning acts and the daily dunning run (`guichet dunning run`).

A case opens when a billing account has an invoice past its due date; the schedule
(payments.dunning_rules, setting GUICHET_DUNNING_SCHEDULE) then says when each step falls due:
reminders by email and SMS through the outbox, the suspension of outgoing usage (CGS 2.4; billing
continues), the formal notice, and the termination by the operator (CGS 8.2). The case closes
when nothing overdue is left: the lines suspended for the unpaid are reinstated, each with the
brochure's reinstatement fee on the next invoice.

Each act is its own transaction, so the run resumes where it stopped, and each step is done at
most once per case (it locks the case row; unique constraint on case and step).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from guichet.billing.models import BillingAccount
from guichet.billing.selectors import (
    arrears_state,
    billing_account_ids_in_arrears,
    billing_accounts_by_id,
    invoices_to_mark_unpaid,
)
from guichet.billing.services import one_off_charge_add
from guichet.billing.settlement import invoices_mark_unpaid
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import OutboxChannel
from guichet.care.services import activity_record, outbox_enqueue
from guichet.catalog.rendering import euros
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.models import Line, LineStatus, SuspensionReason, TerminationReason
from guichet.lines.rules import OUTGOING_ONLY_SUSPENSION_REASONS
from guichet.lines.selectors import lines_for_billing_account
from guichet.lines.services import line_suspend, line_suspension_cause_end, line_terminate
from guichet.payments.dunning_rules import (
    REMINDERS,
    STEP_LABELS,
    Schedule,
    StepCode,
    next_step,
)
from guichet.payments.errors import DunningError, DunningErrorCode
from guichet.payments.models.dunning import DunningCase, DunningCaseStatus, DunningStep
from guichet.payments.selectors.dunning import dunning_open_cases, dunning_schedule

# fees.toml: « Remise en service de la ligne en cas de suspension pour impayé : 10 €/acte »
# (Services d'accompagnement), one act per line reinstated.
REINSTATEMENT_FEE = "remise-en-service-impaye"


def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _notify(
    *, customer: Customer, template: str, context: Mapping[str, Any], now: datetime
) -> None:
    """A dunning notice leaves by email and by SMS, whatever the contact preferences: it is the
    information the terms require before a suspension (CGS 2.4) or a termination (CGS 8.2),
    not a topic the customer may turn off."""
    full_context = {"first_name": customer.first_name, **context}
    for channel, recipient in (
        (OutboxChannel.EMAIL, customer.contact_email),
        (OutboxChannel.SMS, customer.contact_phone),
    ):
        if recipient:
            outbox_enqueue(
                channel=channel,
                recipient=recipient,
                template=template,
                context=full_context,
                now=now,
                customer=customer,
            )


def _reinstatement_fee_cents() -> int:
    return catalog_current().fee(REINSTATEMENT_FEE).price_cents


def _announcement(step: StepCode | None, on: date | None) -> tuple[str, str]:
    """What the notice says of the next step (email, SMS), so that the customer is told before
    a suspension (CGS 2.4) or a termination (CGS 8.2)."""
    if step is None or on is None:
        return "", ""
    if step == StepCode.SUSPENSION:
        return (
            f"\nSans règlement, les appels, SMS et données sortants de vos lignes seront suspendus"
            f" à partir du {_fr(on)} (CGS 2.4). Vous continuerez à recevoir appels et SMS, et la"
            " facturation se poursuivra pendant la suspension. La remise en service après"
            f" régularisation coûte {euros(_reinstatement_fee_cents())} par ligne.",
            f" Sans règlement, usages sortants suspendus le {_fr(on)}.",
        )
    if step == StepCode.FORMAL_NOTICE:
        return (
            f"\nSans règlement, une mise en demeure vous sera adressée le {_fr(on)}.",
            f" Sans règlement, mise en demeure le {_fr(on)}.",
        )
    if step == StepCode.TERMINATION:
        return (
            f"\nÀ défaut de paiement, votre contrat sera résilié le {_fr(on)} (CGS 8.2) : la"
            " résiliation entraîne la désactivation définitive de la carte SIM et la perte du"
            " numéro, et les sommes dues restent exigibles.",
            f" Sans règlement, résiliation le {_fr(on)}.",
        )
    return "", ""


def _locked_open_case(billing_account_id: int) -> DunningCase | None:
    return (
        DunningCase.objects.select_for_update()
        .select_related("billing_account__customer")
        .filter(billing_account_id=billing_account_id, status=DunningCaseStatus.OPEN)
        .first()
    )


@transaction.atomic
def dunning_case_open(
    *, billing_account: BillingAccount, actor: Actor, now: datetime
) -> DunningCase:
    """Open the account's case for its unpaid episode; the schedule counts from the due date
    of its oldest overdue invoice. Refused when nothing is overdue or a case is open."""
    today = paris_date(now)
    state = arrears_state(billing_account=billing_account, today=today)
    if not state.in_arrears or state.oldest_due_on is None:
        raise DunningError(
            code=DunningErrorCode.NOT_IN_ARREARS,
            message=f"Aucune facture du compte {billing_account.number} n'est impayée au"
            f" {_fr(today)}.",
            extra={"number": billing_account.number},
        )
    if _locked_open_case(billing_account.pk) is not None:
        raise DunningError(
            code=DunningErrorCode.CASE_ALREADY_OPEN,
            message=f"Une procédure d'impayé est déjà en cours sur le compte"
            f" {billing_account.number}.",
            extra={"number": billing_account.number},
        )
    case = DunningCase.objects.create(
        billing_account=billing_account, reference_due_on=state.oldest_due_on, opened_at=now
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.DUNNING_CASE_OPEN,
        subject=case,
        summary=f"Impayé sur le compte {billing_account.number} : {euros(state.owed_cents)}"
        f" dus depuis le {_fr(state.oldest_due_on)}",
        at=now,
        new_values={
            "status": case.status,
            "reference_due_on": state.oldest_due_on.isoformat(),
            "owed_cents": state.owed_cents,
            "invoices": [invoice.number for invoice in state.invoices],
        },
    )
    return case


@transaction.atomic
def dunning_case_advance(
    *, case: DunningCase, schedule: Schedule, actor: Actor, now: datetime
) -> DunningStep | None:
    """Do the case's next step when it has fallen due; None when no step is due today, when
    the schedule is done, or when the account no longer owes anything overdue (the case is
    then resolved by `dunning_case_resolve_if_paid`)."""
    today = paris_date(now)
    locked = _locked_open_case(case.billing_account_id)
    if locked is None or locked.pk != case.pk:
        return None
    case = locked
    account = case.billing_account
    done = [(StepCode(step.step), paris_date(step.done_at)) for step in case.steps.all()]
    due = next_step(schedule, reference_due_on=case.reference_due_on, done=done)
    if due is None or due.due_on > today:
        return None
    state = arrears_state(billing_account=account, today=today)
    if not state.in_arrears:
        return None
    code = due.step.code
    after = next_step(schedule, reference_due_on=case.reference_due_on, done=[*done, (code, today)])
    announcement, announcement_sms = _announcement(
        after.step.code if after else None, after.due_on if after else None
    )
    context = {
        "step": STEP_LABELS[code],
        "owed": euros(state.owed_cents),
        "due_date": _fr(case.reference_due_on),
        "account": account.number,
        "announcement": announcement,
        "announcement_sms": announcement_sms,
    }
    line_ids: list[int] = []
    if code in REMINDERS:
        _notify(customer=account.customer, template="dunning_reminder", context=context, now=now)
    elif code == StepCode.FORMAL_NOTICE:
        _notify(
            customer=account.customer, template="dunning_formal_notice", context=context, now=now
        )
    elif code == StepCode.SUSPENSION:
        line_ids = _suspend_lines(account, actor=actor, now=now)
    else:
        line_ids = _terminate_lines(account, actor=actor, now=now)
    step = DunningStep.objects.create(
        case=case,
        step=code,
        scheduled_on=due.due_on,
        done_at=now,
        owed_cents=state.owed_cents,
        line_ids=line_ids,
    )
    activity_record(
        customer=account.customer,
        actor=actor,
        act=Act.DUNNING_CASE_ADVANCE,
        subject=case,
        summary=f"{STEP_LABELS[code]} : {euros(state.owed_cents)} impayés sur le compte"
        f" {account.number}",
        at=now,
        new_values={"step": code, "owed_cents": state.owed_cents, "line_ids": line_ids},
    )
    return step


def _suspend_lines(account: BillingAccount, *, actor: Actor, now: datetime) -> list[int]:
    """Bar outgoing usage on the account's active lines (CGS 2.4; billing continues). A line
    already barred wholly (lost, stolen…) keeps that suspension, with this one under it: it
    applies once that one is lifted while the unpaid lasts."""
    suspended = []
    for line in lines_for_billing_account(billing_account=account):
        if line.status == LineStatus.ACTIVE or (
            line.status == LineStatus.SUSPENDED
            and not line.suspension_replaced
            and line.suspension_reason not in OUTGOING_ONLY_SUSPENSION_REASONS
        ):
            line_suspend(line=line, reason=SuspensionReason.UNPAID, actor=actor, now=now)
            suspended.append(line.pk)
    return suspended


def _terminate_lines(account: BillingAccount, *, actor: Actor, now: datetime) -> list[int]:
    """CGS 8.2: termination after a formal notice left without effect; the debt stays owed."""
    terminated = []
    for line in lines_for_billing_account(billing_account=account):
        if line.status != LineStatus.TERMINATED:
            line_terminate(line=line, reason=TerminationReason.UNPAID, actor=actor, now=now)
            terminated.append(line.pk)
    return terminated


@transaction.atomic
def dunning_case_resolve_if_paid(
    *, billing_account: BillingAccount, actor: Actor, now: datetime
) -> DunningCase | None:
    """Close the account's open case when nothing overdue is left, and return it; None when
    there is no open case or something is still owed. A payment calls this right after it is
    recorded, so that the lines come back at once rather than at the next run.

    Every line suspended for the unpaid is reinstated by the system (a customer cannot lift an
    operator's suspension, lines.rules), with the reinstatement fee charged on the next invoice,
    once per line (brochure: 10 € per act).
    """
    case = _locked_open_case(billing_account.pk)
    if case is None:
        return None
    today = paris_date(now)
    if arrears_state(billing_account=billing_account, today=today).in_arrears:
        return None
    system = Actor.system()
    channel = "selfcare" if actor.is_customer else "customer_service"
    reinstated: list[Line] = []
    for line in lines_for_billing_account(billing_account=billing_account):
        if line_suspension_cause_end(
            line=line, reason=SuspensionReason.UNPAID, actor=system, now=now
        ):
            one_off_charge_add(
                billing_account=billing_account,
                fee_code=REINSTATEMENT_FEE,
                channel=channel,
                actor=system,
                now=now,
            )
            reinstated.append(line)
    case.status = DunningCaseStatus.RESOLVED
    case.resolved_at = now
    case.save(update_fields=["status", "resolved_at"])
    activity_record(
        customer=case.billing_account.customer,
        actor=actor,
        act=Act.DUNNING_CASE_RESOLVE,
        subject=case,
        summary=f"Impayé régularisé sur le compte {billing_account.number}",
        at=now,
        old_values={"status": DunningCaseStatus.OPEN},
        new_values={
            "status": case.status,
            "reinstated_line_ids": [line.pk for line in reinstated],
        },
    )
    if case.steps.exists():
        _notify_resolved(case=case, reinstated=reinstated, now=now)
    return case


def _notify_resolved(*, case: DunningCase, reinstated: list[Line], now: datetime) -> None:
    reinstatement = reinstatement_sms = ""
    if reinstated:
        numbers = ", ".join(line.display_number for line in reinstated)
        fee = euros(_reinstatement_fee_cents())
        reinstatement = (
            f"\nVotre ligne {numbers} est remise en service ; les frais de remise en service"
            f" ({fee} par ligne, Brochure Tarifs) figureront sur votre prochaine facture."
        )
        reinstatement_sms = f" Ligne {numbers} remise en service."
    _notify(
        customer=case.billing_account.customer,
        template="dunning_resolved",
        context={
            "account": case.billing_account.number,
            "reinstatement": reinstatement,
            "reinstatement_sms": reinstatement_sms,
        },
        now=now,
    )


# The run ------------------------------------------------------------------------------------


@dataclass
class DunningRunReport:
    today: date
    marked_unpaid: int = 0
    opened: int = 0
    steps: Counter[StepCode] = field(default_factory=Counter)
    resolved: int = 0
    # Accounts in arrears after the run, each with its open case.
    open_cases: int = 0

    def summary(self) -> str:
        steps = " ".join(f"{code}={self.steps[code]}" for code in StepCode)
        return (
            f"date={self.today.isoformat()} marked_unpaid={self.marked_unpaid}"
            f" opened={self.opened} {steps} resolved={self.resolved} open={self.open_cases}"
        )


MARK_UNPAID_CHUNK = 1000


def dunning_run(
    *,
    now: datetime,
    billing_account_id: int | None = None,
    schedule: Schedule | None = None,
) -> DunningRunReport:
    """The day's dunning, as of `now` (its French date is the day the schedule is read for).

    1. Invoices still owed after their due date become unpaid (billing.settlement, in bulk:
       one transaction per chunk of MARK_UNPAID_CHUNK invoices).
    2. Open cases whose account owes nothing overdue any more are resolved.
    3. Each account in arrears gets its case (opened if needed), and the case's step due by
       today is done — at most one per case and day, since steps are at least a day apart.

    Idempotent and resumable: every act is its own transaction and each step is done once per
    case, so a second run on the same day does nothing and a run stopped halfway is finished by
    running it again. The cases, their steps and the accounts in arrears are read in bulk, and
    an act is called only for an account with something to do (the act checks again under its
    lock), so a day with nothing due costs a few queries whatever the number of cases.
    """
    today = paris_date(now)
    schedule = schedule or dunning_schedule()
    actor = Actor.system()
    report = DunningRunReport(today=today)
    overdue = [
        invoice.pk
        for invoice in invoices_to_mark_unpaid(today=today, billing_account_id=billing_account_id)
    ]
    for offset in range(0, len(overdue), MARK_UNPAID_CHUNK):
        invoices_mark_unpaid(
            invoice_ids=overdue[offset : offset + MARK_UNPAID_CHUNK], actor=actor, now=now
        )
    report.marked_unpaid += len(overdue)
    cases = dunning_open_cases(billing_account_id=billing_account_id)
    in_arrears = billing_account_ids_in_arrears(today=today, billing_account_id=billing_account_id)
    paid_up = sorted(set(cases) - set(in_arrears))
    due = [
        account_id
        for account_id in in_arrears
        if account_id not in cases or _step_due(cases[account_id], schedule, today)
    ]
    accounts = billing_accounts_by_id(ids=[*paid_up, *due])
    for account_id in paid_up:
        if dunning_case_resolve_if_paid(billing_account=accounts[account_id], actor=actor, now=now):
            report.resolved += 1
    for account_id in due:
        case = cases.get(account_id)
        if case is None:
            case = dunning_case_open(billing_account=accounts[account_id], actor=actor, now=now)
            report.opened += 1
        step = dunning_case_advance(case=case, schedule=schedule, actor=actor, now=now)
        if step is not None:
            report.steps[StepCode(step.step)] += 1
    report.open_cases = len(in_arrears)
    return report


def _step_due(case: DunningCase, schedule: Schedule, today: date) -> bool:
    """Whether the case (its steps loaded) has a step due by `today`."""
    done = [(StepCode(step.step), paris_date(step.done_at)) for step in case.steps.all()]
    due = next_step(schedule, reference_due_on=case.reference_due_on, done=done)
    return due is not None and due.due_on <= today
