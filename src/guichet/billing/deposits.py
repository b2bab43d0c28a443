"""Acts of the security deposit (dépôt de garantie, CGS 5.1 (ii)): record one received in one
of the three cases, make it due for refund — within 10 days of the written request once its
cause is gone, or of the day the debt is cleared at the end of the contract — and record the
refund. `security_deposits_review` (command `guichet deposit-refunds`) finds the contracts that
ended with no debt left and lists what is to refund.

Amounts are the catalog's (`security_deposit`: 500 €); a deposit is no charge: invoices show
it apart (`Invoice.security_deposit_held_cents`), never in their totals.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from guichet.billing import rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillingAccount,
    BillingAccountStatus,
    RefundTrigger,
    SecurityDeposit,
    SecurityDepositCause,
    SecurityDepositStatus,
)
from guichet.billing.selectors import (
    billing_account_debt_cents,
    security_deposits_held,
    security_deposits_to_refund,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record, outbox_notify_customer
from guichet.catalog.rendering import euros
from guichet.catalog.schema import Delay
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import ContactTopic, Customer
from guichet.customers.rules import paris_date
from guichet.lines.models import LineStatus
from guichet.lines.selectors import lines_for_billing_account, lines_for_customer


def _delay_days(delay: Delay) -> int:
    if delay.unit != "calendar_days":
        raise ValueError(f"a deposit refund delay in {delay.unit} is not supported")
    return delay.amount


def _open_contracts(customer: Customer) -> int:
    """The customer's subscription contracts: their lines not terminated (pending included:
    the deposit is asked when subscribing, before activation, CGS 4.3)."""
    return sum(
        1 for line in lines_for_customer(customer=customer) if line.status != LineStatus.TERMINATED
    )


def _locked(deposit: SecurityDeposit) -> SecurityDeposit:
    return (
        SecurityDeposit.objects.select_for_update()
        .select_related("billing_account__customer")
        .get(pk=deposit.pk)
    )


def _reference(raw: str, *, what: str) -> str:
    reference = raw.strip()
    if not reference:
        raise BillingError(
            code=BillingErrorCode.PAYMENT_REFERENCE_REQUIRED,
            message=f"{what} demande la référence du paiement.",
        )
    return reference[:100]


@transaction.atomic
def security_deposit_record(
    *,
    billing_account: BillingAccount,
    cause: SecurityDepositCause,
    payment_reference: str,
    actor: Actor,
    now: datetime,
) -> SecurityDeposit:
    """A deposit received today ("encaissé au jour de sa remise") for one of the cases of
    CGS 5.1 (ii), of the brochure's amount. The case of more than two contracts is checked
    against the customer's lines; the others (a cheque found irregular, a Préventel listing)
    are the operator's findings. One deposit per case and account while it is held."""
    try:
        cause = SecurityDepositCause(cause)
    except ValueError:
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_CAUSE_UNKNOWN,
            message=f"« {cause} » n'est pas un cas de dépôt de garantie (CGS 5.1 (ii)).",
            extra={"cause": str(cause)},
        ) from None
    if billing_account.status != BillingAccountStatus.ACTIVE:
        raise BillingError(
            code=BillingErrorCode.ACCOUNT_CLOSED,
            message=f"Le compte de facturation {billing_account.number} est clôturé.",
            extra={"number": billing_account.number},
        )
    catalog = catalog_current()
    terms = catalog.terms.security_deposit
    customer = billing_account.customer
    if cause == SecurityDepositCause.MORE_THAN_TWO_CONTRACTS:
        contracts = _open_contracts(customer)
        if contracts <= terms.max_contracts_without_deposit:
            raise BillingError(
                code=BillingErrorCode.DEPOSIT_CAUSE_NOT_MET,
                message=f"Le client n'a que {contracts} contrat(s) : un dépôt de garantie n'est"
                f" demandé qu'au-delà de {terms.max_contracts_without_deposit}.",
                extra={"contracts": contracts},
            )
    reference = _reference(payment_reference, what="Le dépôt de garantie")
    if (
        SecurityDeposit.objects.filter(billing_account=billing_account, cause=cause)
        .exclude(status=SecurityDepositStatus.REFUNDED)
        .exists()
    ):
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_EXISTS,
            message=f"Le compte {billing_account.number} a déjà un dépôt de garantie pour ce"
            f" cas ({cause.label.lower()}).",
            extra={"cause": cause},
        )
    deposit = SecurityDeposit.objects.create(
        billing_account=billing_account,
        cause=cause,
        amount_cents=catalog.security_deposit.amount_cents,
        received_at=now,
        payment_reference=reference,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.SECURITY_DEPOSIT_RECORD,
        subject=deposit,
        summary=f"Dépôt de garantie de {euros(deposit.amount_cents)} encaissé"
        f" ({cause.label.lower()})",
        at=now,
        new_values={
            "cause": cause,
            "amount_cents": deposit.amount_cents,
            "reference": reference,
        },
    )
    return deposit


def _make_refund_due(
    *,
    deposit: SecurityDeposit,
    trigger: RefundTrigger,
    start: date,
    days: int,
    act: Act,
    actor: Actor,
    now: datetime,
) -> SecurityDeposit:
    deposit.status = SecurityDepositStatus.REFUND_DUE
    deposit.refund_trigger = trigger
    deposit.refund_from = start
    deposit.refund_due_on = rules.refund_due_on(start=start, days=days)
    deposit.save(update_fields=["status", "refund_trigger", "refund_from", "refund_due_on"])
    customer = deposit.billing_account.customer
    due = f"{deposit.refund_due_on:%d/%m/%Y}"
    activity_record(
        customer=customer,
        actor=actor,
        act=act,
        subject=deposit,
        summary=f"Dépôt de garantie de {euros(deposit.amount_cents)} à restituer au plus tard le"
        f" {due} ({RefundTrigger(trigger).label.lower()})",
        at=now,
        old_values={"status": SecurityDepositStatus.HELD},
        new_values={
            "status": SecurityDepositStatus.REFUND_DUE,
            "refund_trigger": trigger,
            "refund_from": start.isoformat(),
            "refund_due_on": deposit.refund_due_on.isoformat(),
        },
    )
    outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.INVOICES,
        template="security_deposit_refund_due",
        context={"amount": euros(deposit.amount_cents), "due": due},
        now=now,
    )
    return deposit


def _check_held(deposit: SecurityDeposit) -> None:
    if deposit.status != SecurityDepositStatus.HELD:
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_NOT_HELD,
            message=f"Ce dépôt de garantie est déjà"
            f" {SecurityDepositStatus(deposit.status).label.lower()}.",
            extra={"deposit_id": deposit.pk, "status": deposit.status},
        )


@transaction.atomic
def security_deposit_cause_gone(
    *, deposit: SecurityDeposit, request_received_on: date, actor: Actor, now: datetime
) -> SecurityDeposit:
    """The case that called for the deposit has disappeared during the contract, and the
    customer's written request was received on `request_received_on`: the deposit is to refund
    within 10 days of that day (CGS 5.1 (ii)). For the case of more than two contracts, the
    customer must be down to two at most."""
    deposit = _locked(deposit)
    _check_held(deposit)
    today = paris_date(now)
    if not paris_date(deposit.received_at) <= request_received_on <= today:
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_REQUEST_DATE_INVALID,
            message=f"La demande de restitution ne peut pas être reçue le"
            f" {request_received_on:%d/%m/%Y} : avant le dépôt ou après aujourd'hui.",
            extra={"request_received_on": request_received_on.isoformat()},
        )
    terms = catalog_current().terms.security_deposit
    if deposit.cause == SecurityDepositCause.MORE_THAN_TWO_CONTRACTS:
        contracts = _open_contracts(deposit.billing_account.customer)
        if contracts > terms.max_contracts_without_deposit:
            raise BillingError(
                code=BillingErrorCode.DEPOSIT_CAUSE_STILL_PRESENT,
                message=f"Le client a encore {contracts} contrats : le dépôt de garantie reste"
                f" dû au-delà de {terms.max_contracts_without_deposit}.",
                extra={"contracts": contracts},
            )
    return _make_refund_due(
        deposit=deposit,
        trigger=RefundTrigger.CAUSE_GONE,
        start=request_received_on,
        days=_delay_days(terms.refund_after_cause_disappears),
        act=Act.SECURITY_DEPOSIT_CAUSE_GONE,
        actor=actor,
        now=now,
    )


@transaction.atomic
def security_deposit_contract_end(
    *, deposit: SecurityDeposit, actor: Actor, now: datetime
) -> SecurityDeposit:
    """The contract has ended (every line of the account terminated) and no debt is left on
    its invoices: the deposit is to refund within 10 days of today, the day the debt is found
    cleared (CGS 5.1 (ii))."""
    deposit = _locked(deposit)
    _check_held(deposit)
    account = deposit.billing_account
    lines = lines_for_billing_account(billing_account=account)
    if not lines or any(line.status != LineStatus.TERMINATED for line in lines):
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_CONTRACT_NOT_ENDED,
            message=f"Le contrat du compte {account.number} n'est pas terminé : une ligne n'est"
            " pas résiliée.",
            extra={"number": account.number},
        )
    debt = billing_account_debt_cents(billing_account=account)
    if debt:
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_DEBT_REMAINS,
            message=f"Le compte {account.number} doit encore {euros(debt)} : le dépôt de garantie"
            " est restitué une fois la dette éteinte.",
            extra={"number": account.number, "debt_cents": debt},
        )
    terms = catalog_current().terms.security_deposit
    return _make_refund_due(
        deposit=deposit,
        trigger=RefundTrigger.CONTRACT_END,
        start=paris_date(now),
        days=_delay_days(terms.refund_after_contract_end),
        act=Act.SECURITY_DEPOSIT_CONTRACT_END,
        actor=actor,
        now=now,
    )


@transaction.atomic
def security_deposit_refund(
    *, deposit: SecurityDeposit, refund_reference: str, actor: Actor, now: datetime
) -> SecurityDeposit:
    """The deposit was paid back (cheque or transfer, `refund_reference`)."""
    deposit = _locked(deposit)
    if deposit.status != SecurityDepositStatus.REFUND_DUE:
        raise BillingError(
            code=BillingErrorCode.DEPOSIT_NOT_REFUND_DUE,
            message=f"Ce dépôt de garantie n'est pas à restituer : il est"
            f" {SecurityDepositStatus(deposit.status).label.lower()}.",
            extra={"deposit_id": deposit.pk, "status": deposit.status},
        )
    deposit.refund_reference = _reference(refund_reference, what="La restitution")
    deposit.status = SecurityDepositStatus.REFUNDED
    deposit.refunded_at = now
    deposit.save(update_fields=["status", "refunded_at", "refund_reference"])
    activity_record(
        customer=deposit.billing_account.customer,
        actor=actor,
        act=Act.SECURITY_DEPOSIT_REFUND,
        subject=deposit,
        summary=f"Dépôt de garantie de {euros(deposit.amount_cents)} restitué",
        at=now,
        old_values={"status": SecurityDepositStatus.REFUND_DUE},
        new_values={
            "status": SecurityDepositStatus.REFUNDED,
            "reference": deposit.refund_reference,
        },
    )
    return deposit


@dataclass
class DepositReview:
    today: date
    # Deposits made due for refund by this review (contracts ended, debt cleared).
    made_due: list[SecurityDeposit] = field(default_factory=list)
    # Every deposit to refund, the earliest deadline first; the overdue ones among them.
    to_refund: list[SecurityDeposit] = field(default_factory=list)

    @property
    def overdue(self) -> list[SecurityDeposit]:
        return [d for d in self.to_refund if d.refund_due_on and d.refund_due_on < self.today]

    def summary(self) -> str:
        total = sum(deposit.amount_cents for deposit in self.to_refund)
        return (
            f"made_due={len(self.made_due)} to_refund={len(self.to_refund)}"
            f" overdue={len(self.overdue)} total_eur={rules.format_eur(total)}"
        )


def security_deposits_review(*, now: datetime) -> DepositReview:
    """Make due the held deposits whose contract ended with no debt left (each in its own
    transaction), then list the deposits to refund. Idempotent: a second run makes nothing due
    again and lists the same deposits until their refunds are recorded."""
    review = DepositReview(today=paris_date(now))
    for deposit in security_deposits_held():
        lines = lines_for_billing_account(billing_account=deposit.billing_account)
        ended = lines and all(line.status == LineStatus.TERMINATED for line in lines)
        if ended and not billing_account_debt_cents(billing_account=deposit.billing_account):
            review.made_due.append(
                security_deposit_contract_end(deposit=deposit, actor=Actor.system(), now=now)
            )
    review.to_refund = security_deposits_to_refund()
    return review
